"""One SQLite file shared by threads and processes.

Each thread gets its own connection (a sqlite3 connection is not safe to share), all in WAL mode
with a busy timeout, so the console's workers, the API server's thread pool and other processes
can read while one writes. Read-modify-write goes through `transaction()`, which takes the write
lock up front (BEGIN IMMEDIATE) so two writers never both read the old value.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from phonemfa.errors import StorageError

BUSY_TIMEOUT_MS = 10_000


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._by_thread: dict[int, sqlite3.Connection] = {}
        self._all_lock = threading.Lock()
        # Writers of this process queue here, in order, instead of in SQLite's busy handler,
        # which sleeps in growing steps and turns contention into long tail latencies.
        self._write_lock = threading.Lock()
        self.created = not self.path.exists() or self.path.stat().st_size == 0
        self._migrate()

    def _migrate(self) -> None:
        from phonemfa.store.migrations import migrations

        db = self.db
        try:
            db.conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"Cannot open the database {self.path}: {exc}.") from exc
        if migrations.pending(db):
            # One process migrates at a time; the others then find nothing pending.
            with self.transaction():
                migrations.apply(db)

    # -- connections -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed txn
        conn.execute("PRAGMA foreign_keys=ON")
        with self._all_lock:
            # Worker threads come and go: close the connections of threads that have ended.
            alive = {t.ident for t in threading.enumerate()}
            for ident in [i for i in self._by_thread if i not in alive]:
                with contextlib.suppress(sqlite3.Error):
                    self._by_thread.pop(ident).close()
            self._by_thread[threading.get_ident()] = conn
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils Database."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite_utils.Database(self._connect(), execute_plugins=False)
            self._local.db = db
        return db

    def close(self) -> None:
        with self._all_lock:
            for conn in self._by_thread.values():
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._by_thread.clear()
        self._local = threading.local()

    # -- transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction holding the write lock from its first statement.

        Nested use becomes a savepoint of the outer transaction.
        """
        db = self.db
        conn = db.conn
        if conn.in_transaction:
            with db.atomic():
                yield db
            return
        with self._write_lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageError(f"The database is busy or cannot be written: {exc}.") from exc
            try:
                yield db
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StorageError(f"The database could not be written: {exc}.") from exc

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        """SELECT helper returning plain dicts."""
        return [dict(row) for row in self.db.query(sql, params)]

    def query_one(self, sql: str, params: tuple | dict = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None
