"""HTTP front door: the Management API (/api/v2) and the MFA API (/mfa, /oauth), FastAPI."""

from phonemfa.api.app import create_app

__all__ = ["create_app"]
