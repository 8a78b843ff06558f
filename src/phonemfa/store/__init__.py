"""SQLite persistence through sqlite-utils: connections, migrations, repositories, encryption."""

from phonemfa.store.db import Store

__all__ = ["Store"]
