"""Tests for the map-layer build (scripts/build_basemap.py, scripts/build_layers.py) and the
committed GeoJSON files in data/geo/.

Run:  .venv/bin/python -m pytest tests/unit/test_geo_build.py -q
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[2]
GEO = REPO / "data" / "geo"
SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(REPO))

from dashboard.core.crs import EQUAL_AREA_CRS  # noqa: E402

BUILT_BY_LAYERS = ["range", "protected_areas_russia", "protected_areas_china", "records"]
ALL_FILES = ["basemap"] + BUILT_BY_LAYERS
SIZE_BUDGET = {"basemap": 400_000, "range": 150_000, "protected_areas_russia": 150_000,
               "protected_areas_china": 150_000, "records": 150_000}
# relative tolerance of computed vs published area, by feature id (default: protected areas)
AREA_TOLERANCE = {"range_c1900": 0.25, "range_1970s": 0.25, "range_present": 0.35}
PA_TOLERANCE = 0.15


# --------------------------------------------------------------------------- helpers
@lru_cache(maxsize=None)
def load(name: str) -> dict:
    with open(GEO / f"{name}.geojson", encoding="utf-8") as fh:
        return json.load(fh)


def features(name: str) -> list[dict]:
    return load(name)["features"]


@lru_cache(maxsize=1)
def _to_equal_area():
    return Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def area_km2(geom) -> float:
    import numpy as np
    t = _to_equal_area()
    g = shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    return g.area / 1e6


@lru_cache(maxsize=1)
def countries() -> dict[str, object]:
    by = {}
    for f in features("basemap"):
        by.setdefault(f["properties"]["country"], []).append(shape(f["geometry"]))
    return {k: shapely.union_all(v) for k, v in by.items()}


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, **kw)


def polygon_features():
    out = []
    for name in BUILT_BY_LAYERS:
        if name == "records":
            continue
        for f in features(name):
            out.append(pytest.param(name, f, id=f["properties"]["id"]))
    return out


def published_area_cases():
    cases = []
    for name in ["range", "protected_areas_russia", "protected_areas_china"]:
        for f in features(name):
            p = f["properties"]
            pub = p.get("official_area_km2", p.get("published_area_km2"))
            if pub is not None:
                tol = AREA_TOLERANCE.get(p["id"], PA_TOLERANCE)
                cases.append(pytest.param(f, float(pub), tol, id=p["id"]))
    return cases


# --------------------------------------------------------------------------- (a) reproducible
def test_build_layers_reproduces_committed_files(tmp_path):
    r = run([str(SCRIPTS / "build_layers.py"), "--out", str(tmp_path)])
    assert r.returncode == 0, r.stderr
    for name in BUILT_BY_LAYERS:
        built = (tmp_path / f"{name}.geojson").read_bytes()
        committed = (GEO / f"{name}.geojson").read_bytes()
        assert built == committed, (
            f"{name}.geojson differs from a fresh build_layers.py run "
            f"({len(built)} vs {len(committed)} bytes): re-run scripts/build_layers.py and commit")


def test_build_layers_is_deterministic(tmp_path):
    """Two runs give identical bytes (no dict/set ordering or float noise)."""
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        r = run([str(SCRIPTS / "build_layers.py"), "--out", str(d)])
        assert r.returncode == 0, r.stderr
    for name in BUILT_BY_LAYERS:
        assert (a / f"{name}.geojson").read_bytes() == (b / f"{name}.geojson").read_bytes()


# --------------------------------------------------------------------------- (b) basemap
def test_build_basemap_reproduces_committed_file(tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    import build_basemap

    gpkg = build_basemap.find_gpkg(download=False)
    if gpkg is None:
        msg = ("world_map.gpkg not found (/usr/share/qgis/resources/data/ or build/); "
               "run scripts/build_basemap.py once to fetch qgis-common")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: " + msg)
        pytest.skip(msg)
    r = run([str(SCRIPTS / "build_basemap.py"), "--gpkg", str(gpkg), "--out", str(tmp_path),
             "--no-download"])
    assert r.returncode == 0, r.stderr
    built = (tmp_path / "basemap.geojson").read_bytes()
    assert built == (GEO / "basemap.geojson").read_bytes(), (
        "basemap.geojson differs from a fresh build_basemap.py run")


# --------------------------------------------------------------------------- (c) areas
@pytest.mark.parametrize("feature,published,tolerance", published_area_cases())
def test_area_matches_published_figure(feature, published, tolerance):
    computed = area_km2(shape(feature["geometry"]))
    diff = (computed - published) / published
    assert abs(diff) <= tolerance, (
        f"{feature['properties']['id']}: computed {computed:,.1f} km² vs published "
        f"{published:,.1f} km² ({diff:+.1%}, allowed ±{tolerance:.0%})")


def test_area_cases_cover_the_required_features():
    ids = {c.id for c in published_area_cases()}
    required = {"range_c1900", "range_1970s", "range_present", "pa_land_of_the_leopard",
                "pa_kedrovaya_pad", "pa_lazovsky", "pa_ne_china_tiger_leopard", "pa_hunchun",
                "pa_wangqing", "pa_huangnihe"}
    assert required <= ids, f"missing published areas for {sorted(required - ids)}"


def test_report_table_in_docs_is_current():
    r = run([str(SCRIPTS / "build_layers.py"), "--report"])
    assert r.returncode == 0, r.stderr
    doc = (REPO / "docs" / "data-methods.md").read_text(encoding="utf-8")
    start, end = "<!-- area-table:start -->\n", "<!-- area-table:end -->"
    table = doc[doc.index(start) + len(start):doc.index(end)]
    assert table == r.stdout, ("docs/data-methods.md area table is stale: run "
                               "scripts/build_layers.py --report-md docs/data-methods.md")


# --------------------------------------------------------------------------- (d) geometry
@pytest.mark.parametrize("name", ALL_FILES)
def test_geometries_valid_nonempty_in_region(name):
    fc = load(name)
    assert fc["type"] == "FeatureCollection" and fc["features"], f"{name}: no features"
    for f in fc["features"]:
        fid = f["properties"]["id"]
        g = shape(f["geometry"])
        assert not g.is_empty, f"{fid}: empty geometry"
        assert g.is_valid, f"{fid}: invalid geometry ({shapely.is_valid_reason(g)})"
        minx, miny, maxx, maxy = g.bounds
        assert 115 <= minx and maxx <= 145 and 33 <= miny and maxy <= 55, (
            f"{fid}: bounds {g.bounds} outside lon 115-145 / lat 33-55")


@pytest.mark.parametrize("name,feature", polygon_features())
def test_polygons_are_polygonal(name, feature):
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_feature_ids_unique_and_prefixed():
    seen = set()
    prefix = {"basemap": "basemap_", "range": "range_", "protected_areas_russia": "pa_",
              "protected_areas_china": "pa_", "records": "rec_"}
    for name in ALL_FILES:
        for f in features(name):
            fid = f["properties"]["id"]
            assert fid not in seen, f"duplicate id {fid}"
            assert fid.startswith(prefix[name]), f"{name}: id {fid} should start {prefix[name]}"
            assert f.get("id") == fid
            seen.add(fid)
    for required in ["range_c1900", "range_1950s", "range_1970s", "range_c2000", "range_present",
                     "pa_land_of_the_leopard", "pa_kedrovaya_pad", "pa_ne_china_tiger_leopard",
                     "pa_hunchun", "pa_wangqing", "pa_laoyeling", "pa_huangnihe",
                     "basemap_cn_jilin", "basemap_ru_primorsky"]:
        assert required in seen, f"missing feature {required}"


COMMON = {"id", "name_en", "name_ru", "name_zh", "source_ids", "confidence", "method"}
ROLE = {
    "range": {"era_label", "year_from", "year_to", "description", "published_area_km2",
              "published_area_source_id"},
    "protected_areas_russia": {"designation", "country", "status", "established",
                               "established_precision", "changes", "official_area_km2",
                               "facts_confidence"},
    "protected_areas_china": {"designation", "country", "status", "established",
                              "established_precision", "changes", "official_area_km2",
                              "facts_confidence"},
    "basemap": {"country", "admin_level"},
    "records": {"year", "description"},
}


@pytest.mark.parametrize("name", ALL_FILES)
def test_properties_follow_the_contract(name):
    cyr, han = re.compile(r"[\u0400-\u04FF]"), re.compile(r"[\u4e00-\u9fff]")
    for f in features(name):
        p = f["properties"]
        fid = p["id"]
        missing = (COMMON | ROLE[name]) - set(p)
        assert not missing, f"{fid}: missing properties {sorted(missing)}"
        assert p["confidence"] in {"V", "V2", "U", "D"}, fid
        assert isinstance(p["source_ids"], list) and p["source_ids"], fid
        assert p["name_ru"] and cyr.search(p["name_ru"]), f"{fid}: name_ru not Cyrillic"
        assert p["name_zh"] and han.search(p["name_zh"]), f"{fid}: name_zh not Chinese"
        if name in ("protected_areas_russia", "protected_areas_china"):
            assert p["status"] in {"current", "former"}
            if p["established"] is None:  # not given in our sources: shown as such, never guessed
                assert p["established_precision"] is None, fid
            else:
                assert p["established_precision"] in {"day", "month", "year"}
                n = {"day": 10, "month": 7, "year": 4}[p["established_precision"]]
                assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", p["established"]) and \
                    len(p["established"]) == n, f"{fid}: established {p['established']!r}"
            assert p["facts_confidence"] in {"V", "V2", "U", "D"}
        if name == "range":
            assert isinstance(p["year_from"], int) and isinstance(p["year_to"], int)
            assert p["year_from"] <= p["year_to"]
            assert (p["published_area_km2"] is None) == (p["published_area_source_id"] is None)
        if p["confidence"] == "U":
            text = p.get("description") or p["method"]
            assert "approximate" in text.lower(), f"{fid}: confidence U but not called approximate"


def test_source_ids_exist_in_sources_table():
    path = REPO / "data" / "tables" / "sources.csv"
    if not path.exists():
        pytest.skip("data/tables/sources.csv not written yet")
    import csv
    with open(path, encoding="utf-8") as fh:
        known = {row.get("source_id") or row.get("id") for row in csv.DictReader(fh)}
    for name in ALL_FILES:
        for f in features(name):
            p = f["properties"]
            ids = list(p["source_ids"])
            if p.get("published_area_source_id"):
                ids.append(p["published_area_source_id"])
            unknown = set(ids) - known
            assert not unknown, f"{p['id']}: unknown source ids {sorted(unknown)}"


# --------------------------------------------------------------------------- (e) sizes
@pytest.mark.parametrize("name", ALL_FILES)
def test_file_size_within_budget(name):
    size = (GEO / f"{name}.geojson").stat().st_size
    assert size <= SIZE_BUDGET[name], f"{name}.geojson is {size:,} bytes > {SIZE_BUDGET[name]:,}"


# --------------------------------------------------------------------------- (f) state borders
@pytest.mark.parametrize("name,own,other", [
    ("protected_areas_russia", "Russia", "China"),
    ("protected_areas_china", "China", "Russia"),
])
def test_parks_stay_on_their_side_of_the_border(name, own, other):
    c = countries()
    for f in features(name):
        p = f["properties"]
        g = shape(f["geometry"])
        assert p["country"] == own, f"{p['id']}: country {p['country']!r}"
        total = area_km2(g)
        for foreign in [k for k in c if k != own]:
            inter = area_km2(shapely.intersection(g, c[foreign]))
            assert inter < 0.005 * total, (
                f"{p['id']}: {inter:.2f} km² ({inter / total:.2%}) lies in {foreign}")
        outside = area_km2(shapely.difference(g, c[own]))
        assert outside < 0.005 * total, f"{p['id']}: {outside:.2f} km² outside {own} (sea?)"


@pytest.mark.parametrize("name,a_id,b_id", [
    ("protected_areas_china", "pa_hunchun", "pa_wangqing"),
    ("protected_areas_russia", "pa_barsovy", "pa_borisovskoye_plateau"),
])
def test_neighbouring_parks_share_edges_without_overlap(name, a_id, b_id):
    """Abutting reserves: a shared boundary and (almost) no overlap."""
    g = {f["properties"]["id"]: shape(f["geometry"]) for f in features(name)}
    a, b = g[a_id], g[b_id]
    assert area_km2(shapely.intersection(a, b)) < 0.01, f"{a_id} and {b_id} overlap"
    shared = shapely.intersection(a.boundary, b.boundary)
    assert shared.length > 0.05, f"{a_id} and {b_id} do not share an edge"


@pytest.mark.parametrize("inner,outer,name", [
    ("pa_kedrovaya_pad", "pa_land_of_the_leopard", "protected_areas_russia"),
    ("pa_barsovy", "pa_land_of_the_leopard", "protected_areas_russia"),
    ("pa_borisovskoye_plateau", "pa_land_of_the_leopard", "protected_areas_russia"),
    ("pa_hunchun", "pa_ne_china_tiger_leopard", "protected_areas_china"),
    ("pa_wangqing", "pa_ne_china_tiger_leopard", "protected_areas_china"),
    ("pa_laoyeling", "pa_ne_china_tiger_leopard", "protected_areas_china"),
])
def test_nested_designations(inner, outer, name):
    g = {f["properties"]["id"]: shape(f["geometry"]) for f in features(name)}
    left = area_km2(shapely.difference(g[inner], g[outer]))
    assert left < 0.005 * area_km2(g[inner]), f"{inner} sticks out of {outer} by {left:.2f} km²"


# --------------------------------------------------------------------------- (g) precision
_NUM = re.compile(r"-?\d+(?:\.(\d+))?(?:[eE][-+]?\d+)?")


@pytest.mark.parametrize("name", ALL_FILES)
def test_coordinates_have_at_most_five_decimals(name):
    raw = json.loads((GEO / f"{name}.geojson").read_text(encoding="utf-8"), parse_float=str,
                     parse_int=str)
    bad = []

    def walk(c):
        if isinstance(c, list):
            for v in c:
                walk(v)
        else:
            m = _NUM.fullmatch(c)
            if m is None or "e" in c.lower() or (m.group(1) and len(m.group(1)) > 5):
                bad.append(c)

    for f in raw["features"]:
        walk(f["geometry"]["coordinates"])
    assert not bad, f"{name}: {len(bad)} coordinates with more than 5 decimals, e.g. {bad[:3]}"


@pytest.mark.parametrize("name", ALL_FILES)
def test_files_end_with_newline_and_are_utf8(name):
    data = (GEO / f"{name}.geojson").read_bytes()
    assert data.endswith(b"\n") and not data.endswith(b"\n\n")
    data.decode("utf-8")
