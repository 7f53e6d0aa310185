"""``read_user_layer``: from the uploaded bytes to a clean GeoDataFrame, in this process.

The checks every format shares run here: the size before any parsing, the format from the bytes
(the file name must agree), then after the format's own reader: real numbers, the coordinate
system, longitude/latitude ranges, the longitude span, outline complexity, repair, attributes.
The UI never calls this directly: it reads through ``dashboard.upload.read_upload``, which runs
it in a killable worker process with time and memory limits.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from dashboard.core.crs import DISPLAY_CRS
from dashboard.core.validation import REGION_BOUNDS
from dashboard.upload import attributes, gdal, geojson, geometry_guard, gpkg, zipped_shapefile
from dashboard.upload.errors import (
    ACCEPTED, CRS_MISSING, CRS_UNREADABLE, EMPTY_FILE, NO_SHAPES, NO_USABLE_AREAS, NOT_CONVERTIBLE, NOT_NUMBERS,
    ONLY_POINTS_LINES, OUT_OF_RANGE, TOO_BIG, TOO_DEEP, UserLayerError, mismatch,
)
from dashboard.upload.layer import Layer
from dashboard.upload.limits import MAX_ABS_COORDINATE, MAX_UPLOAD_BYTES, Budget
from dashboard.upload.messages import Stats, notes

_EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".zip": "zip", ".gpkg": "gpkg"}
_WGS84 = CRS.from_epsg(4326)
_REGION = box(*REGION_BOUNDS)

# Exceptions that hostile or damaged input is known to cause inside the libraries we call.
_EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,  # includes json.JSONDecodeError, UnicodeDecodeError
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RuntimeError,  # pyogrio.errors.*, pyproj CRSError/ProjError, NotImplementedError
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    shapely.errors.ShapelyError,
)
RAISE_UNEXPECTED = False  # tests switch this on to find unhandled cases


def read_user_layer(data: bytes, filename: str, workdir: str | Path | None = None) -> gpd.GeoDataFrame:
    """Read an uploaded layer; see the package docstring. Raises only ``UserLayerError``.

    ``workdir``: an empty folder the caller owns and removes (the bounded reader's parent process
    does, so it is removed even when this process is killed); without it a temporary folder is
    made and removed here. Silences warnings process-wide while it runs: call it from one thread
    at a time (the worker process has one).
    """
    own = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="atlas-upload-")) if own else Path(workdir)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _read(data, filename, folder)
    except UserLayerError:
        raise
    except RecursionError:
        raise UserLayerError(TOO_DEEP) from None
    except MemoryError:
        raise UserLayerError("upload.error.out_of_memory") from None
    except Exception as exc:  # anything a library raised on hostile input
        if RAISE_UNEXPECTED and not isinstance(exc, _EXPECTED_ERRORS):
            raise
        raise UserLayerError("upload.error.unreadable", hint=type(exc).__name__, accepted=ACCEPTED) from None
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)


def in_region(gdf: gpd.GeoDataFrame) -> bool:
    """True if any shape touches the atlas region (115–145 E, 33–55 N), so the UI can warn if not."""
    if gdf is None or len(gdf) == 0:
        return False
    if gdf.crs is not None and not _is_wgs84(CRS.from_user_input(gdf.crs)):
        gdf = gdf.to_crs(DISPLAY_CRS)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    return bool(shapely.intersects(geoms, _REGION).any())


def check_size(data: Any) -> bytes:
    """The upload as bytes, if it is bytes of an acceptable size (checked before any parsing)."""
    if isinstance(data, memoryview):
        size = data.nbytes
    elif isinstance(data, (bytes, bytearray)):
        size = len(data)
    else:
        raise UserLayerError("upload.error.no_file")
    if size > MAX_UPLOAD_BYTES:
        raise UserLayerError(TOO_BIG, mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    if size == 0:
        raise UserLayerError(EMPTY_FILE)
    return bytes(data)


def _read(data: Any, filename: Any, folder: Path) -> gpd.GeoDataFrame:
    data = check_size(data)
    ext, kind = kind_from_name(filename if isinstance(filename, str) else "")
    sniffed = _sniff(data)
    if sniffed != kind:
        raise mismatch(ext, kind, sniffed)

    stats = Stats()
    budget = Budget()
    if kind == "geojson":
        layers = [geojson.read(data, budget, stats)]
    elif kind == "zip":
        shp = zipped_shapefile.extract_shapefile(data, folder)
        layers = zipped_shapefile.read_shapefile(shp, budget, stats)
    elif kind == "gpkg":
        path = folder / "upload.gpkg"
        path.write_bytes(data)
        layers = gpkg.read(path, budget, stats)
    else:
        if b"\x00" in data[:4096]:  # UTF-16/32: the DOCTYPE check below needs ASCII-compatible text
            raise UserLayerError("upload.error.kml_not_utf8")
        if re.search(rb"<!\s*(DOCTYPE|ENTITY)", data, re.IGNORECASE):
            raise UserLayerError("upload.error.kml_doctype")
        path = folder / "upload.kml"
        path.write_bytes(data)
        layers = gdal.read(path, "kml", budget, stats)
    return _finish(layers, stats)


def kind_from_name(filename: str) -> tuple[str, str]:
    """(extension, format) from the file name; the name is used for nothing else."""
    base = re.split(r"[\\/]", filename)[-1].strip().lower()
    ext = "." + base.rsplit(".", 1)[-1] if "." in base else ""
    if ext in _EXTENSIONS:
        return ext, _EXTENSIONS[ext]
    if re.fullmatch(r"\.[a-z0-9]{1,10}", ext):
        raise UserLayerError("upload.error.unknown_extension", ext=ext, accepted=ACCEPTED)
    raise UserLayerError("upload.error.unknown_kind", accepted=ACCEPTED)


def _sniff(data: bytes) -> str | None:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    head = head.lstrip(b" \t\r\n")
    if head.startswith(b"<"):
        return "kml"
    if head.startswith(b"{"):
        return "geojson"
    return None


# --- shared finishing: CRS, ranges, repair, attributes ----------------------------------------
def _is_wgs84(crs: CRS) -> bool:
    try:
        return bool(crs.equals(_WGS84, ignore_axis_order=True))
    except (CRSError, ProjError, TypeError, ValueError):
        return False


def _lonlat_ok(coords: np.ndarray) -> bool:
    if coords.size == 0:
        return True
    x, y = coords[:, 0], coords[:, 1]
    return bool(((x >= -180) & (x <= 180) & (y >= -90) & (y <= 90)).all())


def _to_wgs84(geoms: np.ndarray, crs: CRS, stats: Stats) -> np.ndarray:
    try:
        transformer = Transformer.from_crs(crs, _WGS84, always_xy=True)
    except (CRSError, ProjError, ValueError, TypeError):
        raise UserLayerError(CRS_UNREADABLE) from None

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    try:
        out = shapely.transform(geoms, project)
    except (ProjError, ValueError, TypeError, shapely.errors.ShapelyError):
        raise UserLayerError(NOT_CONVERTIBLE) from None
    try:
        epsg = crs.to_epsg(min_confidence=70)
    except (CRSError, ProjError):
        epsg = None
    stats.converted_from.add(f"EPSG:{epsg}" if epsg else "")  # "": the file's own system
    return out


def _finish(layers: list[Layer], stats: Stats) -> gpd.GeoDataFrame:
    kept_geoms: list[BaseGeometry] = []
    kept_props: list[dict[str, Any]] = []
    drop_keys: set[str] = set()
    for layer in layers:
        geoms = np.empty(len(layer.geoms), dtype=object)
        geoms[:] = layer.geoms
        coords = shapely.get_coordinates(geoms)
        if coords.size and not (np.abs(coords) <= MAX_ABS_COORDINATE).all():  # also catches NaN
            raise UserLayerError(NOT_NUMBERS)
        crs = layer.crs
        if crs is None:  # a shapefile without .prj, a GeoPackage without a known CRS
            if not _lonlat_ok(coords):
                raise UserLayerError(CRS_MISSING)
            if coords.size:
                stats.assumed_lonlat = True
        elif not _is_wgs84(crs):
            geoms = _to_wgs84(geoms, crs, stats)
            coords = shapely.get_coordinates(geoms)
            if coords.size and not np.isfinite(coords).all():
                raise UserLayerError(NOT_CONVERTIBLE)
        if not _lonlat_ok(coords):
            raise UserLayerError(OUT_OF_RANGE)
        drop_keys |= layer.drop_keys
        for geom, props in zip(geoms, layer.props):
            if geom is not None and not geom.is_empty:
                kept_geoms.append(geom)
                kept_props.append(props)

    geometry_guard.check_longitude_span(kept_geoms)
    geometry_guard.check_outline_complexity(kept_geoms)  # before the first is_valid
    repaired = [geometry_guard.repair(geom, stats) for geom in kept_geoms]
    kept_props = [props for props, geom in zip(kept_props, repaired) if geom is not None]
    kept_geoms = [geom for geom in repaired if geom is not None]

    if not kept_geoms:
        if stats.not_area:
            raise UserLayerError(ONLY_POINTS_LINES)
        if stats.too_few_corners or stats.emptied_by_repair:
            raise UserLayerError(NO_USABLE_AREAS)
        raise UserLayerError(NO_SHAPES)

    gdf = gpd.GeoDataFrame(attributes.table(kept_props, drop_keys, stats), geometry=kept_geoms, crs=DISPLAY_CRS)
    gdf.attrs["repaired"] = stats.repaired
    gdf.attrs["notes"] = notes(stats)
    return gdf
