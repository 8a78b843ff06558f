"""Development action: delivers SMS and voice calls to phonemfa's virtual phones.

The Built-in provider can only send SMS; with this action as the Custom provider, the enrollment
simulator (console F4) can play both of the seed's flows, SMS and voice with a choice, with nothing
leaving the machine. The demo tenant ships with it as its Custom action:
`phonemfa settings set custom_action phonemfa.actions.virtual_phone:on_execute_send_phone_message`.
Messages land encrypted in the virtual inbox (`phonemfa inbox`). For development only.
"""

from __future__ import annotations

from typing import Any

ACTION_REF = "phonemfa.actions.virtual_phone:on_execute_send_phone_message"


def on_execute_send_phone_message(event: dict[str, Any], api: Any) -> dict[str, Any]:
    phone = getattr(api, "virtual_phone", None)
    if phone is None:
        raise RuntimeError(
            "This action needs phonemfa's virtual phones (api.virtual_phone); "
            "it only runs as phonemfa's Custom provider."
        )
    options = event["message_options"]
    delivered = phone.deliver(options["recipient"], options["message_type"], options["text"])
    inbox_id = delivered["inbox_id"]
    return {"id": f"vphone_{inbox_id}", "status": "delivered", "inbox_id": inbox_id}
