"""Tokens of the MFA API: the mfa_token (10 minutes, names the user) and the access token.

Both are JWTs signed with the instance key like Management tokens, but each carries its own `aud`
and `typ`: PyJWT refuses a token with an `aud` where none is expected, so neither can pass as a
Management token, and each audience is required where it is used.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import jwt

from phonemfa.errors import PhoneMfaError
from phonemfa.service.attempt import check_context, check_user_id
from phonemfa.service.tokens import ALGORITHM, ISSUER

MFA_AUDIENCE = "phonemfa:mfa"
ACCESS_AUDIENCE = "phonemfa:access"
MFA_TOKEN_TTL = 600
ACCESS_TOKEN_TTL = 86400


@dataclass(frozen=True)
class MfaTokenClaims:
    user_id: str
    ip: str | None
    user_agent: str | None
    expires_at: float


class MfaTokensMixin:
    def issue_mfa_token(
        self, user_id: str, *, ip: str | None = None, user_agent: str | None = None
    ) -> str:
        check_user_id(user_id)
        address, agent = check_context(ip, user_agent)
        now = int(self.now())
        claims = {
            "iss": ISSUER,
            "aud": MFA_AUDIENCE,
            "typ": "mfa_token",
            "sub": user_id,
            "iat": now,
            "exp": now + MFA_TOKEN_TTL,
            "jti": secrets.token_urlsafe(12),
        }
        if address:
            claims["ip"] = address
        if agent:
            claims["ua"] = agent
        return jwt.encode(claims, self.box.signing_key, algorithm=ALGORITHM)

    def verify_mfa_token(self, token: str) -> MfaTokenClaims:
        claims = self._decode(token, MFA_AUDIENCE, "mfa_token", "mfa_token")
        return MfaTokenClaims(
            user_id=str(claims["sub"]),
            ip=claims.get("ip"),
            user_agent=claims.get("ua"),
            expires_at=float(claims["exp"]),
        )

    def issue_access_token(self, user_id: str, amr: list[str]) -> tuple[str, int]:
        now = int(self.now())
        claims = {
            "iss": ISSUER,
            "aud": ACCESS_AUDIENCE,
            "typ": "access_token",
            "sub": user_id,
            "amr": amr,
            "iat": now,
            "exp": now + ACCESS_TOKEN_TTL,
            "jti": secrets.token_urlsafe(12),
        }
        return jwt.encode(claims, self.box.signing_key, algorithm=ALGORITHM), ACCESS_TOKEN_TTL

    def verify_access_token(self, token: str) -> dict:
        return self._decode(token, ACCESS_AUDIENCE, "access_token", "access token")

    def _decode(self, token: str, audience: str, typ: str, what: str) -> dict:
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise PhoneMfaError(f"Malformed {what}.", code="invalid_grant", status=401)
        try:
            claims = jwt.decode(
                token,
                self.box.signing_key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                audience=audience,
                options={
                    "verify_exp": False,  # checked against the injected clock below
                    "verify_iat": False,
                    "require": ["exp", "sub", "aud", "typ"],
                },
            )
        except jwt.PyJWTError:
            raise PhoneMfaError(f"Malformed {what}.", code="invalid_grant", status=401) from None
        if claims.get("typ") != typ:
            raise PhoneMfaError(f"Malformed {what}.", code="invalid_grant", status=401)
        if not isinstance(claims["exp"], int | float) or claims["exp"] <= self.now():
            raise PhoneMfaError(f"{what} is expired", code="expired_token", status=401)
        return claims
