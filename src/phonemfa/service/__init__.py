"""The one way into phonemfa: every use case of the console, the CLI and the API is a method here."""

from phonemfa.service.facade import PhoneMfa

__all__ = ["PhoneMfa"]
