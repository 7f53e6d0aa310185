"""The data files the atlas publishes (Sources page downloads, the offline pack's ``data/`` folder).

Only ``catalog.json``, the layer files it lists (with the licence notices beside them, e.g. the ODbL
note of the basemap), the known tables (``tables/<name>.csv``) and ``release.json`` are published;
never a file reached through a symlink, never one whose real path leaves the data folder. Anything
else dropped into ``data/`` (a stray export, a link to ``/etc/passwd``) stays private.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from dashboard.core.catalog import load_catalog
from dashboard.core.tables import SCHEMAS

CATALOG = "catalog.json"
RELEASE = "release.json"
#: Tables of the data release that the app itself does not load (the app's own: ``SCHEMAS``).
RELEASE_TABLES = ("seed_claims",)


def safe_data_file(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it is a regular file inside ``root`` reached through no symlink, else None.

    ``relative`` is a POSIX path as written in the catalog; absolute paths, ``.``, ``..`` are refused.
    ``root`` itself may be a link (``ATLAS_DATA_DIR`` pointing elsewhere); nothing below it may.
    """
    parts = relative.split("/")
    if any(part in {"", ".", ".."} for part in parts) or "\\" in relative:  # also refuses "/abs" and "a//b"
        return None
    base = root.resolve()
    current = base
    for part in parts:
        current = current / part
        if current.is_symlink():
            return None
    if not current.is_file():
        return None
    resolved = current.resolve()
    return current if resolved.is_relative_to(base) and resolved != base else None


def published_files(root: Path) -> list[PurePosixPath]:
    """The publishable files under ``root``, relative to it: the catalog, its layer files, the licence
    notices in their folders, the known tables, the release; each at most once. A missing or broken
    catalog publishes just the tables and the release."""
    specs, _ = load_catalog(root)
    layers = sorted({spec.file for spec in specs})
    folders = sorted({layer.rpartition("/")[0] for layer in layers if "/" in layer})
    notices = [f"{folder}/{path.name}" for folder in folders if (root / folder).is_dir()
               for path in sorted((root / folder).glob("LICENSE*"))]
    tables = [f"tables/{name}.csv" for name in sorted({*SCHEMAS, *RELEASE_TABLES})]
    wanted = [CATALOG, *layers, *notices, *tables, RELEASE]
    out: list[PurePosixPath] = []
    for relative in dict.fromkeys(wanted):
        if safe_data_file(root, relative) is not None:
            out.append(PurePosixPath(relative))
    return out
