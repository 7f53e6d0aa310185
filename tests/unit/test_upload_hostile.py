"""Hostile uploads (the security review's F1, F4, F8) are refused or bounded, with a plain message and no
temporary folder left behind, read the way the app reads them: in a worker process (``read_upload``).

The GeoPackages are rebuilt here from the review's description: a valid file, then SQL added with
sqlite3 (a view registered as a layer, a trigger, a virtual table, a computed column, a lying
feature count).
"""
from __future__ import annotations

import json
import math
import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from dashboard.core.bounded import Limits
from dashboard.upload import MAX_FEATURES, MAX_VERTICES, UserLayerError, read_upload, read_user_layer
from dashboard.upload import gpkg as gpkg_reader

AREA = box(131.0, 43.0, 131.5, 43.5)
LIMITS = Limits(cpu_seconds=20, queue_seconds=300)  # loaded machine: slow is fine, wrong is not
VIEW_LAYER = """
INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('{name}', 'features', '{name}', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('{name}', 'geom', 'POLYGON', 4326, 0, 0);
"""
VIEWS = {  # the review's four GeoPackages whose extra layer is a view that never ends or is huge
    "gpkg_view_infinite": "CREATE VIEW loop AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) "
                          "SELECT n AS fid, (SELECT geom FROM area LIMIT 1) AS geom, 'x' AS name FROM c;",
    "gpkg_view_slow": "CREATE VIEW loop AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c "
                      "WHERE n < 30000000) SELECT n AS fid, (SELECT geom FROM area LIMIT 1) AS geom FROM c;",
    "gpkg_view_bigblob": "CREATE VIEW loop AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c "
                         "WHERE n < 100) SELECT n AS fid, zeroblob(200000000) AS geom FROM c;",
    "gpkg_view_bigtext": "CREATE VIEW loop AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c "
                         "WHERE n < 100) SELECT n AS fid, (SELECT geom FROM area LIMIT 1) AS geom, "
                         "printf('%.*c', 100000000, 'x') AS name FROM c;",
}


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch) -> Path:
    """Temporary folders of this test go here, so leftovers can be counted."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _gpkg(tmp_path: Path, sql: str = "", layers: dict[str, list] | None = None) -> bytes:
    """A GeoPackage written by GDAL (layer "area" unless ``layers``), then changed with ``sql``."""
    path = tmp_path / "made.gpkg"
    for name, geoms in (layers or {"area": [AREA]}).items():
        gpd.GeoDataFrame({"name": [f"{name} {i}" for i in range(len(geoms))]}, geometry=geoms,
                         crs=4326).to_file(path, layer=name, driver="GPKG")
    if sql:
        with sqlite3.connect(path) as conn:
            conn.executescript(sql)
        conn.close()
    return path.read_bytes()


def _refused(data: bytes, key: str, worker_pool, private_tmp: Path, name: str = "hostile.gpkg") -> None:
    with pytest.raises(UserLayerError) as info:
        read_upload(data, name, LIMITS, worker_pool)
    assert info.value.text.key == key
    assert "Traceback" not in str(info.value)
    assert list(private_tmp.iterdir()) == []  # the temporary folder is gone


@pytest.mark.parametrize("kind", sorted(VIEWS))
def test_a_view_registered_as_a_layer_is_refused_before_it_runs(kind, tmp_path, private_tmp, worker_pool) -> None:
    data = _gpkg(tmp_path, VIEWS[kind] + VIEW_LAYER.format(name="loop"))
    assert len(data) < 200_000
    _refused(data, "upload.error.gpkg_not_plain", worker_pool, private_tmp)


def test_a_view_or_virtual_table_no_layer_names_is_never_touched(tmp_path, private_tmp, worker_pool) -> None:
    data = _gpkg(tmp_path, VIEWS["gpkg_view_infinite"]
                 + "CREATE VIRTUAL TABLE vt USING rtree(id, minx, maxx, miny, maxy);")
    frame = read_upload(data, "ok.gpkg", LIMITS, worker_pool)
    assert list(frame["name"]) == ["area 0"] and frame.geometry.iloc[0].equals(AREA)
    assert list(private_tmp.iterdir()) == []


def test_a_trigger_never_runs(tmp_path, private_tmp, worker_pool) -> None:
    """Triggers run on writes only; the file is opened read-only and immutable, so reading runs none."""
    endless = ("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) SELECT count(*) FROM c")
    data = _gpkg(tmp_path, f"CREATE TABLE log(x); CREATE TRIGGER t BEFORE UPDATE ON area BEGIN {endless}; END;"
                           f"CREATE TRIGGER t2 BEFORE DELETE ON area BEGIN {endless}; END;")
    frame = read_upload(data, "trigger.gpkg", LIMITS, worker_pool)
    assert len(frame) == 1 and frame.geometry.iloc[0].equals(AREA)
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("module", ["rtree(id, minx, maxx, miny, maxy)", "no_such_module(a, b)"])
def test_a_virtual_table_registered_as_a_layer_is_refused(module, tmp_path, private_tmp, worker_pool) -> None:
    sql = (f"CREATE VIRTUAL TABLE vt USING {module};" if module.startswith("rtree") else
           "PRAGMA writable_schema = ON; INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
           f"('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING {module}'); PRAGMA writable_schema = OFF;")
    _refused(_gpkg(tmp_path, sql + VIEW_LAYER.format(name="vt")), "upload.error.gpkg_not_plain", worker_pool,
             private_tmp)


def test_a_computed_column_is_refused(tmp_path, private_tmp, worker_pool) -> None:
    sql = "ALTER TABLE area ADD COLUMN pad TEXT GENERATED ALWAYS AS (printf('%.*c', 100000000, 'x')) VIRTUAL;"
    _refused(_gpkg(tmp_path, sql), "upload.error.gpkg_not_plain", worker_pool, private_tmp)


def test_metadata_tables_that_are_views_are_refused(tmp_path, private_tmp, worker_pool) -> None:
    sql = ("ALTER TABLE gpkg_contents RENAME TO real_contents; CREATE VIEW gpkg_contents AS "
           "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) SELECT * FROM real_contents, c;")
    _refused(_gpkg(tmp_path, sql), "upload.error.gpkg_not_plain", worker_pool, private_tmp)


def test_a_lying_feature_count_does_not_lift_the_limit(tmp_path, private_tmp, worker_pool) -> None:
    """F4: two layers of 2,501 triangles (5,002 > 5,000) whose metadata says 1 feature each."""
    tiny = [shapely.Polygon([(131 + i * 1e-4, 43), (131 + i * 1e-4, 43.001), (131.0001 + i * 1e-4, 43)])
            for i in range(MAX_FEATURES // 2 + 1)]
    data = _gpkg(tmp_path, "UPDATE gpkg_ogr_contents SET feature_count = 1;", {"a": tiny, "b": tiny})
    _refused(data, "upload.error.too_many_features", worker_pool, private_tmp)
    # exactly at the limit is read (both layers, every feature counted)
    (tmp_path / "ok").mkdir()
    half = tiny[:MAX_FEATURES // 2]
    data = _gpkg(tmp_path / "ok", "UPDATE gpkg_ogr_contents SET feature_count = 1;", {"a": half, "b": half})
    assert len(read_upload(data, "ok.gpkg", LIMITS, worker_pool)) == MAX_FEATURES


def test_sqlite_steps_are_bounded_even_on_a_plain_table(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(gpkg_reader, "MAX_SQL_STEPS", 0)  # the first check (10,000 steps) stops it
    data = _gpkg(tmp_path, layers={"area": [AREA] * 5000})
    with pytest.raises(UserLayerError) as info:
        read_user_layer(data, "many.gpkg")
    assert info.value.text.key == "upload.error.too_slow"


# --- the review's other files ----------------------------------------------------------------------
def _geojson(*rings: list) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for ring in rings]}).encode()


def test_a_polygon_across_the_antimeridian_or_wider_than_half_the_globe_is_refused(worker_pool, private_tmp) -> None:
    """F8: read as written, this 20-degree box at 50-60 N is a 340-degree band of 24 million km2."""
    across = [[170, 50], [-170, 50], [-170, 60], [170, 60], [170, 50]]
    world = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    for ring in (across, world):
        _refused(_geojson(ring), "upload.error.too_wide", worker_pool, private_tmp, "wide.geojson")
    just_under = [[0, 40], [179.9, 40], [179.9, 41], [0, 41], [0, 40]]
    assert len(read_upload(_geojson(just_under), "wide.geojson", LIMITS, worker_pool)) == 1


def test_uploads_that_take_too_long_are_stopped_with_a_message(worker_pool, private_tmp) -> None:
    """A time limit (here a wall-clock one of 1 ms, checked every 0.1 s) ends the worker and says so;
    the next upload is read. Reading 200,000 corners takes far longer than 0.1 s on any machine."""
    ring = [[131, 43], [131.5, 43], [131.5, 43.5], [131, 43]]
    many = [[[131 + 0.01 * math.cos(a / 6), 43 + 0.01 * math.sin(a / 6)] for a in range(39)] for _ in range(5000)]
    with pytest.raises(UserLayerError) as info:
        read_upload(_geojson(*[r + [r[0]] for r in many]), "slow.geojson",
                    Limits(cpu_seconds=60, wall_seconds=0.001, queue_seconds=300), worker_pool)
    assert info.value.text.key == "upload.error.too_slow"
    assert list(private_tmp.iterdir()) == []
    assert len(read_upload(_geojson(ring), "a.geojson", LIMITS, worker_pool)) == 1


# --- limits at exactly the limit (mutant M6: ">" against ">=") -----------------------------------------
def test_exactly_max_vertices_are_read_and_one_more_is_refused() -> None:
    def circle(corners: int) -> list:
        angles = [2 * math.pi * i / corners for i in range(corners)]
        ring = [[131 + 0.5 * math.cos(a), 43 + 0.5 * math.sin(a)] for a in angles]
        return ring + [ring[0]]

    ring = circle(MAX_VERTICES - 1)  # closed: MAX_VERTICES positions
    assert len(ring) == MAX_VERTICES
    assert len(read_user_layer(_geojson(ring), "limit.geojson")) == 1
    with pytest.raises(UserLayerError) as info:
        read_user_layer(_geojson(circle(MAX_VERTICES)), "over.geojson")
    assert info.value.text.key == "upload.error.too_many_vertices"


def test_exactly_max_features_are_read_and_one_more_is_refused() -> None:
    ring = [[131, 43], [131.001, 43], [131.001, 43.001], [131, 43]]
    assert len(read_user_layer(_geojson(*[ring] * MAX_FEATURES), "limit.geojson")) == MAX_FEATURES
    with pytest.raises(UserLayerError) as info:
        read_user_layer(_geojson(*[ring] * (MAX_FEATURES + 1)), "over.geojson")
    assert info.value.text.key == "upload.error.too_many_features"
