"""Where the atlas finds its files. ATLAS_DATA_DIR overrides the data folder (used by tests)."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO_ROOT / "dashboard"
STATIC_DIR = PACKAGE_DIR / "static"
LOCALES_DIR = PACKAGE_DIR / "locales"


def data_dir() -> Path:
    """The data folder: ``$ATLAS_DATA_DIR`` if set, else ``<repo>/data``."""
    override = os.environ.get("ATLAS_DATA_DIR")
    return Path(override) if override else REPO_ROOT / "data"
