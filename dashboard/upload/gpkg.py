"""GeoPackages, read with Python's sqlite3 under hard limits: GDAL never opens an uploaded .gpkg.

A GeoPackage is an SQLite database, and a database holds more than tables: a view is a stored
query that runs whenever it is read (a recursive one never ends), a virtual table runs module
code, a generated column computes its value on every read. Only what a GeoPackage needs is read
here, from plain tables, after looking at the schema (``sqlite_master``) and before running any
query on the data: a layer (``gpkg_contents``) that is a view, a virtual table or has a computed
column refuses the file. Views, triggers and virtual tables that no layer names are never touched
(triggers run only on writes, and the file is opened read-only and immutable).

The connection has SQLite's own limits too: no text or blob longer than the upload, and a budget
of virtual-machine steps (a progress handler), so even a query on a damaged file ends. Features
are counted from the rows read (never from ``gpkg_ogr_contents``, which a file can fake), and a
layer is read with at most the features the whole file may still have, plus one. Geometry blobs
are GeoPackage headers followed by standard WKB, which shapely reads.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError

from dashboard.upload.errors import CRS_UNREADABLE, UserLayerError, damaged
from dashboard.upload.layer import Layer, polygonal_only
from dashboard.upload.limits import MAX_LAYERS, MAX_UPLOAD_BYTES, Budget
from dashboard.upload.messages import Stats

NOT_PLAIN = "upload.error.gpkg_not_plain"
TOO_SLOW = "upload.error.too_slow"
# SQLite virtual-machine steps one upload may take (a plain 10 MB table needs a few million).
MAX_SQL_STEPS = 200_000_000
_STEPS_PER_CHECK = 10_000
_REQUIRED = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys")
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class _OutOfSteps(Exception):
    pass


def read(path: Path, budget: Budget, stats: Stats) -> list[Layer]:
    """Every feature layer of the GeoPackage at ``path`` (a copy of the upload we may not write)."""
    steps = [0]

    def progress() -> int:
        steps[0] += _STEPS_PER_CHECK
        return 1 if steps[0] > MAX_SQL_STEPS else 0  # non-zero interrupts the running statement

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise damaged("gpkg", type(exc).__name__) from None
    try:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_UPLOAD_BYTES + 1)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.set_progress_handler(progress, _STEPS_PER_CHECK)
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        for pragma in ("trusted_schema = OFF", "cell_size_check = ON", "query_only = ON"):
            conn.execute(f"PRAGMA {pragma}")
        return _read_layers(conn, budget, stats)
    except UserLayerError:
        raise
    except sqlite3.Error as exc:
        if steps[0] > MAX_SQL_STEPS:
            raise UserLayerError(TOO_SLOW) from None
        raise damaged("gpkg", type(exc).__name__) from None
    finally:
        conn.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema(conn: sqlite3.Connection) -> tuple[set[str], set[str]]:
    """(tables that hold their rows, views and virtual tables): read from the schema, nothing run."""
    plain, other = set(), set()
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master"):
        if not isinstance(name, str) or kind not in ("table", "view"):
            continue
        virtual = isinstance(sql, str) and sql.lstrip().upper().startswith("CREATE VIRTUAL")
        (plain if kind == "table" and not virtual else other).add(name)
    return plain, other


def _plain(table: str, plain: set[str], other: set[str], hint: str) -> None:
    """Refuse a table that is a view or a virtual table; a missing one means a damaged file."""
    if table in other:
        raise UserLayerError(NOT_PLAIN)
    if table not in plain:
        raise damaged("gpkg", hint)


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool]]:
    """(name, declared type, is the integer primary key) of each column; computed columns refuse the file."""
    out = []
    for _cid, name, kind, _notnull, _default, pk, hidden in conn.execute(f"PRAGMA table_xinfo({_quote(table)})"):
        if hidden in (2, 3):  # GENERATED ALWAYS AS (...): computed by SQL (VIRTUAL ones on every read)
            raise UserLayerError(NOT_PLAIN)
        kind = kind if isinstance(kind, str) else ""
        out.append((str(name), kind, pk == 1 and "INT" in kind.upper()))
    return out


def _read_layers(conn: sqlite3.Connection, budget: Budget, stats: Stats) -> list[Layer]:
    plain, other = _schema(conn)
    for name in _REQUIRED:
        _plain(name, plain, other, name)
        _columns(conn, name)
    listed = conn.execute(
        "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents AS c "
        "JOIN gpkg_geometry_columns AS g ON g.table_name = c.table_name "
        "WHERE lower(c.data_type) = 'features' LIMIT ?", (MAX_LAYERS + 1,)).fetchall()
    if len(listed) > MAX_LAYERS:
        raise UserLayerError("upload.error.too_many_layers", limit=MAX_LAYERS)
    layers = []
    for table, geometry_column, srs_id in listed:
        if not isinstance(table, str) or not isinstance(geometry_column, str):
            raise damaged("gpkg", "gpkg_contents")
        _plain(table, plain, other, "layer")
        layers.append(_read_layer(conn, table, geometry_column, srs_id, budget, stats))
    return layers


def _read_layer(conn: sqlite3.Connection, table: str, geometry_column: str, srs_id: Any, budget: Budget,
                stats: Stats) -> Layer:
    columns = _columns(conn, table)
    names = [name for name, _kind, _pk in columns]
    if geometry_column not in names:
        raise damaged("gpkg", "geometry column")
    attributes = [name for name, _kind, is_key in columns if name != geometry_column and not is_key]
    selected = ", ".join(_quote(name) for name in [geometry_column, *attributes])
    rows = conn.execute(f"SELECT {selected} FROM {_quote(table)} LIMIT ?", (budget.features_left() + 1,)).fetchall()
    budget.add_features(len(rows))  # the rows there are, whatever gpkg_ogr_contents says
    wkb = np.empty(len(rows), dtype=object)
    wkb[:] = [_wkb(row[0]) for row in rows]
    raw = shapely.force_2d(shapely.from_wkb(wkb, on_invalid="ignore"))
    budget.add_vertices(int(shapely.get_num_coordinates(raw).sum()))
    geoms = [polygonal_only(g, stats) for g in raw]
    props = [dict(zip(attributes, row[1:])) for row in rows]
    return Layer(geoms, props, _crs(conn, srs_id))


def _wkb(blob: Any) -> bytes | None:
    """The standard WKB inside a GeoPackage geometry blob; None for an empty, extended or unknown one."""
    if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0b0011_0000:  # an empty geometry, or an extension's geometry type
        return None
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    return blob[8 + envelope:] if envelope is not None else None


def _crs(conn: sqlite3.Connection, srs_id: Any) -> CRS | None:
    """The layer's coordinate system; None where the GeoPackage says "undefined" (ids 0 and -1)."""
    if not isinstance(srs_id, int) or srs_id in (0, -1):
        return None
    row = conn.execute("SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
                       "WHERE srs_id = ?", (srs_id,)).fetchone()
    if row is None:
        raise UserLayerError(CRS_UNREADABLE, hint="gpkg_spatial_ref_sys")
    organization, code, definition = row
    try:
        if isinstance(organization, str) and organization.upper() == "EPSG" and isinstance(code, int):
            return CRS.from_epsg(code)
        if isinstance(definition, str) and definition.strip().lower() != "undefined":
            return CRS.from_wkt(definition[:100_000])  # WKT only: no PROJ strings, no file look-ups
    except (CRSError, ProjError, ValueError, TypeError):
        raise UserLayerError(CRS_UNREADABLE, hint=f"srs_id {srs_id}") from None
    return None
