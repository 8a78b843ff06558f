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


def test_a_token_checked_before_is_still_refused_once_expired_or_revoked(service, clock):
    # Signature checks are remembered; expiry and revocation must not be.
    token = service.create_token(["read:guardian_factors"], ttl=60)
    assert service.verify_token(token).subject == "operator"
    clock.advance(61)
    with pytest.raises(InvalidTokenError, match="Expired"):
        service.verify_token(token)
    other = service.create_token(["read:guardian_factors"], ttl=60)
    service.verify_token(other)
    service.revoke_token(jwt.decode(other, options={"verify_signature": False})["jti"])
    with pytest.raises(InvalidTokenError, match="Revoked"):
        service.verify_token(other)
    mfa_token = service.issue_mfa_token("auth0|alice")
    assert service.verify_mfa_token(mfa_token).user_id == "auth0|alice"
    clock.advance(601)
    with pytest.raises(Exception, match="expired"):
        service.verify_mfa_token(mfa_token)
