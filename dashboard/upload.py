"""Read a map layer uploaded by a user (a student), safely.

``read_user_layer(data, filename)`` accepts GeoJSON (.geojson/.json), KML (.kml), a zipped
Shapefile (.zip) or a GeoPackage (.gpkg) and returns a GeoDataFrame in EPSG:4326 that contains
only valid, non-empty Polygon/MultiPolygon geometries. Anything wrong with the upload raises
``UserLayerError`` whose message is written for a 14-year-old (no traceback, no library error
text; sometimes a short technical hint in square brackets). Messages never contain text taken
from the upload itself. Each message is a catalog key (``upload.error.*``) with values:
``str(error)`` is the English text, ``error.message(lang)`` the text in the reader's language.

The returned frame has a ``name`` column first, then at most ``MAX_COLUMNS`` attribute columns,
then ``geometry``. Every attribute value is *raw* text (``str``, at most ``MAX_TEXT_CHARS``
characters, "" for missing values); column names come from the upload too. Nothing is escaped
here: callers MUST HTML-escape names, column names and values before showing them (folium
tooltips/popups, st.markdown with unsafe_allow_html, ...). ``gdf.attrs["repaired"]`` is the number
of shapes that were repaired, ``gdf.attrs["notes"]`` a list of ``Message`` notes for the UI
(``upload.note.*`` keys, translated when shown; they contain no text from the upload). Read the
attrs straight away: some pandas operations drop them.

Safety: the size is checked before parsing; zips are inspected (names, member count, sizes,
compression ratio, symlinks, encryption) before anything is extracted, and only the shapefile's
members are extracted, under our own fixed names, into a temporary directory that is removed
before returning. GeoPackage and KML uploads are written there as ``upload.gpkg`` /
``upload.kml``; the user's file name is only used to pick the format. KML with a DOCTYPE or
ENTITY declaration (or not in UTF-8) is refused. Before GEOS sees a shape, outlines whose
segments overlap pathologically (zig-zags that make ``is_valid`` quadratic) are refused, and
broken shapes are only repaired while their self-crossings stay few (make_valid's cost explodes
with them). GDAL warnings are swallowed; nothing is printed.

Not guarded here: ``shapely.union_all`` of several *valid* shapes that cross each other very
often (two interleaved combs of a few hundred teeth take seconds, more teeth take minutes).
Callers that dissolve an upload should keep that in mind.

This module never imports streamlit.
"""
from __future__ import annotations

import io
import json
import logging
import math
import re
import stat
import tempfile
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from dashboard.core.crs import DISPLAY_CRS
from dashboard.core.i18n import Message
from dashboard.core.validation import REGION_BOUNDS

__all__ = [
    "ACCEPTED_TYPES",
    "MAX_COLUMNS",
    "MAX_FEATURES",
    "MAX_TEXT_CHARS",
    "MAX_UPLOAD_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_VERTICES",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "UserLayerError",
    "in_region",
    "read_user_layer",
]

logger = logging.getLogger(__name__)

# --- limits -----------------------------------------------------------------------------------
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the upload itself
MAX_VERTICES = 200_000  # coordinates in the whole file (areas, lines and points)
MAX_FEATURES = 5_000  # features in the whole file
MAX_COLUMNS = 20  # attribute columns kept (the added ``name`` column is extra)
MAX_TEXT_CHARS = 200  # characters per attribute value / column name
MAX_ZIP_MEMBERS = 50
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # sum of the declared sizes of all zip members
MAX_ZIP_RATIO = 100  # uncompressed : compressed, per member (members above 1 MiB)
ZIP_RATIO_MIN_BYTES = 1024 * 1024  # smaller members cannot be bombs, whatever their ratio
MAX_LAYERS = 50  # layers of a GeoPackage / folders of a KML
MAX_COLLECTION_DEPTH = 8  # GeometryCollection inside GeometryCollection inside ...
# Broken shapes are repaired only while the total number of places where their outlines touch or
# cross themselves stays below this (see _self_crossings), and while counting stays cheap.
MAX_SELF_CROSSINGS = 20_000
# Segment pairs with overlapping bounding boxes (the work GEOS does in is_valid, make_valid ...):
# inside shapes, and between different shapes. Normal outlines have ~3 per segment.
MAX_SEGMENT_CANDIDATES = 5_000_000
MAX_SEGMENT_CANDIDATES_BETWEEN = 50_000_000
_SMALL_OUTLINE = 256  # segments; smaller shapes are always cheap
_MAX_PAIRS_PER_QUERY = 4_000_000
_CROSSING_SAMPLE = 1_000
_COMPLEXITY_SAMPLE = 2_000
# No coordinate system has places beyond ~1e8 (metres, feet); bigger numbers are garbage that a
# projection could otherwise silently wrap onto the globe.
MAX_ABS_COORDINATE = 1e9

_ACCEPTED = Message("upload.word.accepted_types")
ACCEPTED_TYPES = str(_ACCEPTED)  # in English

_EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".zip": "zip", ".gpkg": "gpkg"}
_FORMAT_WORDS = {  # "a GeoJSON file" ...
    "geojson": Message("upload.word.geojson_file"),
    "kml": Message("upload.word.kml_file"),
    "zip": Message("upload.word.zip_file"),
    "gpkg": Message("upload.word.geopackage"),
}
_NAME_KEYS = ("name", "Name", "NAME", "title", "Title", "TITLE")
# Drawing settings that LIBKML turns into columns; they are not information about the area.
_KML_STYLE_COLUMNS = frozenset({"altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon"})
_WGS84 = CRS.from_epsg(4326)
_REGION = box(*REGION_BOUNDS)


class UserLayerError(ValueError):
    """The upload cannot be used: a message a student can understand, as a catalog key and values.

    ``str(error)`` is the English text (for logs); ``error.message(lang)`` translates it, and
    ``error.text`` is the untranslated ``Message`` to keep (it holds no traceback).
    """

    def __init__(self, key: str, /, *, hint: str = "", **values: Any) -> None:
        self.text = Message(key, values, hint=hint)
        super().__init__(str(self.text))

    def message(self, lang: str) -> str:
        """The message in ``lang`` (English for a language without a catalog)."""
        return self.text.render(lang)


# --- messages (catalog keys; see dashboard/locales/*.json) ------------------------------------
_TOO_BIG = "upload.error.too_big"
_EMPTY_FILE = "upload.error.empty_file"
_TOO_MANY_VERTICES = "upload.error.too_many_vertices"
_TOO_MANY_FEATURES = "upload.error.too_many_features"
_NOT_NUMBERS = "upload.error.not_numbers"
_OUT_OF_RANGE = "upload.error.out_of_range"
_CRS_UNREADABLE = "upload.error.crs_unreadable"
_CRS_MISSING = "upload.error.crs_missing"
_NOT_CONVERTIBLE = "upload.error.not_convertible"
_NO_SHAPES = "upload.error.no_shapes"
_ONLY_POINTS_LINES = "upload.error.only_points_lines"
_NO_USABLE_AREAS = "upload.error.no_usable_areas"
_TOO_TANGLED = "upload.error.too_tangled"
_TOO_COMPLEX = "upload.error.too_complex"
_TOO_DEEP = "upload.error.too_deep"


def _damaged(kind: str, hint: str = "") -> UserLayerError:
    return UserLayerError("upload.error.damaged", hint=hint, format=_FORMAT_WORDS[kind])


# --- bookkeeping ------------------------------------------------------------------------------
class _Budget:
    """Counts vertices and features across the whole upload."""

    def __init__(self) -> None:
        self.vertices = 0
        self.features = 0

    def add_vertices(self, n: int) -> None:
        self.vertices += n
        if self.vertices > MAX_VERTICES:
            raise UserLayerError(_TOO_MANY_VERTICES, limit=MAX_VERTICES)

    def add_features(self, n: int) -> None:
        self.features += n
        if self.features > MAX_FEATURES:
            raise UserLayerError(_TOO_MANY_FEATURES, limit=MAX_FEATURES)


@dataclass
class _Stats:
    no_shape: int = 0  # features without geometry (or with an empty one)
    not_area: int = 0  # points and lines left out
    too_few_corners: int = 0  # rings with fewer than 3 distinct corners
    repaired: int = 0
    self_crossings: int = 0  # summed over the shapes that needed repair
    emptied_by_repair: int = 0
    truncated: int = 0
    dropped_columns: bool = False
    assumed_lonlat: bool = False
    converted_from: set[str] = field(default_factory=set)  # "EPSG:…" codes; "" for a system without one


@dataclass
class _Layer:
    """Polygonal geometries (or None) with their raw properties and declared CRS."""

    geoms: list[BaseGeometry | None]
    props: list[dict[str, Any]]
    crs: CRS | None  # None: the file does not say
    drop_keys: frozenset[str] = frozenset()


class _Malformed(Exception):
    """A GeoJSON geometry that is not written as the specification says."""


# --- public API -------------------------------------------------------------------------------
# warnings.catch_warnings() swaps the process-wide filter list and puts it back on exit; two uploads
# read at once in two sessions' threads could put it back in the wrong order and leave every warning
# of the server ignored. One read at a time keeps the swaps nested (uploads are rare; reading is fast).
_READ_LOCK = threading.Lock()


def read_user_layer(data: bytes, filename: str) -> gpd.GeoDataFrame:
    """Read an uploaded layer; see the module docstring. Raises only ``UserLayerError``."""
    try:
        with _READ_LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _read(data, filename)
    except UserLayerError:
        raise
    except RecursionError:
        raise UserLayerError(_TOO_DEEP) from None
    except MemoryError:
        raise UserLayerError("upload.error.out_of_memory") from None
    except Exception as exc:  # anything a library raised on hostile input
        logger.debug("upload could not be read", exc_info=True)
        if _RAISE_UNEXPECTED and not isinstance(exc, _EXPECTED_ERRORS):
            raise  # tests switch this on to find unhandled cases
        raise UserLayerError("upload.error.unreadable", hint=type(exc).__name__, accepted=_ACCEPTED) from None


