"""The layers below the front doors never import Textual or FastAPI (harlequin's check)."""

import subprocess
import sys

HEADLESS = [
    "phonemfa.core",
    "phonemfa.store",
    "phonemfa.delivery",
    "phonemfa.service",
    "phonemfa.core.settings",
    "phonemfa.core.events",
    "phonemfa.demo",
    "phonemfa.actions",
    "phonemfa.logstream",
]


def test_headless_layers_import_no_ui_or_web_framework():
    code = (
        "import importlib, pkgutil, sys\n"
        f"roots = {HEADLESS!r}\n"
        "for root in roots:\n"
        "    mod = importlib.import_module(root)\n"
        "    for info in pkgutil.walk_packages(getattr(mod, '__path__', []), root + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'fastapi', 'starlette', 'uvicorn'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
