"""Where the database and the instance key live."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "PHONEMFA_HOME"
DB_NAME = "phonemfa.db"


def home() -> Path:
    configured = os.environ.get(HOME_ENV)
    return (
        Path(configured).expanduser()
        if configured
        else Path(platformdirs.user_data_dir("phonemfa"))
    )


def default_db_path() -> Path:
    return home() / DB_NAME


def key_path_for(db_path: Path) -> Path:
    """The key sits beside the database it protects."""
    return db_path.with_name(db_path.stem + ".key")