def in_region(gdf: gpd.GeoDataFrame) -> bool:
    """True if any shape touches the atlas region (115–145 E, 33–55 N), so the UI can warn if not."""
    if gdf is None or len(gdf) == 0:
        return False
    if gdf.crs is not None and not _is_wgs84(CRS.from_user_input(gdf.crs)):
        gdf = gdf.to_crs(DISPLAY_CRS)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    return bool(shapely.intersects(geoms, _REGION).any())


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
_RAISE_UNEXPECTED = False


# --- dispatch ---------------------------------------------------------------------------------
def _read(data: Any, filename: Any) -> gpd.GeoDataFrame:
    if isinstance(data, memoryview):
        size = data.nbytes
    elif isinstance(data, (bytes, bytearray)):
        size = len(data)
    else:
        raise UserLayerError("upload.error.no_file")
    if size > MAX_UPLOAD_BYTES:  # before any parsing
        raise UserLayerError(_TOO_BIG, mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    if size == 0:
        raise UserLayerError(_EMPTY_FILE)
    data = bytes(data)

    ext, kind = _kind_from_name(filename if isinstance(filename, str) else "")
    sniffed = _sniff(data)
    if sniffed != kind:
        raise _mismatch(ext, kind, sniffed)

    stats = _Stats()
    budget = _Budget()
    if kind == "geojson":
        layers = [_read_geojson(data, budget, stats)]
    else:
        with tempfile.TemporaryDirectory(prefix="atlas-upload-") as tmp:
            tmpdir = Path(tmp)
            if kind == "zip":
                shp = _extract_shapefile(data, tmpdir)
                layers = _read_shapefile(shp, budget, stats)
            elif kind == "gpkg":
                path = tmpdir / "upload.gpkg"
                path.write_bytes(data)
                layers = _read_gdal(path, "gpkg", budget, stats)
            else:
                if b"\x00" in data[:4096]:  # UTF-16/32: the DOCTYPE check below needs ASCII-compatible text
                    raise UserLayerError("upload.error.kml_not_utf8")
                if re.search(rb"<!\s*(DOCTYPE|ENTITY)", data, re.IGNORECASE):
                    raise UserLayerError("upload.error.kml_doctype")
                path = tmpdir / "upload.kml"
                path.write_bytes(data)
                layers = _read_gdal(path, "kml", budget, stats)
    return _finish(layers, budget, stats)


def _kind_from_name(filename: str) -> tuple[str, str]:
    """(extension, format) from the file name; the name is used for nothing else."""
    base = re.split(r"[\\/]", filename)[-1].strip().lower()
    ext = "." + base.rsplit(".", 1)[-1] if "." in base else ""
    if ext in _EXTENSIONS:
        return ext, _EXTENSIONS[ext]
    if re.fullmatch(r"\.[a-z0-9]{1,10}", ext):
        raise UserLayerError("upload.error.unknown_extension", ext=ext, accepted=_ACCEPTED)
    raise UserLayerError("upload.error.unknown_kind", accepted=_ACCEPTED)


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


def _mismatch(ext: str, kind: str, sniffed: str | None) -> UserLayerError:
    if sniffed is not None:
        inside = Message("upload.word.looks_like", {"format": _FORMAT_WORDS[sniffed]})
    elif kind == "zip":
        inside = Message("upload.word.looks_unknown_zip")
    else:
        inside = Message("upload.word.looks_unknown")
    return UserLayerError("upload.error.mismatch", ext=ext, expected=_FORMAT_WORDS[kind], inside=inside,
                          accepted=_ACCEPTED)


# --- GeoJSON ----------------------------------------------------------------------------------
def _read_geojson(data: bytes, budget: _Budget, stats: _Stats) -> _Layer:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserLayerError("upload.error.geojson_not_utf8") from None
    try:
        obj = json.loads(text)
    except RecursionError:
        raise UserLayerError(_TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise UserLayerError("upload.error.not_json", line=str(exc.lineno)) from None
    except ValueError:  # e.g. an integer with more than 4300 digits
        raise UserLayerError(_NOT_NUMBERS) from None
    if not isinstance(obj, dict):
        raise UserLayerError("upload.error.json_top_level")

    crs = _geojson_crs(obj) or _WGS84  # RFC 7946: no ``crs`` member means WGS 84 lon/lat
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise UserLayerError("upload.error.no_feature_list")
    elif kind == "Feature":
        features = [obj]
    elif kind in _GEOMETRY_TYPES:
        features = [{"type": "Feature", "geometry": obj, "properties": {}}]
    else:
        raise UserLayerError("upload.error.json_type")
    budget.add_features(len(features))
    _count_geojson_vertices(features, budget)  # before any shapely geometry is built

    geoms: list[BaseGeometry | None] = []
    props: list[dict[str, Any]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise _bad_feature(number)
        geometry = feature.get("geometry")
        properties = feature.get("properties")
        props.append(properties if isinstance(properties, dict) else {})
        if geometry is None:
            stats.no_shape += 1
            geoms.append(None)
            continue
        before = (stats.not_area, stats.too_few_corners)
        try:
            parts = _geojson_polygons(geometry, stats, 0)
        except _Malformed:
            raise _bad_feature(number) from None
        if not parts:
            if before == (stats.not_area, stats.too_few_corners):
                stats.no_shape += 1  # e.g. an empty Polygon or GeometryCollection
            geoms.append(None)
            continue
        geoms.append(parts[0] if len(parts) == 1 else MultiPolygon(parts))
    return _Layer(geoms, props, crs)


def _bad_feature(number: int) -> UserLayerError:
    return UserLayerError("upload.error.bad_feature", number=str(number))


_GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
)


def _count_geojson_vertices(features: list[Any], budget: _Budget) -> None:
    """Count the positions of every geometry (malformed parts count as what they hold)."""
    total = 0
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        stack = [(geometry, 0)]
        while stack:
            geom, depth = stack.pop()
            if not isinstance(geom, dict):
                continue
            if geom.get("type") == "GeometryCollection":
                if depth >= MAX_COLLECTION_DEPTH:
                    raise UserLayerError(_TOO_DEEP)
                members = geom.get("geometries")
                if isinstance(members, list):
                    stack.extend((member, depth + 1) for member in members)
                continue
            coords = geom.get("coordinates")
            if not isinstance(coords, list):
                continue
            kind = geom.get("type")
            if kind == "Point":
                total += 1
            elif kind in ("MultiPoint", "LineString"):
                total += len(coords)
            elif kind in ("MultiLineString", "Polygon"):
                total += sum(len(ring) if isinstance(ring, list) else 1 for ring in coords)
            elif kind == "MultiPolygon":
                for polygon in coords:
                    if isinstance(polygon, list):
                        total += sum(len(ring) if isinstance(ring, list) else 1 for ring in polygon)
            if total > MAX_VERTICES:
                break
        budget.add_vertices(total)
        total = 0


def _geojson_polygons(geom: Any, stats: _Stats, depth: int) -> list[Polygon]:
    """The polygons of a GeoJSON geometry object; points and lines are counted and left out."""
    if not isinstance(geom, dict):
        raise _Malformed
    kind = geom.get("type")
    if kind == "GeometryCollection":
        if depth >= MAX_COLLECTION_DEPTH:
            raise UserLayerError(_TOO_DEEP)
        members = geom.get("geometries")
        if not isinstance(members, list):
            raise _Malformed
        out: list[Polygon] = []
        for member in members:
            out.extend(_geojson_polygons(member, stats, depth + 1))
        return out
    if kind not in _GEOMETRY_TYPES:
        raise _Malformed
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        raise _Malformed
    if kind == "Polygon":
        polys = [_geojson_polygon(coords, stats)]
    elif kind == "MultiPolygon":
        polys = [_geojson_polygon(c, stats) for c in coords]
    else:  # points and lines: leave them out
        stats.not_area += 1
        return []
    return [p for p in polys if isinstance(p, Polygon) and not p.is_empty]


def _geojson_polygon(rings: Any, stats: _Stats) -> Polygon | None | bool:
    """A shapely Polygon; None if empty; False if it had too few corners (counted, left out)."""
    if not isinstance(rings, list):
        raise _Malformed
    if not rings:
        return None
    shell: np.ndarray | None = None
    holes: list[np.ndarray] = []
    for index, ring in enumerate(rings):
        coords = _ring_coords(ring)
        if len(coords) and (coords[0] != coords[-1]).any():
            coords = np.vstack([coords, coords[:1]])
        usable = len(coords) >= 4
        if index == 0:
            if not usable:
                stats.too_few_corners += 1
                return False
            shell = coords
        elif usable:
            holes.append(coords)
        else:
            stats.too_few_corners += 1
    return _make_polygon(shell, holes)


def _make_polygon(shell: np.ndarray, holes: list[np.ndarray]) -> Polygon:
    interiors = [shapely.linearrings(h) for h in holes]
    return shapely.polygons(shapely.linearrings(shell), holes=interiors or None)


def _ring_coords(ring: Any) -> np.ndarray:
    """(n, 2) float array of a ring's [x, y, ...] positions; extra values (altitude) are ignored."""
    if not isinstance(ring, list):
        raise _Malformed
    if not all(type(p) is list and len(p) >= 2 for p in ring):
        raise _Malformed
    kinds = {type(p[0]) for p in ring} | {type(p[1]) for p in ring}
    if not kinds <= {int, float}:  # bool, str, None, list ... (json gives exactly int/float)
        raise _Malformed
    try:
        coords = np.array([p[:2] for p in ring], dtype=float).reshape(-1, 2)
    except OverflowError:  # an integer with hundreds of digits
        raise UserLayerError(_NOT_NUMBERS) from None
    if not np.isfinite(coords).all():
        raise UserLayerError(_NOT_NUMBERS)
    return coords


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_CRS_NAME = re.compile(
    r"(?:urn:ogc:def:crs:(?P<a1>EPSG|OGC|ESRI):[0-9.]*:(?P<c1>[A-Za-z0-9]{1,20})"
    r"|https?://www\.opengis\.net/def/crs/(?P<a2>EPSG|OGC|ESRI)/[0-9.]+/(?P<c2>[A-Za-z0-9]{1,20})"
    r"|(?P<a3>EPSG|OGC|ESRI)::?(?P<c3>[A-Za-z0-9]{1,20}))",
    re.IGNORECASE,
)


def _geojson_crs(obj: dict[str, Any]) -> CRS | None:
    """The legacy (2008 GeoJSON) ``crs`` member; None means RFC 7946 WGS 84 longitude/latitude."""
    if "crs" not in obj or obj["crs"] is None:
        return None
    member = obj["crs"]
    props = member.get("properties") if isinstance(member, dict) else None
    if not isinstance(props, dict):
        raise UserLayerError(_CRS_UNREADABLE, hint="crs")
    kind = member.get("type")
    auth = code = None
    if kind == "name" and isinstance(props.get("name"), str):
        match = _CRS_NAME.fullmatch(props["name"].strip())
        if match:
            auth = match["a1"] or match["a2"] or match["a3"]
            code = match["c1"] or match["c2"] or match["c3"]
    elif kind == "EPSG" and (_is_number(props.get("code")) or isinstance(props.get("code"), str)):
        auth, code = "EPSG", str(props.get("code"))
    if auth is None or code is None or not re.fullmatch(r"[A-Za-z0-9]{1,20}", code):
        raise UserLayerError(_CRS_UNREADABLE, hint="crs")
    try:
        return CRS.from_authority(auth.upper(), code.upper() if auth.upper() == "OGC" else code)
    except (CRSError, ProjError, ValueError, TypeError):
        raise UserLayerError(_CRS_UNREADABLE, hint=f"{auth.upper()}:{code}") from None


# --- zipped shapefile -------------------------------------------------------------------------
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _unsafe_member_name(name: str) -> bool:
    if not name or "\x00" in name or ":" in name:  # drive letters, alternate data streams
        return True
    norm = name.replace("\\", "/")
    if norm.startswith("/"):
        return True
    return any(part == ".." for part in norm.split("/"))


def _extract_shapefile(data: bytes, tmpdir: Path) -> Path:
    """Check the whole archive, then extract the shapefile's members as tmpdir/upload.*"""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, IndexError):
        raise _damaged("zip", "bad zip") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise UserLayerError("upload.error.zip_too_many_files", limit=MAX_ZIP_MEMBERS)
        total = 0
        for info in infos:
            if _unsafe_member_name(info.filename) or _unsafe_member_name(info.orig_filename):
                raise UserLayerError("upload.error.zip_unsafe_name")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UserLayerError("upload.error.zip_link")
            if info.flag_bits & 0x1:
                raise UserLayerError("upload.error.zip_password")
            total += info.file_size
            if total > MAX_UNZIPPED_BYTES:
                raise UserLayerError("upload.error.zip_too_big", mb=MAX_UNZIPPED_BYTES // (1024 * 1024))
            if info.file_size > ZIP_RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise UserLayerError("upload.error.zip_ratio", ratio=MAX_ZIP_RATIO)

        candidates = [
            i for i in infos
            if not i.is_dir()
            and not i.filename.replace("\\", "/").startswith("__MACOSX/")
            and not i.filename.replace("\\", "/").rsplit("/", 1)[-1].startswith(".")
        ]
        shps = [i for i in candidates if i.filename.lower().endswith(".shp")]
        if not shps:
            raise UserLayerError("upload.error.zip_no_shapefile", accepted=_ACCEPTED)
        if len(shps) > 1:
            raise UserLayerError("upload.error.zip_several_shapefiles")
        stem = shps[0].filename[:-4].lower()
        members = {}
        for ext in _SHAPEFILE_PARTS:
            matches = [i for i in candidates if i.filename.lower() == stem + ext]
            if len(matches) > 1:
                raise UserLayerError("upload.error.zip_same_file_twice")
            if matches:
                members[ext] = matches[0]
        missing = [ext for ext in (".shx", ".dbf") if ext not in members]
        if len(missing) > 1:
            raise UserLayerError("upload.error.shapefile_missing_parts", first=missing[0], second=missing[1])
        if missing:
            raise UserLayerError("upload.error.shapefile_missing_part", part=missing[0])
        for ext, info in members.items():
            try:
                _copy_member(archive, info, tmpdir / f"upload{ext}")
            except UserLayerError:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as exc:
                # bad CRC, broken deflate stream, unsupported compression (NotImplementedError) ...
                raise _damaged("zip", type(exc).__name__) from None
    return tmpdir / "upload.shp"


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    written = 0
    with archive.open(info) as src, open(target, "wb") as dst:
        while True:
            chunk = src.read(64 * 1024)
            if not chunk:
                break
            written += len(chunk)
            if written > info.file_size or written > MAX_UNZIPPED_BYTES:  # lied about its size
                raise UserLayerError("upload.error.zip_size_lied")
            dst.write(chunk)


def _read_shapefile(shp: Path, budget: _Budget, stats: _Stats) -> list[_Layer]:
    prj = shp.with_suffix(".prj")
    crs: CRS | None = None
    if prj.exists():
        raw = prj.read_bytes()[:100_000]
        text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
        try:
            crs = CRS.from_wkt(text)  # WKT only: no PROJ strings, no "+init=" file look-ups
        except (CRSError, ProjError, ValueError, TypeError):
            raise UserLayerError(_CRS_UNREADABLE, hint=".prj") from None
        prj.unlink()  # GDAL never sees the user's .prj: we already know the CRS
    layers = _read_gdal(shp, "zip", budget, stats)
    for layer in layers:
        layer.crs = crs
    return layers


# --- GDAL formats (shapefile, GeoPackage, KML) ------------------------------------------------
def _read_gdal(path: Path, kind: str, budget: _Budget, stats: _Stats) -> list[_Layer]:
    source = str(path)
    try:
        listed = pyogrio.list_layers(source)
    except Exception as exc:  # GDAL/pyogrio on hostile bytes (see the comment below)
        raise _damaged(kind, type(exc).__name__) from None
    if len(listed) > MAX_LAYERS:
        raise UserLayerError("upload.error.too_many_layers", limit=MAX_LAYERS)
    layers: list[_Layer] = []
    for index in range(len(listed)):
        geometry_type = listed[index][1]
        if geometry_type is None:  # a table without shapes
            continue
        try:
            info = pyogrio.read_info(source, layer=index)
            count = int(info.get("features", -1))
            if count > 0:
                budget.add_features(count)
            df = pyogrio.read_dataframe(
                source,
                layer=index,
                force_2d=True,
                on_invalid="ignore",
                max_features=MAX_FEATURES + 1,
                use_arrow=False,
            )
        except UserLayerError:
            raise
        except Exception as exc:
            # pyogrio's own errors are RuntimeErrors, but on damaged files its Cython code also
            # raises other classes (e.g. UnboundLocalError in get_crs for a non-UTF-8 .prj in
            # pyogrio 0.13), so anything from this block means "GDAL could not read the file".
            raise _damaged(kind, type(exc).__name__) from None
        if count <= 0:
            budget.add_features(len(df))
        if not isinstance(df, gpd.GeoDataFrame):
            continue
        raw = np.asarray(df.geometry.array, dtype=object)
        budget.add_vertices(int(shapely.get_num_coordinates(raw).sum()))  # before repair/reprojection
        crs = CRS.from_user_input(df.crs) if df.crs is not None else None
        attributes = df.drop(columns=df.geometry.name)
        props = attributes.to_dict("records") if len(attributes.columns) else [{} for _ in range(len(df))]
        geoms = [_polygonal_only(g, stats) for g in raw]
        drop = _KML_STYLE_COLUMNS if kind == "kml" else frozenset()
        layers.append(_Layer(geoms, props, crs, drop))
    return layers


def _polygonal_only(geom: Any, stats: _Stats) -> BaseGeometry | None:
    before = stats.not_area
    parts = _polygon_parts(geom, stats) if geom is not None else []
    if not parts:
        if stats.not_area == before:
            stats.no_shape += 1
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _polygon_parts(geom: BaseGeometry, stats: _Stats | None = None) -> list[Polygon]:
    """Non-empty polygons inside ``geom`` (iterative, so any nesting is fine)."""
    out: list[Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if g is None or g.is_empty:
            continue
        kind = g.geom_type
        if kind == "Polygon":
            out.append(g)
        elif kind in ("MultiPolygon", "GeometryCollection"):
            stack.extend(reversed(list(shapely.get_parts(g))))
        elif stats is not None:
            stats.not_area += 1
    return out


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


def _to_wgs84(geoms: np.ndarray, crs: CRS, stats: _Stats) -> np.ndarray:
    try:
        transformer = Transformer.from_crs(crs, _WGS84, always_xy=True)
    except (CRSError, ProjError, ValueError, TypeError):
        raise UserLayerError(_CRS_UNREADABLE) from None

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    try:
        out = shapely.transform(geoms, project)
    except (ProjError, ValueError, TypeError, shapely.errors.ShapelyError):
        raise UserLayerError(_NOT_CONVERTIBLE) from None
    try:
        epsg = crs.to_epsg(min_confidence=70)
    except (CRSError, ProjError):
        epsg = None
    stats.converted_from.add(f"EPSG:{epsg}" if epsg else "")  # "": the file's own system
    return out


def _check_outline_complexity(geoms: list[BaseGeometry]) -> None:
    """Refuse outlines that would make GEOS slow before any GEOS predicate runs on them.

    ``is_valid`` (and make_valid, union, ...) compare outline segments whose bounding boxes
    overlap. Normal outlines have a handful of such neighbours per segment, but a small hostile
    file can have almost every pair overlap (a 25,000-corner zig-zag "accordion" takes ~20 s in
    ``is_valid``, and it grows with the square of the size). The number of overlapping pairs
    inside each shape is estimated from a random sample of segments, with a few million pairs in
    memory at most. Shapes with fewer than _SMALL_OUTLINE segments cannot be slow and are skipped.
    """
    if not geoms:
        return
    polygons, polygon_geom = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    if len(coords) < 2:
        return
    same = coord_ring[:-1] == coord_ring[1:]
    seg_geom = polygon_geom[ring_polygon[coord_ring[:-1][same]]]
    if len(seg_geom) == 0:
        return
    big = np.bincount(seg_geom)[seg_geom] >= _SMALL_OUTLINE
    if not big.any():
        return
    a, b, seg_geom = coords[:-1][same][big], coords[1:][same][big], seg_geom[big]
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(segments)
    m = len(segments)
    sample = np.random.default_rng().choice(m, size=min(m, _COMPLEXITY_SAMPLE), replace=False)
    scale = m / len(sample)
    chunk = max(1, _MAX_PAIRS_PER_QUERY // m)
    within = between = 0
    for begin in range(0, len(sample), chunk):
        picked = sample[begin:begin + chunk]
        query, found = tree.query(segments[picked])
        inside = int((seg_geom[picked[query]] == seg_geom[found]).sum())
        within += inside
        between += len(query) - inside
        if within * scale > MAX_SEGMENT_CANDIDATES or between * scale > MAX_SEGMENT_CANDIDATES_BETWEEN:
            raise UserLayerError(_TOO_COMPLEX)


def _self_crossings(geom: BaseGeometry) -> int:
    """How many pairs of outline segments of ``geom`` touch or cross (ring neighbours excluded).

    make_valid's running time grows much faster than this number (a random 1,000-corner outline,
    ~100,000 crossings, takes several seconds), so _repair checks it first. Counting is itself
    kept cheap: the number of segment pairs with overlapping bounding boxes is first estimated
    from a random sample (never more than a few million pairs in memory) and must stay under
    MAX_SEGMENT_CANDIDATES; only then are all candidate pairs listed and tested with numpy.
    """
    polygons = shapely.get_parts(geom)
    rings = shapely.get_rings(polygons)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[:-1] == coord_ring[1:]
    a, b, seg_ring = coords[:-1][same], coords[1:][same], coord_ring[:-1][same]
    m = len(seg_ring)
    if m < 4:
        return 0
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(segments)

    rng = np.random.default_rng()  # unpredictable, so a file cannot hide dense parts from it
    sample = rng.choice(m, size=min(m, _CROSSING_SAMPLE), replace=False)
    chunk = max(1, _MAX_PAIRS_PER_QUERY // m)
    seen = 0
    for begin in range(0, len(sample), chunk):
        seen += len(tree.query(segments[sample[begin:begin + chunk]])[0])
        if seen * (m / len(sample)) > MAX_SEGMENT_CANDIDATES:
            raise UserLayerError(_TOO_TANGLED)

    left, right = tree.query(segments)
    keep = left < right  # each unordered pair once, never a segment with itself
    left, right = left[keep], right[keep]
    first = np.searchsorted(seg_ring, seg_ring, side="left")  # rings are contiguous
    last = np.searchsorted(seg_ring, seg_ring, side="right") - 1
    neighbours = (seg_ring[left] == seg_ring[right]) & (
        (right - left == 1) | ((left == first[left]) & (right == last[left]))
    )
    left, right = left[~neighbours], right[~neighbours]
    crossings = 0
    for begin in range(0, len(left), 1_000_000):
        i, j = left[begin:begin + 1_000_000], right[begin:begin + 1_000_000]
        p, q, r, t = a[i], b[i], a[j], b[j]
        d1, d2 = _orient(r, t, p), _orient(r, t, q)
        d3, d4 = _orient(p, q, r), _orient(p, q, t)
        # with overlapping boxes (all candidates have them) this is "touch or cross"
        crossings += int(((d1 * d2 <= 0) & (d3 * d4 <= 0)).sum())
    return crossings


def _orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))


def _repair(geom: BaseGeometry, stats: _Stats) -> BaseGeometry | None:
    """A valid, non-empty Polygon/MultiPolygon, or None (counted)."""
    if geom.is_valid:
        return geom
    stats.self_crossings += _self_crossings(geom)
    if stats.self_crossings > MAX_SELF_CROSSINGS:
        raise UserLayerError(_TOO_TANGLED)
    stats.repaired += 1
    # "structure" keeps the area a student meant: overlapping parts are merged, not cut out.
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = _polygon_parts(fixed)
    candidate: BaseGeometry | None = None
    if len(parts) == 1:
        candidate = parts[0]
    elif parts:
        candidate = MultiPolygon(parts)
        if not candidate.is_valid:  # e.g. overlapping members of a collection
            merged = _polygon_parts(shapely.make_valid(shapely.union_all(parts)))
            candidate = merged[0] if len(merged) == 1 else (MultiPolygon(merged) if merged else None)
    if candidate is None or candidate.is_empty or not candidate.is_valid:
        stats.emptied_by_repair += 1
        return None
    return candidate


def _finish(layers: list[_Layer], budget: _Budget, stats: _Stats) -> gpd.GeoDataFrame:
    kept_geoms: list[BaseGeometry] = []
    kept_props: list[dict[str, Any]] = []
    drop_keys: set[str] = set()
    for layer in layers:
        geoms = np.empty(len(layer.geoms), dtype=object)
        geoms[:] = layer.geoms
        coords = shapely.get_coordinates(geoms)
        if coords.size and not (np.abs(coords) <= MAX_ABS_COORDINATE).all():  # also catches NaN
            raise UserLayerError(_NOT_NUMBERS)
        crs = layer.crs
        if crs is None:  # a shapefile without .prj, a GeoPackage without a known CRS
            if not _lonlat_ok(coords):
                raise UserLayerError(_CRS_MISSING)
            if coords.size:
                stats.assumed_lonlat = True
        elif crs is not None and not _is_wgs84(crs):
            geoms = _to_wgs84(geoms, crs, stats)
            coords = shapely.get_coordinates(geoms)
            if coords.size and not np.isfinite(coords).all():
                raise UserLayerError(_NOT_CONVERTIBLE)
        if not _lonlat_ok(coords):
            raise UserLayerError(_OUT_OF_RANGE)
        drop_keys |= layer.drop_keys
        for geom, props in zip(geoms, layer.props):
            if geom is not None and not geom.is_empty:
                kept_geoms.append(geom)
                kept_props.append(props)

    _check_outline_complexity(kept_geoms)  # before the first is_valid
    repaired = [_repair(geom, stats) for geom in kept_geoms]
    kept_props = [props for props, geom in zip(kept_props, repaired) if geom is not None]
    kept_geoms = [geom for geom in repaired if geom is not None]

    if not kept_geoms:
        if stats.not_area:
            raise UserLayerError(_ONLY_POINTS_LINES)
        if stats.too_few_corners or stats.emptied_by_repair:
            raise UserLayerError(_NO_USABLE_AREAS)
        raise UserLayerError(_NO_SHAPES)

    names = [_feature_name(props, number, stats) for number, props in enumerate(kept_props, start=1)]
    columns = _attribute_columns(kept_props, drop_keys, stats)
    table: dict[str, list[str]] = {"name": names}
    for label, key in columns:
        table[label] = [_to_text(props.get(key), stats) for props in kept_props]
    gdf = gpd.GeoDataFrame(table, geometry=kept_geoms, crs=DISPLAY_CRS)
    gdf.attrs["repaired"] = stats.repaired
    gdf.attrs["notes"] = _notes(stats)
    return gdf


def _feature_name(props: dict[str, Any], number: int, stats: _Stats) -> str:
    for key in _NAME_KEYS:
        if key in props:
            text = _to_text(props[key], stats)
            if text.strip():
                return text
    return f"Area {number}"


def _attribute_columns(
    rows: list[dict[str, Any]], drop_keys: Iterable[str], stats: _Stats
) -> list[tuple[str, str]]:
    """(column label, property key) for the first MAX_COLUMNS keys that have any value.

    name/Name/NAME are left out: they are what the ``name`` column is made from.
    """
    skip = set(drop_keys)
    order: dict[str, None] = {}
    for props in rows:
        for key in props:
            if key in order or key in skip:
                continue
            if str(key).lower() == "name":
                skip.add(key)
            elif not _is_blank(props[key]):
                order[key] = None
    keys = list(order)
    if len(keys) > MAX_COLUMNS:
        stats.dropped_columns = True
        keys = keys[:MAX_COLUMNS]
    used = {"name", "geometry"}
    out = []
    for key in keys:
        label = _clean_text(str(key))[:MAX_TEXT_CHARS].strip() or "unnamed"
        if label.lower() in ("geometry", "name"):
            label = f"{label} (property)"
        base, n = label, 2
        while label in used:
            label = f"{base} ({n})"
            n += 1
        used.add(label)
        out.append((label, key))
    return out


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _clean_text(text: str) -> str:
    # Lone surrogates (legal in JSON escapes) cannot be sent to a browser: replace them.
    return text.encode("utf-8", "replace").decode("utf-8")


def _to_text(value: Any, stats: _Stats) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, (dict, list, tuple)):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError, TypeError, OverflowError):
            text = "(nested data)"
    else:
        try:
            text = str(value)
        except (ValueError, TypeError, OverflowError, RecursionError):
            text = "(unreadable value)"
    text = _clean_text(text)
    if len(text) > MAX_TEXT_CHARS:
        stats.truncated += 1
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    return text


def _notes(stats: _Stats) -> list[Message]:
    """What the reader changed or left out, as untranslated messages (the UI shows them in its language)."""
    notes: list[Message] = []
    for source in sorted(stats.converted_from, key=lambda code: (not code, code)):
        if source:
            notes.append(Message("upload.note.converted", {"source": source}))
        else:
            notes.append(Message("upload.note.converted_own_system"))
    if stats.assumed_lonlat:
        notes.append(Message("upload.note.assumed_lonlat"))
    counted = (
        ("upload.note.repaired", stats.repaired),
        ("upload.note.emptied_by_repair", stats.emptied_by_repair),
        ("upload.note.not_area", stats.not_area),
        ("upload.note.too_few_corners", stats.too_few_corners),
        ("upload.note.no_shape", stats.no_shape),
    )
    notes += [Message(key, count=n) for key, n in counted if n]
    if stats.dropped_columns:
        notes.append(Message("upload.note.dropped_columns", {"limit": MAX_COLUMNS}))
    if stats.truncated:
        notes.append(Message("upload.note.truncated", {"limit": MAX_TEXT_CHARS}, count=stats.truncated))
    return notes
