"""Fuzzing dashboard.upload.read_user_layer with hypothesis.

Every generated upload must either give a clean GeoDataFrame (valid, non-empty Polygon /
MultiPolygon shapes in EPSG:4326 with finite lon/lat bounds, text attributes) or raise
UserLayerError with a plain message. Any other exception fails. ``reader.RAISE_UNEXPECTED`` is
switched on here, so the module's last-resort "could not read" conversion cannot hide an
exception class it was not written to expect.

FUZZ_EXAMPLES is the number of examples asked for; RUN_COUNTS counts what actually ran (printed
by the last test; run with ``-s`` to see it).
"""
from __future__ import annotations

import functools
import io
import json
import math
import stat
import struct
import tempfile
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from dashboard import upload
from dashboard.upload import reader
from dashboard.core.i18n import Message
from dashboard.upload import UserLayerError, read_user_layer

# max_examples per test; FUZZ_EXAMPLES is their sum
EXAMPLES = {
    "random_bytes": 150,
    "magic_prefix": 100,
    "mutated_files": 200,
    "mutated_shapefile_members": 60,
    "generated_geojson": 250,
    "deep_nesting": 40,
    "hostile_zips": 60,
}
FUZZ_EXAMPLES = sum(EXAMPLES.values())


def _upload_temp_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("atlas-upload-*"))


@pytest.fixture(scope="module", autouse=True)
def private_tempdir(tmp_path_factory):
    """Temp folders of this module go to a private place, so other processes' uploads cannot interfere."""
    private = tmp_path_factory.mktemp("upload-fuzz-tmp")
    previous, tempfile.tempdir = tempfile.tempdir, str(private)
    yield private
    tempfile.tempdir = previous

RUN_COUNTS: Counter[str] = Counter()
OUTCOMES: Counter[tuple[str, str]] = Counter()

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.filter_too_much, HealthCheck.large_base_example])


def fuzz(strategy: str) -> settings:
    return settings(FUZZ, max_examples=EXAMPLES[strategy])


@pytest.fixture(autouse=True, scope="module")
def strict_upload():
    """Let unexpected exception classes escape, so the fuzzer can find them."""
    old = reader.RAISE_UNEXPECTED
    reader.RAISE_UNEXPECTED = True
    yield
    reader.RAISE_UNEXPECTED = old


def check(strategy: str, data: bytes, filename: str) -> None:
    RUN_COUNTS[strategy] += 1
    try:
        gdf = read_user_layer(data, filename)
    except UserLayerError as exc:
        message = str(exc)
        assert message.strip()
        assert "Traceback" not in message
        assert len(message) < 600
        OUTCOMES[(strategy, "rejected")] += 1
        return
    OUTCOMES[(strategy, "accepted")] += 1
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    assert len(gdf) > 0
    geoms = gdf.geometry
    assert geoms.notna().all()
    assert set(geoms.geom_type) <= {"Polygon", "MultiPolygon"}
    assert geoms.is_valid.all()
    assert not geoms.is_empty.any()
    minx, miny, maxx, maxy = gdf.total_bounds
    assert all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
    assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    assert list(gdf.columns)[0] == "name" and list(gdf.columns)[-1] == "geometry"
    assert len(gdf.columns) <= upload.MAX_COLUMNS + 2
    for column in gdf.columns.drop("geometry"):
        assert isinstance(column, str)
        for value in gdf[column]:
            assert isinstance(value, str) and len(value) <= upload.MAX_TEXT_CHARS
            value.encode("utf-8")
    assert isinstance(gdf.attrs["repaired"], int)
    assert all(isinstance(note, Message) and str(note).strip() for note in gdf.attrs["notes"])


# --- valid sample files of every format -------------------------------------------------------
EXT = {"geojson": ".geojson", "kml": ".kml", "zip": ".zip", "gpkg": ".gpkg"}


def _sample_frame(crs: int = 4326) -> gpd.GeoDataFrame:
    holed = Polygon([(132, 44), (133, 44), (133, 45), (132, 45)],
                    [[(132.25, 44.25), (132.75, 44.25), (132.75, 44.75), (132.25, 44.75)]])
    gdf = gpd.GeoDataFrame({"name": ["Land of the Leopard", "<b>Hunchun</b>"], "n": [1, 2]},
                           geometry=[box(131, 43, 131.5, 43.5), holed], crs=4326)
    return gdf.to_crs(crs)


