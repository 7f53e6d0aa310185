"""The data release: its version and "data as of" date (data/release.json), shown in the app and the export pack.

One file says which release of the figures a reader is looking at and up to when the sources were checked,
so a citation can name them. A missing or broken file is reported, and the app says the release is unknown.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.core.validation import Problem, parse_json

FILENAME = "release.json"


@dataclass(frozen=True)
class Release:
    """The release's version, the date up to which its sources were checked, and its data licence."""

    version: str
    data_as_of: dt.date
    licence_id: str
    licence_url: str

    def age_in_years(self, year: int) -> int:
        """Whole years from ``year`` to the data date: how old a figure for that year is in this release."""
        return self.data_as_of.year - year


def _release(raw: dict[str, Any]) -> Release:
    licence = raw.get("licence") or {}
    version = raw["version"]
    if not isinstance(version, str) or not version.strip():
        raise ValueError("'version' must be a non-empty string")
    return Release(version=version.strip(), data_as_of=dt.date.fromisoformat(str(raw["data_as_of"])),
                   licence_id=str(licence.get("id", "")), licence_url=str(licence.get("url", "")))


def load_release(root: Path) -> tuple[Release | None, list[Problem]]:
    """Read ``<root>/release.json``; None (and the reason) when it is missing or malformed."""
    try:
        raw = (root / FILENAME).read_bytes()
    except OSError as err:
        return None, [Problem(FILENAME, "", "", f"cannot read the release file: {err.strerror}")]
    obj, problems = parse_json(raw, FILENAME)
    if obj is None:
        return None, problems
    if not isinstance(obj, dict):
        return None, [Problem(FILENAME, "", "", "the release file must hold a JSON object")]
    try:
        return _release(obj), problems
    except KeyError as err:
        return None, problems + [Problem(FILENAME, "", str(err.args[0]), "required field is missing")]
    except (TypeError, ValueError) as err:
        return None, problems + [Problem(FILENAME, "", "", f"malformed release: {err}")]


def release_line(release: Release | None, lang: str) -> str:
    """"Data release 2026.12; sources checked up to 7 December 2026. ...: CC-BY-4.0." in ``lang``."""
    from dashboard.core.i18n import date_text, t

    if release is None:
        return t("release.unknown", lang)
    return t("release.line", lang, version=release.version, date=date_text(release.data_as_of.isoformat(), lang),
             licence=release.licence_id)
