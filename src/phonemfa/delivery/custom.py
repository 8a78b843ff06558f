"""The Custom provider (`phone-message-hook`): runs the Send Phone Message action.

The action is a Python callable, `package.module:function` or a `.py` file (function
`on_execute_send_phone_message`, or `onExecuteSendPhoneMessage`, or `path.py:function`), called as
`action(event, api)` with the seed's event (message_options, user, request, tenant, client, secrets)
and an `api.cache`. It runs on a pooled worker thread (action_runner.py) with a timeout; an
exception or a timeout is a failed send whose message is the action's.
"""

from __future__ import annotations

import importlib
import importlib.util
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from phonemfa.delivery.action_runner import RUNNER
from phonemfa.delivery.base import DeliveryResult, OutgoingMessage
from phonemfa.delivery.virtual_phone import PhoneLine, VirtualPhones

NAME = "phone-message-hook"
FUNCTION_NAMES = ("on_execute_send_phone_message", "onExecuteSendPhoneMessage")
MAX_ERROR = 500


class ActionLoadError(Exception):
    pass


def load_action(ref: str) -> Callable[[dict[str, Any], Any], Any]:
    """Resolve `module:function`, `file.py` or `file.py:function` to the callable."""
    ref = ref.strip()
    if not ref:
        raise ActionLoadError("No Custom action is configured (setting custom_action).")
    path_part, _, func_name = ref.rpartition(":") if ".py:" in ref else (ref, "", "")
    if path_part.endswith(".py") or ref.endswith(".py"):
        path = Path(path_part if path_part.endswith(".py") else ref).expanduser()
        try:
            source = path.read_bytes()
        except OSError:
            raise ActionLoadError(f"The action file {path} does not exist.") from None
        key = (str(path if path.is_absolute() else path.resolve()), func_name)
        with _loaded_lock:
            cached = _loaded_files.get(key)
        if cached is not None and cached[0] == source:
            return cached[1]  # unchanged since it was loaded: no re-execution per send
        module = _exec_file(path, source)
    else:
        module_name, _, func_name = ref.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise ActionLoadError(
                f"The action module {module_name} cannot be imported: {exc}"
            ) from exc
    names = (func_name,) if func_name else FUNCTION_NAMES
    for name in names:
        func = getattr(module, name, None)
        if callable(func):
            if path_part.endswith(".py") or ref.endswith(".py"):
                with _loaded_lock:
                    _loaded_files[key] = (source, func)
            return func
    raise ActionLoadError(f"The action {ref} has no function {' or '.join(names)}.")


# Action files by (path, function): the source they were loaded from and the function. A send
# reads the file (cheap) and executes it again only when its text changed, so an edited action
# takes effect at the next send without re-running the file's imports on every message.
_loaded_files: dict[tuple[str, str], tuple[bytes, Callable[[dict[str, Any], Any], Any]]] = {}
_loaded_lock = threading.Lock()


def _exec_file(path: Path, source: bytes) -> Any:
    spec = importlib.util.spec_from_file_location(f"phonemfa_action_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ActionLoadError(f"The action file {path} cannot be loaded.")
    module = importlib.util.module_from_spec(spec)
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - the operator's action
    except Exception as exc:  # the action's own code: report, never crash the engine
        raise ActionLoadError(f"The action file {path} failed to load: {exc}") from exc
    return module


class ActionCache:
    """`api.cache` of an action: per-process, with expiry, like Auth0's best-effort cache."""

    MAX_ITEMS = 20

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, expires_at = item
            if expires_at <= self._clock():
                del self._items[key]
                return None
            return {"value": value, "expires_at": expires_at}

    def set(self, key: str, value: str, options: dict[str, Any] | None = None) -> dict[str, str]:
        options = options or {}
        now = self._clock()
        expires_at = options.get("expires_at") or now + float(options.get("ttl", 15 * 60))
        with self._lock:
            if key not in self._items and len(self._items) >= self.MAX_ITEMS:
                oldest = min(self._items, key=lambda k: self._items[k][1])
                del self._items[oldest]
            self._items[key] = (str(value), float(expires_at))
        return {"type": "success"}

    def delete(self, key: str) -> dict[str, str]:
        with self._lock:
            self._items.pop(key, None)
        return {"type": "success"}


class ActionApi:
    """`api` of an action run: Auth0's `api.cache`, plus phonemfa's `api.virtual_phone` (the
    development inbox, `deliver(recipient, message_type, text)`; None when not offered)."""

    def __init__(self, cache: ActionCache, virtual_phone: PhoneLine | None = None) -> None:
        self.cache = cache
        self.virtual_phone = virtual_phone


def action_event(message: OutgoingMessage, secrets_: dict[str, str]) -> dict[str, Any]:
    context = message.context
    return {
        "message_options": {
            "action": message.action,
            "code": message.code,
            "message_type": message.channel,
            "recipient": message.to,
            "text": message.text,
        },
        "client": context.get("client", {}),
        "request": context.get("request", {}),
        "tenant": context.get("tenant", {}),
        "user": context.get("user", {}),
        "secrets": dict(secrets_),
    }


class CustomActionProvider:
    name = NAME

    def __init__(
        self,
        action_ref: str,
        *,
        secrets: dict[str, str],
        cache: ActionCache,
        timeout: float,
        phones: VirtualPhones | None = None,
    ) -> None:
        self.action_ref = action_ref
        self.secrets = secrets
        self.cache = cache
        self.timeout = timeout
        self.phones = phones

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        request = {"action": self.action_ref, "channel": message.channel}
        try:
            action = load_action(self.action_ref)
        except ActionLoadError as exc:
            return self._failed("action_not_loaded", str(exc), request)
        line = self.phones.line(message.message_id) if self.phones is not None else None
        job = RUNNER.run(
            lambda: action(action_event(message, self.secrets), ActionApi(self.cache, line)),
            self.timeout,
        )
        if not job.done.is_set():
            return self._failed(
                "action_timeout",
                f"The action did not finish within {self.timeout:g} seconds.",
                request,
            )
        if job.error is not None:
            text = str(job.error) or type(job.error).__name__
            return self._failed("action_error", text[:MAX_ERROR], request)
        value = job.value
        provider_id = None
        if isinstance(value, dict):
            provider_id = value.get("id") or value.get("provider_id")
        return DeliveryResult(
            ok=True,
            provider=NAME,
            provider_id=str(provider_id)[:200] if provider_id else "act_" + secrets.token_hex(8),
            status="sent",
            request=request,
            response=value if isinstance(value, dict) else {},
        )

    def _failed(self, code: str, text: str, request: dict[str, Any]) -> DeliveryResult:
        return DeliveryResult(
            ok=False,
            provider=NAME,
            status="failed",
            error_code=code,
            error_message=text,
            request=request,
        )
