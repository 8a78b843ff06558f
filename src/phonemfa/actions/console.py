"""Development action: writes each message as a JSON line to a file, or to stderr.

Action secret OUTPUT_FILE names the file (appended to); without it, lines go to stderr.
Use: `phonemfa settings set custom_action phonemfa.actions.console:on_execute_send_phone_message`.
For development only: the line holds the code, like the phone it stands for.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

_lock = threading.Lock()


def on_execute_send_phone_message(event: dict[str, Any], api: Any) -> dict[str, Any]:
    options = event["message_options"]
    line = json.dumps(
        {
            "to": options["recipient"],
            "message_type": options["message_type"],
            "action": options["action"],
            "text": options["text"],
            "user_id": event.get("user", {}).get("user_id"),
        },
        ensure_ascii=False,
    )
    target = event.get("secrets", {}).get("OUTPUT_FILE")
    with _lock:
        if target:
            with Path(target).expanduser().open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        else:
            print(line, file=sys.stderr, flush=True)
    return {"status": "written"}
