"""Which process holds a send, so a restart can tell a send cut short by a crash from one still
running in another process that shares the database (the console and the API server do).

A sender is "host:pid:start" (start: the process's start time where the OS tells it, so a pid
reused by a new process is not mistaken for the old one). Only a sender on this host can be
known to be gone; any other sends are judged by their age alone.
"""

from __future__ import annotations

import functools
import os
import socket


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) from Linux's /proc, or None elsewhere or when the pid is unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], fields[19]  # field 3 (state) and field 22 (starttime) of proc(5)


@functools.cache
def _identity(pid: int) -> str:
    stat = _proc_stat(pid)
    return f"{socket.gethostname()}:{pid}:{stat[1] if stat else ''}"


def current() -> str:
    return _identity(os.getpid())  # keyed by pid: a forked child is a sender of its own


def is_gone(sender: str | None) -> bool:
    """True when `sender` ran on this host and that process no longer runs."""
    if not sender or os.name != "posix":  # os.kill(pid, 0) would terminate a process on Windows
        return False
    host, _, rest = sender.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process: its other threads may be sending right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    stat = _proc_stat(pid)
    if stat is None:
        return False
    state, started = stat
    return state in ("Z", "X") or bool(start and started != start)  # dead, or pid reused
