"""dashboard.upload: every format round-trips; hostile and broken uploads get a plain message."""
from __future__ import annotations

import io
import json
import math
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from dashboard import upload
from dashboard.core.bounded import Limits
from dashboard.upload import geojson as geojson_reader
from dashboard.upload import geometry_guard, reader, zipped_shapefile
from dashboard.upload import (
    MAX_UPLOAD_BYTES,
    MAX_VERTICES,
    UserLayerError,
    in_region,
    read_upload,
    read_user_layer,
)

REPO = Path(__file__).resolve().parents[2]

# Two areas in Primorye (lon/lat), one with a hole.
SQUARE = box(131.0, 43.0, 131.5, 43.5)
HOLED = Polygon(
    [(132.0, 44.0), (133.0, 44.0), (133.0, 45.0), (132.0, 45.0)],
    [[(132.25, 44.25), (132.75, 44.25), (132.75, 44.75), (132.25, 44.75)]],
)
BOUNDS = (131.0, 43.0, 133.0, 45.0)
BOWTIE = Polygon([(130.0, 42.0), (131.0, 43.0), (131.0, 42.0), (130.0, 43.0), (130.0, 42.0)])

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"


def sample(crs: str | int = 4326) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"name": ["Land of the Leopard", "Hunchun"], "kind": ["park", "reserve"]},
        geometry=[SQUARE, HOLED],
        crs=4326,
    )
    return gdf.to_crs(crs)


def geojson_bytes(features: list[dict], **extra) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features, **extra}).encode()


def feature(geometry_: dict | None, /, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry_}


def poly(coords) -> dict:
    return {"type": "Polygon", "coordinates": coords}


RING = [[131.0, 43.0], [131.5, 43.0], [131.5, 43.5], [131.0, 43.5], [131.0, 43.0]]


def zip_bytes(members: dict[str, bytes] | list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buf = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in items:
            zf.writestr(name, payload)
    return buf.getvalue()


def shapefile_zip(gdf: gpd.GeoDataFrame, tmp_path: Path, *, drop: tuple[str, ...] = (),
                  prj: bytes | None = None, folder: str = "") -> bytes:
    out = tmp_path / "shp"
    out.mkdir(exist_ok=True)
    gdf.to_file(out / "areas.shp")
    members = {}
    for part in sorted(out.iterdir()):
        ext = part.suffix.lower()
        if ext in drop:
            continue
        payload = prj if (ext == ".prj" and prj is not None) else part.read_bytes()
        members[folder + part.name] = payload
    if prj is not None and ".prj" not in {Path(n).suffix for n in members}:
        members[folder + "areas.prj"] = prj
    return zip_bytes(members)


def rejects(data: bytes, filename: str, match: str) -> str:
    with pytest.raises(UserLayerError, match=match) as info:
        read_user_layer(data, filename)
    message = str(info.value)
    assert "Traceback" not in message
    for internal in ("pyogrio", "GDAL", "sqlite", "Error:", "Exception", "File \""):
        assert internal not in message
    assert type(info.value) is UserLayerError
    return message


def english_notes(gdf: gpd.GeoDataFrame) -> list[str]:
    """The frame's notes (Messages, translated when shown) in English."""
    return [str(note) for note in gdf.attrs["notes"]]


def assert_clean(gdf: gpd.GeoDataFrame) -> None:
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    assert len(gdf) > 0
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.is_valid.all() and not gdf.is_empty.any()
    minx, miny, maxx, maxy = gdf.total_bounds
    assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    assert list(gdf.columns)[0] == "name"
    for column in gdf.columns.drop("geometry"):
        assert all(isinstance(v, str) and len(v) <= 200 for v in gdf[column])


# --- every format round-trips -----------------------------------------------------------------
def test_geojson_round_trip(tmp_path):
    path = tmp_path / "areas.geojson"
    sample().to_file(path, driver="GeoJSON")
    gdf = read_user_layer(path.read_bytes(), "areas.geojson")
    assert_clean(gdf)
    assert list(gdf["name"]) == ["Land of the Leopard", "Hunchun"]
    assert list(gdf["kind"]) == ["park", "reserve"]
    np.testing.assert_allclose(gdf.total_bounds, BOUNDS, atol=1e-9)
    assert gdf.geometry.iloc[1].equals(HOLED)
    assert gdf.attrs == {"repaired": 0, "notes": []}


def test_uploads_read_at_once_from_many_sessions_leave_the_warning_filters_as_they_were(tmp_path, worker_pool):
    """Sessions read uploads in their own threads, through the worker processes: the reader's warning
    silencing happens there, so the server's filters stay as they were and no lock is needed."""
    import threading
    import warnings

    path = tmp_path / "areas.geojson"
    sample().to_file(path, driver="GeoJSON")
    data = path.read_bytes()
    before = list(warnings.filters)
    errors: list[BaseException] = []
    limits = Limits(cpu_seconds=30, queue_seconds=300)

    def read_some() -> None:
        try:
            for _ in range(3):
                assert len(read_upload(data, "areas.geojson", limits, worker_pool)) == 2
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=read_some) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and not any(thread.is_alive() for thread in threads)
    assert list(warnings.filters) == before


