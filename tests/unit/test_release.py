"""The data release file: read when good, reported (never a crash) when missing or broken."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from dashboard.core.loaders import load_atlas
from dashboard.core.paths import REPO_ROOT
from dashboard.core.release import load_release, release_line


def test_the_shipped_release_has_a_version_and_a_date() -> None:
    release, problems = load_release(REPO_ROOT / "data")
    assert problems == [] and release is not None
    assert release.version and release.data_as_of >= dt.date(2026, 3, 5)  # the newest event we cite
    assert release.licence_id == "CC-BY-4.0"
    assert "2026.12" in release_line(release, "en") and "CC-BY-4.0" in release_line(release, "zh")


@pytest.mark.parametrize("content,expected", [
    (None, "cannot read the release file"),
    ("{not json", "invalid JSON"),
    ("[]", "must hold a JSON object"),
    ('{"version": "1"}', "required field is missing"),
    ('{"version": "1", "data_as_of": "yesterday"}', "malformed release"),
    ('{"version": "", "data_as_of": "2026-01-01"}', "malformed release"),
])
def test_a_broken_release_file_is_reported(tmp_path: Path, content: str | None, expected: str) -> None:
    if content is not None:
        (tmp_path / "release.json").write_text(content, encoding="utf-8")
    release, problems = load_release(tmp_path)
    assert release is None
    assert any(expected in problem.message for problem in problems), problems


def test_the_atlas_still_loads_without_a_release(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    (data / "release.json").unlink()
    atlas = load_atlas(data)
    assert atlas.release is None and atlas.tables["population"] is not None
    assert [p.file for p in atlas.problems] == ["release.json"]
    assert "could not be read" in release_line(atlas.release, "en")


def test_citation_and_release_agree() -> None:
    release = json.loads((REPO_ROOT / "data" / "release.json").read_text(encoding="utf-8"))
    citation = (REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'date-released: "{release["data_as_of"]}"' in citation
    assert "license: CC-BY-4.0" in citation
