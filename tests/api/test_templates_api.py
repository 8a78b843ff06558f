"""GET/PUT /api/v2/guardian/factors/phone/templates (and the deprecated sms alias)."""

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core.templates import DEFAULT_ENROLLMENT, DEFAULT_VERIFICATION
from phonemfa.store import events_repo

RW = ("read:guardian_factors", "update:guardian_factors")
PATHS = ["/api/v2/guardian/factors/phone/templates", "/api/v2/guardian/factors/sms/templates"]
LOCALIZED = (
    '{% if message_type == "voice" %}Hello, your code is {{pause}}{{code}}.'
    '{% elsif locale contains "fr" %}{{code}} est votre code pour {{tenant.friendly_name}}.'
    "{% else %}{{code}} is your code for {{tenant.friendly_name}}.{% endif %}"
)


@pytest.fixture
def auth(make_token):
    return {"Authorization": f"Bearer {make_token(*RW)}"}


@pytest.mark.parametrize("path", PATHS)
def test_get_defaults(api, auth, path):
    response = api.get(path, headers=auth)
    assert response.status_code == 200
    assert response.json() == {
        "enrollment_message": DEFAULT_ENROLLMENT,
        "verification_message": DEFAULT_VERIFICATION,
    }


@pytest.mark.parametrize(("put_path", "get_path"), [PATHS, PATHS[::-1]])
def test_put_echoes_and_both_paths_show_it(api, auth, service, put_path, get_path):
    body = {"enrollment_message": LOCALIZED, "verification_message": "{{code}}"}
    response = api.put(put_path, headers=auth, json=body)
    assert response.status_code == 200 and response.json() == body
    assert api.get(get_path, headers=auth).json() == body
    assert service.message_templates().enrollment_message == LOCALIZED
    [event] = events_repo.search(service.store, types=["gd_tenant_update"])
    assert event.details["actor"].startswith("api:operator:")
    assert set(event.details["changes"]) == {"enrollment_message", "verification_message"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"enrollment_message": "{{cod}}", "verification_message": "{{code}}"},
            "Invalid enrollment_message template: line 1: 'cod' is undefined (did you mean code?).",
        ),
        (
            {"enrollment_message": "{{code}}", "verification_message": "a\n{% if code %}"},
            "Invalid verification_message template: line 2: expected tag endif, found end of "
            "expression (the template ends before the block is closed).",
        ),
        (
            {"enrollment_message": "Your code is on its way", "verification_message": "{{code}}"},
            "Invalid enrollment_message template: the SMS for locale en does not contain the "
            "code ({{code}}).",
        ),
        (
            {"enrollment_message": "{{code}}", "verification_message": "{{code}}" + "x" * 1600},
            "Invalid verification_message template: the SMS for locale en is 1606 characters; "
            "the limit is 1600.",
        ),
        (
            {"enrollment_message": "{{code}}"},
            "Payload validation error: 'Missing required property: verification_message'.",
        ),
        (
            {"enrollment_message": "{{code}}", "verification_message": "{{code}}", "x": 1},
            "Payload validation error: 'Additional properties not allowed: x'.",
        ),
        (
            {"enrollment_message": 5, "verification_message": "{{code}}"},
            "Payload validation error: 'Expected type string but found type integer' on "
            "property enrollment_message.",
        ),
        (
            {"enrollment_message": "", "verification_message": "{{code}}"},
            "Invalid enrollment_message template: it must be a non-empty text.",
        ),
        (["{{code}}"], "Payload validation error: 'Expected type object but found type array'."),
    ],
)
def test_bad_templates_are_400_and_change_nothing(api, auth, service, body, message):
    before = service.settings_values()
    response = api.put(PATHS[0], headers=auth, json=body)
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": message,
        "errorCode": "invalid_body",
    }
    assert service.settings_values() == before
    assert events_repo.search(service.store, types=["gd_tenant_update"]) == []


def test_scopes(api, make_token):
    body = {"enrollment_message": "{{code}}", "verification_message": "{{code}}"}
    reader = {"Authorization": f"Bearer {make_token('read:guardian_factors')}"}
    assert api.get(PATHS[0]).status_code == 401
    assert api.get(PATHS[0], headers=reader).status_code == 200
    forbidden = api.put(PATHS[0], headers=reader, json=body)
    assert forbidden.status_code == 403
    assert forbidden.json()["errorCode"] == "insufficient_scope"
    writer = {"Authorization": f"Bearer {make_token('update:guardian_factors')}"}
    assert api.get(PATHS[1], headers=writer).status_code == 403
    assert api.put(PATHS[1], headers=writer, json=body).status_code == 200


def test_openapi_marks_the_sms_alias_deprecated(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert paths[PATHS[0]]["put"].get("deprecated") is not True
    assert paths[PATHS[1]]["put"]["deprecated"] is True
    assert paths[PATHS[1]]["get"]["deprecated"] is True


def test_auth0_python_and_the_cli_see_the_same_templates(live_server):
    management = pytest.importorskip("auth0.management")
    token = live_server.cli(
        "token", "create", "--scope", "read:guardian_factors", "--scope", "update:guardian_factors"
    ).stdout.strip()
    client = management.Auth0(base_url=f"{live_server.base_url}/api/v2", token=token)
    phone = client.guardian.factors.phone
    saved = phone.set_templates(enrollment_message=LOCALIZED, verification_message="{{code}}")
    assert saved.enrollment_message == LOCALIZED
    assert phone.get_templates().verification_message == "{{code}}"
    shown = live_server.cli("templates", "show")
    assert shown.returncode == 0 and LOCALIZED.replace('"', '\\"') in shown.stdout
    # The SDK gets the documented 400 for a template that cannot render.
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        refused = http.put(
            PATHS[0],
            headers={"Authorization": f"Bearer {token}"},
            json={"enrollment_message": "{{ code | nope }}", "verification_message": "{{code}}"},
        )
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "Invalid enrollment_message template: line 1: unknown filter 'nope'."
    )
    assert phone.get_templates().enrollment_message == LOCALIZED


@given(st.text(max_size=120))
def test_any_template_text_is_200_or_a_400_with_the_message(api, auth, text):
    body = {"enrollment_message": text, "verification_message": "{{code}}"}
    response = api.put(PATHS[0], headers=auth, json=body)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["message"].startswith("Invalid enrollment_message template: ")
    else:
        assert response.json() == body