def test_json_extension_and_single_feature_and_bare_geometry():
    one = json.dumps(feature(poly([RING]), title="Only one")).encode()
    gdf = read_user_layer(one, "C:\\Users\\me\\Desktop\\area.JSON")
    assert list(gdf["name"]) == ["Only one"]
    bare = json.dumps(poly([RING])).encode()
    gdf = read_user_layer(b"\xef\xbb\xbf  \n" + bare, "area.geojson")  # BOM and whitespace
    assert list(gdf["name"]) == ["Area 1"]
    assert gdf.geometry.iloc[0].equals(SQUARE)


def test_kml_round_trip(tmp_path):
    path = tmp_path / "areas.kml"
    sample().to_file(path, driver="KML")
    gdf = read_user_layer(path.read_bytes(), "areas.kml")
    assert_clean(gdf)
    assert sorted(gdf["name"]) == ["Hunchun", "Land of the Leopard"]
    np.testing.assert_allclose(gdf.total_bounds, BOUNDS, atol=1e-9)
    # KML drawing settings are not information about the area; "Name" became the name column
    assert not {"tessellate", "extrude", "visibility", "drawOrder", "altitudeMode"} & set(gdf.columns)
    assert not any("name" in c.lower() for c in gdf.columns if c != "name")


def test_hand_written_kml_with_folders_and_multigeometry():
    kml = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
 <Folder><name>one</name><Placemark><name>A</name>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>131,43 131.5,43 131.5,43.5 131,43.5 131,43</coordinates></LinearRing></outerBoundaryIs></Polygon>
 </Placemark></Folder>
 <Folder><name>two</name><Placemark><name>B</name><MultiGeometry>
  <Point><coordinates>132,44</coordinates></Point>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>132,44 133,44 133,45 132,45 132,44</coordinates></LinearRing></outerBoundaryIs></Polygon>
 </MultiGeometry></Placemark></Folder>
