"""Generic webhook action: POSTs the message as JSON to a URL, with an auth header.

Configure with action secrets:
  WEBHOOK_URL            where to POST (http or https)
  WEBHOOK_AUTHORIZATION  optional value of the Authorization header (e.g. "Bearer abc")
  WEBHOOK_TIMEOUT        optional seconds (default 5)
Use: `phonemfa settings set custom_action phonemfa.actions.webhook:on_execute_send_phone_message`.
A non-2xx answer raises, which the engine records as a failed send with this message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def on_execute_send_phone_message(event: dict[str, Any], api: Any) -> dict[str, Any]:
    secrets = event.get("secrets", {})
    url = secrets.get("WEBHOOK_URL", "")
    if not url.startswith(("http://", "https://")):
        raise RuntimeError("The webhook action needs the secret WEBHOOK_URL (an http(s) URL).")
    options = event["message_options"]
    payload = {
        "recipient": options["recipient"],
        "message_type": options["message_type"],
        "action": options["action"],
        "text": options["text"],
        "code": options["code"],
        "user_id": event.get("user", {}).get("user_id"),
        "language": event.get("request", {}).get("language"),
    }
    headers = {"Content-Type": "application/json", "User-Agent": "phonemfa-webhook/1"}
    if secrets.get("WEBHOOK_AUTHORIZATION"):
        headers["Authorization"] = secrets["WEBHOOK_AUTHORIZATION"]
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    timeout = float(secrets.get("WEBHOOK_TIMEOUT", "5"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(4096).decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"The webhook answered HTTP {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RuntimeError(f"The webhook could not be reached: {reason}.") from None
    try:
        answer = json.loads(body) if body else {}
    except ValueError:
        answer = {}
    message_id = answer.get("id") if isinstance(answer, dict) else None
    return {"id": message_id, "status": status} if message_id else {"status": status}
