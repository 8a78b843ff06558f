"""Runs Custom actions on reusable daemon threads, with a timeout for the caller.

A send used to start a thread per message (so a hung action could be abandoned): starting one and
waiting for it to run took longer than the rest of a login. Threads are now kept and reused. A
caller still waits at most its timeout; an action that hangs keeps its thread busy (a thread
cannot be killed) and that thread is simply not reused until the action returns. Daemon threads:
a hung action never keeps the process alive.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

MAX_IDLE = 8  # threads kept waiting for work; more are started when all are busy


class _Job:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.fn()
        except BaseException as exc:  # noqa: BLE001 - any failure of the action is the caller's
            self.error = exc
        finally:
            self.done.set()


class ActionRunner:
    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self.max_idle = max_idle
        self._idle: list[queue.SimpleQueue[_Job]] = []
        self._lock = threading.Lock()

    def run(self, fn: Callable[[], Any], timeout: float) -> _Job:
        """Run `fn` on a pooled thread; returns the job (`done` unset when it timed out)."""
        job = _Job(fn)
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(
                target=self._work, args=(inbox,), name="phonemfa-action", daemon=True
            ).start()
        inbox.put(job)
        job.done.wait(timeout)
        return job

    def _work(self, inbox: queue.SimpleQueue[_Job]) -> None:
        while True:
            inbox.get().run()
            with self._lock:
                if len(self._idle) >= self.max_idle:
                    return  # enough threads wait already: this one ends
                self._idle.append(inbox)


RUNNER = ActionRunner()