</Document></kml>"""
    gdf = read_user_layer(kml, "hand.kml")
    assert_clean(gdf)
    assert sorted(gdf["name"]) == ["A", "B"]
    assert any("left out" in note for note in english_notes(gdf))


def test_zipped_shapefile_in_web_mercator_is_reprojected(tmp_path):
    data = shapefile_zip(sample(3857), tmp_path, folder="export/")
    gdf = read_user_layer(data, "areas.zip")
    assert_clean(gdf)
    assert list(gdf["name"]) == ["Land of the Leopard", "Hunchun"]
    np.testing.assert_allclose(gdf.total_bounds, BOUNDS, atol=1e-6)
    assert any("EPSG:3857" in note for note in english_notes(gdf))


def test_geopackage_in_utm_52n_is_reprojected(tmp_path):
    path = tmp_path / "areas.gpkg"
    sample(32652).to_file(path, driver="GPKG", layer="parks")
    gdf = read_user_layer(path.read_bytes(), "areas.gpkg")
    assert_clean(gdf)
    assert list(gdf["name"]) == ["Land of the Leopard", "Hunchun"]
    np.testing.assert_allclose(gdf.total_bounds, BOUNDS, atol=1e-6)
    assert len(gdf.geometry.iloc[1].interiors) == 1
    assert any("EPSG:32652" in note for note in english_notes(gdf))


def test_geopackage_with_several_layers_keeps_areas_only(tmp_path):
    path = tmp_path / "multi.gpkg"
    sample(32652).to_file(path, driver="GPKG", layer="parks")
    gpd.GeoDataFrame({"name": ["camera"]}, geometry=[Point(131.2, 43.2)], crs=4326).to_file(
        path, driver="GPKG", layer="cameras"
    )
    gdf = read_user_layer(path.read_bytes(), "multi.gpkg")
    assert list(gdf["name"]) == ["Land of the Leopard", "Hunchun"]
    assert "1 point or line was left out: only areas can be measured." in english_notes(gdf)


def test_legacy_geojson_crs_member_is_honoured():
    merc = sample(3857)
    features = [feature(json.loads(shapely.to_geojson(g)), name=n) for g, n in zip(merc.geometry, merc["name"])]
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    gdf = read_user_layer(geojson_bytes(features, crs=crs), "merc.geojson")
    np.testing.assert_allclose(gdf.total_bounds, BOUNDS, atol=1e-6)
    crs84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    gdf = read_user_layer(geojson_bytes([feature(poly([RING]))], crs=crs84), "a.geojson")
    assert gdf.geometry.iloc[0].equals(SQUARE)
    assert gdf.attrs["notes"] == []


def test_temporary_files_are_removed(tmp_path, monkeypatch):
    made: list[Path] = []
    real = tempfile.mkdtemp

    def spy(*args, **kwargs):
        made.append(Path(real(*args, **kwargs)))
        return str(made[-1])

    monkeypatch.setattr(reader.tempfile, "mkdtemp", spy)
    gpkg = tmp_path / "a.gpkg"
    sample(32652).to_file(gpkg, driver="GPKG")
    read_user_layer(gpkg.read_bytes(), "a.gpkg")
    read_user_layer(shapefile_zip(sample(3857), tmp_path), "a.zip")
    rejects(b"SQLite format 3\x00" + b"\x01" * 500, "broken.gpkg", "could not read")
    assert len(made) == 3
    assert not any(p.exists() for p in made)


def test_the_module_does_not_import_streamlit():
    code = "import sys, dashboard.upload; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# --- repair, filtering, attributes ------------------------------------------------------------
def test_invalid_geometry_is_repaired_and_reported():
    data = geojson_bytes([
        feature(json.loads(shapely.to_geojson(BOWTIE)), name="bow"),
        feature(json.loads(shapely.to_geojson(BOWTIE)), name="bow 2"),
        feature(poly([RING]), name="fine"),
    ])
    gdf = read_user_layer(data, "bowtie.geojson")
    assert_clean(gdf)
    assert gdf.attrs["repaired"] == 2
    assert "2 shapes crossed themselves or had other drawing mistakes and were repaired." in english_notes(gdf)
    # nothing of the area the student drew is lost
    assert gdf.geometry.iloc[0].area == pytest.approx(0.5)


def test_mixed_geometry_collection_keeps_the_areas():
    collection = GeometryCollection([SQUARE, Point(1, 2), LineString([(0, 0), (1, 1)])])
    data = geojson_bytes([feature(json.loads(shapely.to_geojson(collection)), name="mixed")])
    gdf = read_user_layer(data, "mixed.geojson")
    assert gdf.geometry.iloc[0].equals(SQUARE)
    assert "2 lines and points were left out: only areas can be measured." in english_notes(gdf)


def test_overlapping_multipolygon_parts_are_merged():
    overlapping = MultiPolygon([box(0, 0, 2, 2), box(1, 1, 3, 3)])  # invalid as a MultiPolygon
    gdf = read_user_layer(geojson_bytes([feature(json.loads(shapely.to_geojson(overlapping)))]), "o.geojson")
    assert_clean(gdf)
    assert gdf.geometry.iloc[0].area == pytest.approx(7.0)
    assert gdf.attrs["repaired"] == 1


def test_points_only_are_rejected_and_not_buffered():
    data = geojson_bytes([
        feature({"type": "Point", "coordinates": [131, 43]}),
        feature({"type": "LineString", "coordinates": [[131, 43], [132, 44]]}),
    ])
    rejects(data, "points.geojson", "only contains points or lines")


def test_empty_collection_is_rejected():
    rejects(geojson_bytes([]), "empty.geojson", "no shapes at all")
    rejects(geojson_bytes([feature(None), feature(poly([]))]), "nulls.geojson", "no shapes at all")
    rejects(b"", "nothing.geojson", "empty")
    rejects(b"   ", "blank.geojson", "does not look like")


def test_rings_with_too_few_corners_are_left_out():
    good = feature(poly([RING]), name="good")
    bad = feature(poly([[[0, 0], [1, 1], [0, 0]]]), name="bad")
    gdf = read_user_layer(geojson_bytes([good, bad]), "few.geojson")
    assert list(gdf["name"]) == ["good"]
    assert "1 outline had fewer than 3 corners and was left out." in english_notes(gdf)
    rejects(geojson_bytes([bad]), "few.geojson", "could be used as areas")


def test_names_and_attribute_columns():
    props = {f"col{i:02d}": i for i in range(30)}
    features = [
        feature(poly([RING]), **{"geometry": "a property called geometry", **props}, description="x" * 500),
        feature(poly([RING]), NAME="Upper"),
        feature(poly([RING]), title="Titled"),
        feature(poly([RING]), name=None, Name=""),
    ]
    gdf = read_user_layer(geojson_bytes(features), "cols.geojson")
    assert list(gdf["name"]) == ["Area 1", "Upper", "Titled", "Area 4"]
    attributes = [c for c in gdf.columns if c not in ("name", "geometry")]
    assert len(attributes) == 20
    assert attributes[1:4] == ["col00", "col01", "col02"]
    assert gdf["col05"].iloc[0] == "5" and gdf["col05"].iloc[1] == ""
    assert "NAME" not in gdf.columns and "title" not in gdf.columns  # title is the 23rd key
    assert attributes[0] == "geometry (property)"
    assert gdf["geometry (property)"].iloc[0] == "a property called geometry"
    assert "Only the first 20 columns of information were kept." in english_notes(gdf)


def test_long_values_are_shortened_and_nested_values_become_text():
    features = [feature(poly([RING]), name="n" * 500, info={"a": [1, 2]}, flag=True)]
    gdf = read_user_layer(geojson_bytes(features), "long.geojson")
    assert len(gdf["name"].iloc[0]) == 200
    assert gdf["info"].iloc[0] == '{"a": [1, 2]}'
    assert gdf["flag"].iloc[0] == "True"
    assert any("shortened" in note for note in english_notes(gdf))


def test_html_and_script_in_names_are_kept_as_literal_text(tmp_path):
    features = [
        feature(poly([RING]), name=XSS_IMG, note=XSS_SCRIPT),
        feature(poly([RING]), name=XSS_SCRIPT),
    ]
    gdf = read_user_layer(geojson_bytes(features), "xss.geojson")
    assert list(gdf["name"]) == [XSS_IMG, XSS_SCRIPT]
    assert gdf["note"].iloc[0] == XSS_SCRIPT
    # the same through GDAL (shapefile attributes)
    shp = gpd.GeoDataFrame({"name": [XSS_IMG, XSS_SCRIPT]}, geometry=[SQUARE, HOLED], crs=4326)
    gdf = read_user_layer(shapefile_zip(shp, tmp_path), "xss.zip")
    assert list(gdf["name"]) == [XSS_IMG, XSS_SCRIPT]


def test_lone_surrogates_become_sendable_text():
    data = b'{"type":"Feature","properties":{"name":"a\\ud800b"},"geometry":' + json.dumps(poly([RING])).encode() + b"}"
    gdf = read_user_layer(data, "s.geojson")
    gdf["name"].iloc[0].encode("utf-8")  # must not raise


def test_in_region():
    inside = read_user_layer(geojson_bytes([feature(poly([RING]))]), "in.geojson")
    assert in_region(inside)
    paris = [[2.0, 48.0], [3.0, 48.0], [3.0, 49.0], [2.0, 49.0], [2.0, 48.0]]
    outside = read_user_layer(geojson_bytes([feature(poly([paris]))]), "paris.geojson")  # accepted
    assert not in_region(outside)
    assert not in_region(outside.iloc[0:0])


# --- limits -----------------------------------------------------------------------------------
@pytest.mark.parametrize("filename", ["big.geojson", "big.kml", "big.zip", "big.gpkg", "big.txt"])
def test_a_file_over_the_limit_is_rejected_before_parsing(filename, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the parser must not be called")

    for target, name in [
        (geojson_reader, "read"), (reader.gdal, "read"), (reader.gpkg, "read"),
        (zipped_shapefile, "extract_shapefile"), (reader, "_sniff"), (geojson_reader.json, "loads"),
        (reader.gdal.pyogrio, "read_dataframe"), (zipped_shapefile.zipfile, "ZipFile"),
    ]:
        monkeypatch.setattr(target, name, boom)
    big = b"{" + b" " * MAX_UPLOAD_BYTES
    rejects(big, filename, "too big")
    rejects(memoryview(big), filename, "too big")


def test_exactly_at_the_limit_is_parsed():
    data = geojson_bytes([feature(poly([RING]))])
    data = data + b" " * (MAX_UPLOAD_BYTES - len(data))
    assert len(read_user_layer(data, "limit.geojson")) == 1


def test_too_many_vertices_geojson_rejected_before_building_shapes(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("no shapely geometry may be built")

    monkeypatch.setattr(geojson_reader, "_make_polygon", boom)
    monkeypatch.setattr(geojson_reader, "MultiPolygon", boom)
    ring = [[131 + 0.5 * math.cos(t), 43 + 0.5 * math.sin(t)] for t in np.linspace(0, 2 * math.pi, 1001)]
    ring[-1] = ring[0]
    features = [feature(poly([ring])) for _ in range(MAX_VERTICES // 1001 + 1)]
    rejects(geojson_bytes(features), "many.geojson", "too many corner points")


def test_too_many_vertices_geopackage_rejected(tmp_path):
    angles = np.linspace(0, 2 * math.pi, MAX_VERTICES + 10, endpoint=False)
    circle = Polygon(np.column_stack([131 + 0.5 * np.cos(angles), 43 + 0.5 * np.sin(angles)]))
    assert shapely.get_num_coordinates(circle) > MAX_VERTICES
    path = tmp_path / "dense.gpkg"
    gpd.GeoDataFrame(geometry=[circle], crs=4326).to_file(path, driver="GPKG")
    assert path.stat().st_size < MAX_UPLOAD_BYTES
    rejects(path.read_bytes(), "dense.gpkg", "too many corner points")


def test_too_many_features_rejected():
    tiny = feature(poly([[[0, 0], [0.001, 0], [0.001, 0.001], [0, 0]]]))
    rejects(geojson_bytes([tiny] * (upload.MAX_FEATURES + 1)), "lots.geojson", "too many shapes")


def test_deep_nesting_does_not_crash():
    depth = 100_000
    deep = b'{"type":"Polygon","coordinates":' + b"[" * depth + b"]" * depth + b"}"
    rejects(deep, "deep.geojson", "nested too deeply")
    deep_props = b'{"type":"Feature","properties":{"a":' + b"[" * depth + b"]" * depth + b'},"geometry":null}'
    rejects(deep_props, "deep.geojson", "nested too deeply")
    collection: dict = poly([RING])
    for _ in range(20):
        collection = {"type": "GeometryCollection", "geometries": [collection]}
    rejects(json.dumps(collection).encode(), "gc.geojson", "nested too deeply")


# --- coordinates and CRS ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("NaN", "not real numbers"),
        ("Infinity", "not real numbers"),
        ("-Infinity", "not real numbers"),
        ("1e400", "not real numbers"),
        ("1" * 400, "not real numbers"),
        ("1e308", "far too big"),
        ("-1e308", "far too big"),
        ("1e10", "far too big"),
        ("181", "not on Earth"),
    ],
)
def test_odd_coordinates_are_rejected(bad, match):
    text = '{"type":"Polygon","coordinates":[[[131,43],[%s,43],[131.5,43.5],[131,43]]]}' % bad
    rejects(text.encode(), "odd.geojson", match)


def test_latitude_out_of_range_and_projected_numbers_without_crs():
    rejects(json.dumps(poly([[[0, 0], [1, 95], [1, 0], [0, 0]]])).encode(), "lat.geojson", "not on Earth")
    utm = sample(32652)
    features = [feature(json.loads(shapely.to_geojson(g))) for g in utm.geometry]
    rejects(geojson_bytes(features), "utm.geojson", "does not say which coordinate system")


def test_huge_numbers_in_a_projected_crs_are_rejected():
    crs = {"type": "name", "properties": {"name": "EPSG:3857"}}
    data = geojson_bytes([feature(poly([[[0, 0], [1e308, 0], [1e308, 1e308], [0, 0]]]))], crs=crs)
    rejects(data, "huge.geojson", "far too big")


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
        {"type": "name", "properties": {"name": "+init=/etc/passwd:foo"}},
        {"type": "name", "properties": {"name": "my own system"}},
        {"type": "link", "properties": {"href": "http://example.com/crs.prj", "type": "proj4"}},
        {"type": "EPSG", "properties": {"code": 999999}},
        "EPSG:4326",
        [],
    ],
)
def test_geojson_crs_it_cannot_read(crs):
    rejects(geojson_bytes([feature(poly([RING]))], crs=crs), "crs.geojson", "system we cannot read")


def test_shapefile_with_garbage_prj(tmp_path):
    data = shapefile_zip(sample(3857), tmp_path, prj=b"this is not a coordinate system")
    rejects(data, "garbage.zip", "system we cannot read")
    data = shapefile_zip(sample(3857), tmp_path, prj=b'PROJCS["nonsense",GEOGCS[')
    rejects(data, "garbage.zip", "system we cannot read")
    for not_wkt in (b"EPSG:3857", b"+proj=merc +type=crs", b"+init=/etc/passwd"):
        rejects(shapefile_zip(sample(3857), tmp_path, prj=not_wkt), "notwkt.zip", "system we cannot read")


def test_shapefile_without_prj(tmp_path):
    gdf = read_user_layer(shapefile_zip(sample(), tmp_path, drop=(".prj",)), "lonlat.zip")
    np.testing.assert_allclose(gdf.total_bounds, BOUNDS, atol=1e-9)
    assert any("assumed WGS 84" in note for note in english_notes(gdf))
    rejects(shapefile_zip(sample(32652), tmp_path, drop=(".prj",)), "utm.zip", "does not say which coordinate system")


def test_shapefile_with_missing_parts(tmp_path):
    rejects(shapefile_zip(sample(), tmp_path, drop=(".shx",)), "noshx.zip", r"incomplete.*\.shx")
    rejects(zip_bytes({"readme.txt": b"hello"}), "other.zip", "does not contain a shapefile")
    rejects(zip_bytes({"a.shp": b"x", "b.shp": b"y"}), "two.zip", "more than one shapefile")


# --- hostile zips -----------------------------------------------------------------------------
def _no_extraction(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("nothing may be extracted")

    monkeypatch.setattr(zipped_shapefile, "_copy_member", boom)
    monkeypatch.setattr(zipfile.ZipFile, "open", boom)


def test_zip_bomb_is_rejected_without_extraction(monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("bomb.shp", bytes(60 * 1024 * 1024))
        zf.writestr("bomb.shx", b"")
        zf.writestr("bomb.dbf", b"")
    data = buf.getvalue()
    assert len(data) < 1024 * 1024
    _no_extraction(monkeypatch)
    rejects(data, "bomb.zip", "too big when unpacked")


def test_total_unpacked_size_is_capped_without_extraction(monkeypatch):
    """52 MB that compresses only ~40:1 (under the ratio cap): the 50 MB total cap stops it."""
    rng = np.random.default_rng(0)
    block = np.zeros((26 * 1024, 1024), dtype=np.uint8)
    block[:, :24] = rng.integers(0, 256, size=(26 * 1024, 24), dtype=np.uint8)
    half = block.tobytes()
    data = zip_bytes({"big.shp": half, "big.dbf": half, "big.shx": b""})
    assert len(data) < MAX_UPLOAD_BYTES
    _no_extraction(monkeypatch)
    rejects(data, "big.zip", r"more than 50 MB")


def test_high_compression_ratio_is_rejected_without_extraction(monkeypatch):
    data = zip_bytes({"r.shp": bytes(5 * 1024 * 1024), "r.shx": b"", "r.dbf": b""})  # ~1000:1
    _no_extraction(monkeypatch)
    rejects(data, "ratio.zip", "grows more than 100 times")


def test_zip_member_that_lies_about_its_size(tmp_path, monkeypatch):
    """The central directory says 1 kB, the data inflates to 20 MB: we stop at 1 kB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("liar.shx", b"")
        zf.writestr("liar.dbf", b"")
        zf.writestr("liar.shp", bytes(20 * 1024 * 1024))
    data = bytearray(buf.getvalue())
    central = data.rfind(b"PK\x01\x02")  # the last entry is liar.shp
    assert data[central + 46: central + 54] == b"liar.shp"
    struct.pack_into("<I", data, central + 24, 1024)  # uncompressed size
    written: list[int] = []
    real_copy = zipped_shapefile._copy_member

    def spy(archive, info, target):
        try:
            real_copy(archive, info, target)
        finally:
            written.append(target.stat().st_size if target.exists() else 0)

    monkeypatch.setattr(zipped_shapefile, "_copy_member", spy)
    rejects(bytes(data), "liar.zip", "could not read|too big")
    assert max(written) <= 1024


