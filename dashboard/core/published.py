"""The data files the atlas publishes (Sources page downloads, the offline pack's ``data/`` folder).

Only ``catalog.json``, the layer files it lists and the known tables (``tables/<name>.csv``) are
published; never a file reached through a symlink, never one whose real path leaves the data folder.
Anything else dropped into ``data/`` (a stray export, a link to ``/etc/passwd``) stays private.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from dashboard.core.catalog import load_catalog
from dashboard.core.tables import SCHEMAS

CATALOG = "catalog.json"


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
    """The publishable files under ``root``, relative to it: the catalog, then its layer files, then the
    known tables, each at most once. A missing or broken catalog publishes just the tables."""
    specs, _ = load_catalog(root)
    wanted = [CATALOG, *sorted({spec.file for spec in specs}), *(f"tables/{name}.csv" for name in sorted(SCHEMAS))]
    out: list[PurePosixPath] = []
    for relative in dict.fromkeys(wanted):
        if safe_data_file(root, relative) is not None:
            out.append(PurePosixPath(relative))
    return out
