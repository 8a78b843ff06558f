import jwt
import pytest

from phonemfa.errors import ValidationError
from phonemfa.service.tokens import InvalidTokenError


def test_token_round_trip(service):
    token = service.create_token(["read:guardian_factors"], ttl=60)
    claims = service.verify_token(token)
    assert claims.scopes == {"read:guardian_factors"}
    assert claims.subject == "operator"


def test_expired_token_is_refused_by_the_injected_clock(service, clock):
    token = service.create_token(["read:guardian_factors"], ttl=60)
    clock.advance(61)
    with pytest.raises(InvalidTokenError, match="Expired"):
        service.verify_token(token)


def test_revoked_token_is_refused(service):
    token = service.create_token(["read:guardian_factors"])
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert service.revoke_token(jti)
    with pytest.raises(InvalidTokenError, match="Revoked"):
        service.verify_token(token)


def test_wrong_signature_and_alg_none_are_refused(service, clock):
    claims = {
        "iss": "phonemfa",
        "sub": "x",
        "scope": "read:guardian_factors",
        "iat": int(clock.now()),
        "exp": int(clock.now()) + 60,
        "jti": "abc",
    }
    forged = jwt.encode(claims, "not-the-key-" * 3, algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned, "garbage", ""):
        with pytest.raises(InvalidTokenError):
            service.verify_token(token)


def test_unknown_scope_is_refused(service):
    with pytest.raises(ValidationError, match="Unknown scope"):
        service.create_token(["write:everything"])
