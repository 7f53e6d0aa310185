"""Publishing (Sources downloads, the offline pack) takes only catalogued files inside data/, never a symlink."""
from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

import pytest

from dashboard.core.published import published_files, safe_data_file
from dashboard.export import build_pack_zip

REAL = ["catalog.json", "geo/basemap.geojson", "geo/protected_areas_china.geojson",
        "geo/protected_areas_russia.geojson", "geo/range.geojson", "geo/records.geojson", "geo/LICENSE-basemap.md",
        "tables/captive.csv", "tables/events.csv", "tables/myths.csv", "tables/places.csv", "tables/population.csv",
        "tables/seed_claims.csv", "tables/sources.csv", "release.json"]


def _catalog_add(root: Path, file: str) -> None:
    catalog = json.loads((root / "catalog.json").read_text(encoding="utf-8"))
    catalog["layers"].append({**catalog["layers"][-1], "id": f"extra_{len(catalog['layers'])}", "file": file})
    (root / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")


def test_the_real_data_folder_publishes_its_catalogue_and_tables(data_copy: Path) -> None:
    assert [p.as_posix() for p in published_files(data_copy)] == REAL


def test_symlinks_stray_files_and_paths_outside_are_never_published(data_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.geojson"
    secret.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    os.symlink("/etc/passwd", data_copy / "geo" / "zz_secret.geojson")  # the review's F10
    os.symlink(secret, data_copy / "geo" / "linked.geojson")
    (data_copy / "geo" / "stray.geojson").write_text("{}", encoding="utf-8")  # not in the catalog
    (data_copy / "tables" / "notes.csv").write_text("a\n1\n", encoding="utf-8")  # not a known table
    linked_dir = data_copy / "more"
    os.symlink(tmp_path, linked_dir)  # a linked folder: its files are reached through a link
    for file in ("geo/zz_secret.geojson", "geo/linked.geojson", "../secret.geojson", str(secret),
                 "more/secret.geojson", "geo/./range.geojson", "geo\\range.geojson"):
        _catalog_add(data_copy, file)
    assert [p.as_posix() for p in published_files(data_copy)] == REAL
    assert safe_data_file(data_copy, "more/secret.geojson") is None
    assert safe_data_file(data_copy, "geo/range.geojson") == data_copy.resolve() / "geo" / "range.geojson"


def test_a_linked_data_folder_itself_is_fine(data_copy: Path, tmp_path: Path) -> None:
    link = tmp_path / "data-link"
    os.symlink(data_copy, link)  # ATLAS_DATA_DIR may point through a link; nothing below it may
    assert [p.as_posix() for p in published_files(link)] == REAL


@pytest.mark.parametrize("damage", ["missing", "empty", "half"])
def test_without_a_usable_catalog_only_the_tables_are_published(data_copy: Path, damage: str) -> None:
    catalog = data_copy / "catalog.json"
    if damage == "missing":
        catalog.unlink()
    else:
        catalog.write_text("" if damage == "empty" else catalog.read_text()[: len(catalog.read_text()) // 2])
    expected = [p for p in REAL if p.startswith("tables/")] + ["release.json"]
    if damage != "missing":
        expected = ["catalog.json", *expected]  # a broken catalog is still the catalog (the pack shows it)
    assert [p.as_posix() for p in published_files(data_copy)] == expected
    assert all(isinstance(p, PurePosixPath) for p in published_files(data_copy))


def test_the_offline_pack_leaves_out_a_symlinked_file(data_copy: Path) -> None:
    import io
    import zipfile

    os.symlink("/etc/passwd", data_copy / "geo" / "zz_secret.geojson")
    _catalog_add(data_copy, "geo/zz_secret.geojson")
    names = zipfile.ZipFile(io.BytesIO(build_pack_zip("en", data_root=data_copy))).namelist()
    data = sorted(n.removeprefix("data/") for n in names if n.startswith("data/"))
    assert data == sorted(REAL)
    assert not any("zz_secret" in n for n in names)
