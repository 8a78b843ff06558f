"""`phonemfa ...` with every SQLite connection limited, to reach the disk-full and read-only
paths of a real server: ROBUST_MAX_PAGES caps the database's size in pages (PRAGMA
max_page_count: a write needing one more page fails as on a full disk), ROBUST_QUERY_ONLY makes
every write fail as on a read-only file. Test harness only."""

import os
import runpy
import sys

from phonemfa.store.db import Store

_connect = Store._connect


def limited_connect(self):  # noqa: ANN001, ANN201
    conn = _connect(self)
    if os.environ.get("ROBUST_MAX_PAGES"):
        conn.execute(f"PRAGMA max_page_count = {int(os.environ['ROBUST_MAX_PAGES'])}")
    if os.environ.get("ROBUST_QUERY_ONLY"):
        conn.execute("PRAGMA query_only = ON")
    return conn


Store._connect = limited_connect
sys.argv = ["phonemfa", *sys.argv[1:]]
runpy.run_module("phonemfa", run_name="__main__")
