"""phonemfa: a self-hosted SMS and voice one-time-code MFA factor with a terminal console."""

__version__ = "0.1.0"