@pytest.mark.parametrize(
    "name",
    ["../evil.shp", "/abs/path.shp", "a/../../evil.shp", "..\\evil.shp", "C:/evil.shp", "C:evil.shp",
     "\\\\server\\share\\evil.shp", "x.shp:stream"],
)
def test_unsafe_member_names_are_rejected(name, monkeypatch):
    data = zip_bytes([(name, b"x"), ("ok.shx", b""), ("ok.dbf", b"")])
    _no_extraction(monkeypatch)
    rejects(data, "evil.zip", "unsafe name")


def test_symlink_member_is_rejected(monkeypatch):
    link = zipfile.ZipInfo("areas.shp")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = zip_bytes([(link, b"/etc/passwd"), ("areas.shx", b""), ("areas.dbf", b"")])
    _no_extraction(monkeypatch)
    rejects(data, "link.zip", "link to another file")


def test_too_many_members_and_encrypted_zip(monkeypatch):
    many = zip_bytes({f"f{i}.txt": b"" for i in range(upload.MAX_ZIP_MEMBERS + 1)})
    locked = bytearray(zip_bytes({"areas.shp": b"x", "areas.shx": b"", "areas.dbf": b""}))
    central = locked.find(b"PK\x01\x02")
    struct.pack_into("<H", locked, central + 8, 0x1)  # general purpose flag: encrypted
    locked = bytes(locked)
    assert zipfile.ZipFile(io.BytesIO(locked)).infolist()[0].flag_bits & 0x1
    _no_extraction(monkeypatch)
    rejects(many, "many.zip", "too many files")
    rejects(locked, "secret.zip", "password")


