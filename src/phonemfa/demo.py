"""Demo data: a new database opens on a real-looking tenant (sample_data/, shipped in the wheel)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phonemfa.service import PhoneMfa

DEMO_ACTOR = "demo"


def sample_data_dir() -> Path:
    """The wheel carries sample_data inside the package; a source checkout has it at the top."""
    packaged = Path(str(resources.files("phonemfa"))) / "sample_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sample_data"


def load_json(name: str) -> Any:
    return json.loads((sample_data_dir() / name).read_text(encoding="utf-8"))


def seed_demo(service: PhoneMfa) -> None:
    from phonemfa.service.users import User

    tenant = load_json("tenant.json")
    service.update_settings(tenant["settings"], actor=DEMO_ACTOR)
    for raw in load_json("users.json"):
        service.save_user(User(**raw))