@functools.cache
def shapefile_parts() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        _sample_frame(3857).to_file(Path(tmp) / "areas.shp")
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return buf.getvalue()


@functools.cache
def samples() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        _sample_frame().to_file(d / "a.geojson", driver="GeoJSON")
        _sample_frame().to_file(d / "a.kml", driver="KML")
        _sample_frame(32652).to_file(d / "a.gpkg", driver="GPKG")
        out = {k: (d / f"a{EXT[k]}").read_bytes() for k in ("geojson", "kml", "gpkg")}
    out["zip"] = zipped(shapefile_parts())
    return out


def test_samples_are_accepted():
    """The files the mutations start from are themselves good uploads."""
    for kind, data in samples().items():
        gdf = read_user_layer(data, "sample" + EXT[kind])
        assert len(gdf) == 2, kind


# --- strategies -------------------------------------------------------------------------------
extensions = st.sampled_from([".geojson", ".json", ".kml", ".zip", ".gpkg", ".GeoJSON", ".KML", ".ZIP",
                              ".shp", ".kmz", ".txt", "", ".", ".tar.gz", ".geojson.exe"])
filenames = st.builds(lambda stem, ext: stem + ext, st.text(max_size=12), extensions)


@fuzz("random_bytes")
@given(data=st.binary(max_size=4096), filename=filenames)
def test_random_bytes(data, filename):
    check("random_bytes", data, filename)


MAGIC = {
    "zip": [b"PK\x03\x04", b"PK\x05\x06"],
    "gpkg": [b"SQLite format 3\x00"],
    "kml": [b"<", b"<?xml version='1.0'?><kml xmlns='http://www.opengis.net/kml/2.2'>", b"\xef\xbb\xbf <kml>"],
    "geojson": [b"{", b'{"type":"FeatureCollection","features":[', b'{"type":"Polygon","coordinates":'],
}


@st.composite
def magic_uploads(draw):
    kind = draw(st.sampled_from(sorted(MAGIC)))
    prefix = draw(st.sampled_from(MAGIC[kind]))
    rest = draw(st.binary(max_size=2048))
    return prefix + rest, "upload" + EXT[kind]


@fuzz("magic_prefix")
@given(upload_=magic_uploads())
def test_random_bytes_behind_valid_magic(upload_):
    check("magic_prefix", *upload_)


@st.composite
def mutations(draw, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "overwrite", "insert", "delete", "duplicate"]))
        if not buf:
            break
        # half of the time hit the first 1 kB: headers matter most
        limit = len(buf) - 1 if draw(st.booleans()) else min(len(buf) - 1, 1023)
        pos = draw(st.integers(0, limit))
        if op == "truncate":
            del buf[pos:]
        elif op == "flip":
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            buf[pos:pos + len(chunk)] = chunk
        elif op == "insert":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del buf[pos:pos + draw(st.integers(1, 64))]
        else:
            size = draw(st.integers(1, 256))
            buf[pos:pos] = buf[pos:pos + size]
    return bytes(buf)


@st.composite
def mutated_files(draw):
    kind = draw(st.sampled_from(sorted(EXT)))
    return draw(mutations(samples()[kind])), "upload" + EXT[kind]


@fuzz("mutated_files")
@given(upload_=mutated_files())
def test_truncated_and_mutated_valid_files(upload_):
    check("mutated_files", *upload_)


@st.composite
def zips_with_mutated_members(draw):
    parts = dict(shapefile_parts())
    for name in draw(st.lists(st.sampled_from(sorted(parts)), min_size=1, max_size=3, unique=True)):
        parts[name] = draw(mutations(parts[name]))
    if draw(st.booleans()):
        parts.pop(draw(st.sampled_from(sorted(parts))))
    return zipped(parts)


@fuzz("mutated_shapefile_members")
@given(data=zips_with_mutated_members())
def test_well_formed_zip_with_damaged_shapefile(data):
    check("mutated_shapefile_members", data, "areas.zip")


# GeoJSON built from parts, many of them odd
ODD_NUMBERS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 1e10, 181.0, -181.0, 91.0, -91.0, 0.0, -0.0,
               5e-324, 180.0, -180.0, 90.0, -90.0, 2**63, -(2**63), 10**30]