def test_empty_and_damaged_zips():
    rejects(zip_bytes({}), "empty.zip", "does not contain a shapefile")
    rejects(b"PK\x03\x04" + b"\x00" * 100, "broken.zip", "could not read")


# --- type detection, KML safety, no output ----------------------------------------------------
@pytest.mark.parametrize(
    ("data", "filename", "match"),
    [
        (b'{"type":"FeatureCollection","features":[]}', "areas.kml", "looks like a GeoJSON file"),
        (b"SQLite format 3\x00", "areas.zip", "looks like a GeoPackage"),
        (b"PK\x03\x04", "areas.geojson", "looks like a zip file"),
        (b"<kml></kml>", "areas.gpkg", "looks like a KML file"),
        (b"\x00\x01\x02", "areas.geojson", "does not look like any type we know"),
        (b"{}", "areas.txt", "cannot open “.txt” files"),
        (b"{}", "areas.shp", "zipped Shapefile"),
        (b"{}", "no_extension", "cannot open this kind of file"),
        (b"{}", "<b>.x<script>", "cannot open this kind of file"),
        (b"[1, 2]", "list.json", "does not look like"),
        (b'{"hello": "world"}', "plain.json", "not GeoJSON"),
        (b'{"type": "FeatureCollection", "features": 3}', "bad.json", "no list of features"),
        (b'{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [1, 2]}}', "bad.json", "not written correctly"),
        (b'{"type": "Feature", "geometry": {"type": "Circle", "coordinates": []}}', "bad.json", "not written correctly"),
        (b'{"type": "FeatureCollection", "features": [1]}', "bad.json", "not written correctly"),
        (b'{"type": "FeatureCollection", "features": [}', "bad.json", "typing mistake"),
        (b'{"name": "\xff\xfe"}', "latin.json", "UTF-8"),
    ],
)
def test_wrong_or_unknown_types_get_a_clear_message(data, filename, match):
    message = rejects(data, filename, match)
    if "type we know" in match or "cannot open" in match or "looks like" in match:
        assert "We accept: GeoJSON (.geojson or .json), KML (.kml), a zipped Shapefile (.zip) or a GeoPackage (.gpkg)" in message
    assert "<script>" not in message and "<b>" not in message


