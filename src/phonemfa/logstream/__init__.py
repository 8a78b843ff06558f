"""Log stream delivery and alert evaluation: the background loop both `phonemfa api` and the
console run (one process per sink at a time, by lease)."""

from phonemfa.logstream.loop import BackgroundLoop

__all__ = ["BackgroundLoop"]
