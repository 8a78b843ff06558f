"""Bearer tokens for the HTTP APIs: JWTs signed with a key derived from the instance key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import jwt

from phonemfa.errors import PhoneMfaError, ValidationError
from phonemfa.service.base import ServiceBase
from phonemfa.store import tokens_repo

ISSUER = "phonemfa"
ALGORITHM = "HS256"
DEFAULT_TTL = 24 * 3600
KNOWN_SCOPES = (
    "read:guardian_factors",
    "update:guardian_factors",
    "read:guardian_enrollments",
    "delete:guardian_enrollments",
    "read:users",
    "read:logs",
    "create:mfa_tokens",
    "read:log_streams",
    "create:log_streams",
    "update:log_streams",
    "delete:log_streams",
    "read:anomaly_blocks",
    "delete:anomaly_blocks",
)


class InvalidTokenError(PhoneMfaError):
    code = "invalid_token"
    status = 401


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    scopes: frozenset[str]
    jti: str
    expires_at: float

    def has_any(self, *wanted: str) -> bool:
        return any(scope in self.scopes for scope in wanted)


class TokensMixin(ServiceBase):
    def create_token(
        self, scopes: list[str], *, ttl: int = DEFAULT_TTL, subject: str = "operator"
    ) -> str:
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if unknown:
            raise ValidationError(
                f"Unknown scope {', '.join(unknown)}. Known scopes: {', '.join(KNOWN_SCOPES)}."
            )
        if not scopes:
            raise ValidationError("A token needs at least one scope.")
        if not 1 <= ttl <= 366 * 86400:
            raise ValidationError("ttl must be between 1 second and 366 days.")
        now = int(self.now())
        jti = secrets.token_hex(16)  # hex: never starts with "-", so `token revoke JTI` parses
        scope = " ".join(dict.fromkeys(scopes))
        with self.store.transaction():
            tokens_repo.record(
                self.store,
                jti=jti,
                scope=scope,
                subject=subject,
                issued_at=now,
                expires_at=now + ttl,
            )
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "scope": scope,
            "iat": now,
            "exp": now + ttl,
            "jti": jti,
        }
        return jwt.encode(claims, self.box.signing_key, algorithm=ALGORITHM)

    def verify_token(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self.box.signing_key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                # exp/iat are checked against the injected clock below, not the wall clock.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["exp", "iat", "jti", "scope", "sub"],
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError("Invalid token.") from exc
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= self.now():
            raise InvalidTokenError("Expired token.")
        if not isinstance(claims.get("scope"), str) or not isinstance(claims.get("jti"), str):
            raise InvalidTokenError("Invalid token.")
        if tokens_repo.is_revoked(self.store, claims["jti"]):
            raise InvalidTokenError("Revoked token.")
        return TokenClaims(
            subject=str(claims["sub"]),
            scopes=frozenset(claims["scope"].split()),
            jti=claims["jti"],
            expires_at=float(claims["exp"]),
        )

    def revoke_token(self, jti: str) -> bool:
        with self.store.transaction():
            return tokens_repo.revoke(self.store, jti, self.now())