def test_kml_with_doctype_or_entities_is_refused():
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name></Placemark></kml>"""
    rejects(laughs, "laughs.kml", "DOCTYPE or ENTITY")
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><kml>&e;</kml>'
    rejects(xxe, "xxe.kml", "DOCTYPE or ENTITY")
    rejects(xxe.decode().encode("utf-16-le"), "xxe16.kml", "not saved as UTF-8")


def test_not_bytes_is_a_user_error():
    rejects("a string, not bytes", "a.geojson", "did not receive a file")  # type: ignore[arg-type]
    rejects(None, "a.geojson", "did not receive a file")  # type: ignore[arg-type]
    rejects(geojson_bytes([feature(poly([RING]))]), None, "cannot open this kind of file")  # type: ignore[arg-type]
    assert len(read_user_layer(bytearray(geojson_bytes([feature(poly([RING]))])), "a.geojson")) == 1


def test_bad_input_prints_nothing(capfd, tmp_path):
    for data, name in [
        (b"SQLite format 3\x00" + b"\x07" * 2000, "x.gpkg"),
        (b"<kml><Placemark><Polygon>broken", "x.kml"),
        (b"<?xml version='1.0'?><not-kml/>", "x.kml"),
        (shapefile_zip(sample(), tmp_path, prj=b"GEOGCS[garbage"), "x.zip"),
        (zip_bytes({"a.shp": b"\x00" * 200, "a.shx": b"\x00" * 100, "a.dbf": b"\x00" * 10}), "x.zip"),
    ]:
        with pytest.raises(UserLayerError):
            read_user_layer(data, name)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --- outlines that would make GEOS slow ---------------------------------------------------------
def _geojson_of(*polygons: Polygon) -> bytes:
    return geojson_bytes([feature(json.loads(shapely.to_geojson(p))) for p in polygons])


def test_badly_tangled_outline_is_refused_before_make_valid(monkeypatch):
    """A random 1,000-corner outline crosses itself ~100,000 times: make_valid takes seconds."""
    tangled = Polygon(np.random.default_rng(0).random((1000, 2)) + [131, 43])

    def boom(*args, **kwargs):
        raise AssertionError("make_valid must not run")

    monkeypatch.setattr(geometry_guard.shapely, "make_valid", boom)
    rejects(_geojson_of(tangled), "tangled.geojson", "cross over themselves too many times")


def test_zigzag_accordion_is_refused_before_is_valid(monkeypatch):
    """A valid 50,000-corner zig-zag whose segments all overlap: GEOS is_valid takes ~1 minute."""
    n = 50_000
    xs = np.where(np.arange(n) % 2 == 0, 0.0, 1.0)
    zigzag = np.column_stack([xs, xs + np.arange(n) * 1e-5])
    ring = np.vstack([zigzag, [[1.5, zigzag[-1, 1] + 1], [1.5, -1], [0, -1]]]) + [131, 43]

    def boom(*args, **kwargs):
        raise AssertionError("no shape may be checked or repaired")

    monkeypatch.setattr(geometry_guard, "repair", boom)
    rejects(_geojson_of(Polygon(ring)), "accordion.geojson", "too complicated")


def test_big_ordinary_outlines_are_accepted():
    angles = np.linspace(0, 2 * np.pi, 150_000, endpoint=False)
    circle = Polygon(np.column_stack([131 + np.cos(angles), 43 + 0.7 * np.sin(angles)]))
    small = [Point(131 + (i % 40) * 0.02, 43 + (i // 40) * 0.02).buffer(0.03, quad_segs=8) for i in range(1200)]
    gdf = read_user_layer(_geojson_of(circle, *small), "big.geojson")
    assert len(gdf) == 1201 and gdf.attrs["repaired"] == 0
    # a few hundred self-crossings are repaired
    wobbly = Polygon(np.column_stack([131 + np.cos(angles[::100]), 43 + np.sin(angles[::100])])[
        np.r_[0:500, 501, 500, 502:1500]])
    gdf = read_user_layer(_geojson_of(wobbly), "wobbly.geojson")
    assert gdf.attrs["repaired"] == 1