lon = st.floats(-180, 180)
lat = st.floats(-90, 90)
odd_number = st.one_of(st.sampled_from(ODD_NUMBERS), st.floats(), st.integers(-(10**20), 10**20))
junk = st.one_of(st.none(), st.booleans(), st.text(max_size=4), st.just({}))
nested_junk = st.recursive(st.one_of(odd_number, junk), lambda inner: st.lists(inner, max_size=3), max_leaves=12)


@st.composite
def positions(draw, clean: bool = False):
    pick = draw(st.integers(0, 19))
    if clean or pick < 15:
        return [draw(lon), draw(lat)]
    if pick < 17:
        return [draw(odd_number), draw(st.one_of(lat, odd_number))]
    if pick < 18:
        return draw(st.lists(st.one_of(lon, odd_number), max_size=4))  # too short / 3D / 4D
    return draw(nested_junk)


@st.composite
def rings(draw, clean: bool = False):
    pick = draw(st.integers(0, 9))
    if pick < 5 or (clean and pick < 8):  # a plausible ring: points around a centre, maybe crossing itself
        cx, cy = draw(st.floats(-170, 170)), draw(st.floats(-80, 80))
        n = draw(st.integers(3, 12))
        angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi), min_size=n, max_size=n)))
        if draw(st.booleans()):
            angles = draw(st.permutations(angles))  # self-intersections
        r = draw(st.floats(1e-6, 9))
        ring = [[cx + r * math.cos(a), cy + r * math.sin(a)] for a in angles]
        if draw(st.booleans()):
            ring.append(list(ring[0]))
        return ring
    ring = draw(st.lists(positions(clean), max_size=8))
    if ring and draw(st.booleans()):
        ring.append(ring[0])
    return ring


def polygon_coordinates(clean: bool = False):
    if clean:
        return st.lists(rings(True), min_size=1, max_size=3)
    return st.one_of(st.lists(rings(), min_size=1, max_size=3), st.lists(rings(), max_size=0), nested_junk)


@st.composite
def geometries(draw, depth: int = 0, clean: bool = False):
    """clean=True: well-formed GeoJSON with finite lon/lat (shapes may still cross themselves)."""
    kinds = ["Polygon"] * 4 + ["MultiPolygon"] * 2 + ["GeometryCollection", "Point", "MultiPoint", "LineString",
                                                      "MultiLineString"]
    kind = draw(st.sampled_from(kinds if clean else kinds + ["Circle", None]))
    if kind == "GeometryCollection":
        members = draw(st.lists(geometries(depth + 1, clean), max_size=3)) if depth < 10 else []
        return {"type": kind, "geometries": members if (clean or draw(st.integers(0, 9))) else draw(nested_junk)}
    if kind == "Polygon":
        coordinates = draw(polygon_coordinates(clean))
    elif kind == "MultiPolygon":
        coordinates = draw(st.lists(polygon_coordinates(clean), max_size=3))
    elif kind == "Point":
        coordinates = draw(positions(clean))
    elif kind in ("MultiPoint", "LineString"):
        coordinates = draw(st.lists(positions(clean), max_size=4))
    else:
        coordinates = draw(st.lists(st.lists(positions(clean), max_size=4), max_size=3))
    geom = {"type": kind, "coordinates": coordinates}
    if not clean and draw(st.integers(0, 19)) == 0:
        del geom["coordinates"]
    return geom


property_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=300),
              st.sampled_from(["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "\ud800"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=10,
)
property_keys = st.one_of(st.sampled_from(["name", "Name", "NAME", "title", "geometry", "", "id"]), st.text(max_size=8))
CRS_MEMBERS = [
    None,
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    {"type": "name", "properties": {"name": "EPSG:32652"}},
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
    {"type": "EPSG", "properties": {"code": 4326}},
    {"type": "link", "properties": {"href": "http://example.com"}},
    "EPSG:4326",
]


@st.composite
def features(draw, clean: bool = False):
    pick = draw(st.integers(0, 19))
    if pick == 0 and not clean:
        return draw(junk)
    feature = {"type": "Feature",
               "properties": draw(st.one_of(st.dictionaries(property_keys, property_values, max_size=6),
                                            st.none(), junk)),
               "geometry": draw(geometries(0, clean)) if pick > 2 else None}
    return feature


@st.composite
def generated_geojson(draw):
    clean = draw(st.booleans())  # half well-formed (tests the happy path), half hostile
    top = draw(st.sampled_from(["FeatureCollection"] * 6 + ["Feature", "geometry", "other"]))
    if top == "FeatureCollection":
        obj = {"type": "FeatureCollection", "features": draw(st.lists(features(clean), max_size=6))}
    elif top == "Feature":
        obj = draw(features(clean))
        obj = obj if isinstance(obj, dict) else {"type": "Feature", "geometry": None}
    elif top == "geometry" or clean:
        obj = draw(geometries(0, clean))
    else:
        obj = draw(st.dictionaries(st.text(max_size=5), property_values, max_size=3))
    crs = draw(st.sampled_from(CRS_MEMBERS[:4] if clean else CRS_MEMBERS))
    if crs is not None:
        obj["crs"] = crs
    return json.dumps(obj, allow_nan=True).encode()


@fuzz("generated_geojson")
@given(data=generated_geojson(), ext=st.sampled_from([".geojson", ".json"]))
def test_generated_geojson(data, ext):
    check("generated_geojson", data, "gen" + ext)


@st.composite
def deeply_nested(draw):
    depth = draw(st.integers(0, 5000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'[{"b":', b"}]")]))
    inner = opener * depth + b"0" + closer * depth
    if draw(st.booleans()):  # unbalanced
        inner = inner[: draw(st.integers(0, len(inner)))]
    where = draw(st.sampled_from(["coordinates", "properties", "geometries", "top"]))
    if where == "coordinates":
        return b'{"type":"Polygon","coordinates":' + inner + b"}"
    if where == "properties":
        return (b'{"type":"Feature","properties":{"x":' + inner
                + b'},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}')
    if where == "geometries":
        gc = b'{"type":"GeometryCollection","geometries":['
        return gc * (depth % 200) + b"]}" * (depth % 200)
    return b"{" + b'"a":' + inner + b"}"


@fuzz("deep_nesting")
@given(data=deeply_nested())
def test_deeply_nested_json(data):
    check("deep_nesting", data, "deep.geojson")


HOSTILE_NAMES = ["../evil.shp", "/abs/path.shp", "a/../../b.shp", "..\\x.shp", "C:/x.shp", "x.shp\x00.txt",
                 "__MACOSX/._areas.shp", ".hidden.shp", "dir/", "areas.SHP", "AREAS.shx", "areas.dbf",
                 "areas.prj", "areas.cpg", "areas.shp", "areas.shx", "sub/areas.shp", "sub/areas.shx",
                 "sub/areas.dbf", "a:b.shp"]


@st.composite
def hostile_zips(draw):
    parts = shapefile_parts()
    buf = io.BytesIO()
    members = draw(st.lists(st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=10)), max_size=8))
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate names are part of the test
        for name in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                                       zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
            if draw(st.integers(0, 9)) == 0:
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            suffix = name.lower().rsplit(".", 1)[-1]
            real = next((v for k, v in parts.items() if k.endswith("." + suffix)), None)
            payload = real if (real is not None and draw(st.booleans())) else draw(st.binary(max_size=64))
            if draw(st.integers(0, 9)) == 0:
                payload = bytes(draw(st.integers(0, 3 * 1024 * 1024)))  # very compressible
            zf.writestr(info, payload)
    data = bytearray(buf.getvalue())
    if draw(st.integers(0, 4)) == 0:  # lie about a member's size in the central directory
        central = data.find(b"PK\x01\x02")
        if central >= 0:
            struct.pack_into("<I", data, central + 24, draw(st.integers(0, 2**32 - 1)))
    return bytes(data)


@fuzz("hostile_zips")
@given(data=hostile_zips())
def test_hostile_zips(data):
    check("hostile_zips", data, "hostile.zip")


def test_zz_fuzz_summary():
    """Print what ran (visible with -s); no temporary directory may be left behind."""
    assert _upload_temp_dirs() == set()
    total = sum(RUN_COUNTS.values())
    lines = [f"fuzz examples run: {total} (asked for {FUZZ_EXAMPLES})"]
    for name in EXAMPLES:
        lines.append(f"  {name}: {RUN_COUNTS[name]} run, {OUTCOMES[(name, 'accepted')]} accepted, "
                     f"{OUTCOMES[(name, 'rejected')]} rejected")
    print("\n" + "\n".join(lines))
    if set(RUN_COUNTS) == set(EXAMPLES):  # the whole module ran
        assert total >= 500
        assert OUTCOMES[("generated_geojson", "accepted")] > 0  # the generator is not all junk
