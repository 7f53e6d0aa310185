"""GeoJSON uploads (and the map's drawings): parsed with ``json``, counted before any shape is built.

Vertices and nesting are counted on the parsed JSON before shapely sees a coordinate; the legacy
(2008) ``crs`` member is honoured, RFC 7946's WGS 84 longitude/latitude otherwise.
"""
from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from dashboard.upload.errors import CRS_UNREADABLE, NOT_NUMBERS, TOO_DEEP, UserLayerError
from dashboard.upload.layer import Layer
from dashboard.upload.limits import MAX_COLLECTION_DEPTH, MAX_VERTICES, Budget
from dashboard.upload.messages import Stats

WGS84 = CRS.from_epsg(4326)


class Malformed(Exception):
    """A GeoJSON geometry that is not written as the specification says."""


def read(data: bytes, budget: Budget, stats: Stats) -> Layer:
    """The features of a GeoJSON text (FeatureCollection, Feature or bare geometry) as one layer."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserLayerError("upload.error.geojson_not_utf8") from None
    try:
        obj = json.loads(text)
    except RecursionError:
        raise UserLayerError(TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise UserLayerError("upload.error.not_json", line=str(exc.lineno)) from None
    except ValueError:  # e.g. an integer with more than 4300 digits
        raise UserLayerError(NOT_NUMBERS) from None
    if not isinstance(obj, dict):
        raise UserLayerError("upload.error.json_top_level")

    crs = _geojson_crs(obj) or WGS84  # RFC 7946: no ``crs`` member means WGS 84 lon/lat
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
        except Malformed:
            raise _bad_feature(number) from None
        if not parts:
            if before == (stats.not_area, stats.too_few_corners):
                stats.no_shape += 1  # e.g. an empty Polygon or GeometryCollection
            geoms.append(None)
            continue
        geoms.append(parts[0] if len(parts) == 1 else MultiPolygon(parts))
    return Layer(geoms, props, crs)


def _bad_feature(number: int) -> UserLayerError:
    return UserLayerError("upload.error.bad_feature", number=str(number))


_GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
)


def _count_geojson_vertices(features: list[Any], budget: Budget) -> None:
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
                    raise UserLayerError(TOO_DEEP)
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


def _geojson_polygons(geom: Any, stats: Stats, depth: int) -> list[Polygon]:
    """The polygons of a GeoJSON geometry object; points and lines are counted and left out."""
    if not isinstance(geom, dict):
        raise Malformed
    kind = geom.get("type")
    if kind == "GeometryCollection":
        if depth >= MAX_COLLECTION_DEPTH:
            raise UserLayerError(TOO_DEEP)
        members = geom.get("geometries")
        if not isinstance(members, list):
            raise Malformed
        out: list[Polygon] = []
        for member in members:
            out.extend(_geojson_polygons(member, stats, depth + 1))
        return out
    if kind not in _GEOMETRY_TYPES:
        raise Malformed
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        raise Malformed
    if kind == "Polygon":
        polys = [_geojson_polygon(coords, stats)]
    elif kind == "MultiPolygon":
        polys = [_geojson_polygon(c, stats) for c in coords]
    else:  # points and lines: leave them out
        stats.not_area += 1
        return []
    return [p for p in polys if isinstance(p, Polygon) and not p.is_empty]


def _geojson_polygon(rings: Any, stats: Stats) -> Polygon | None | bool:
    """A shapely Polygon; None if empty; False if it had too few corners (counted, left out)."""
    if not isinstance(rings, list):
        raise Malformed
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
        raise Malformed
    if not all(type(p) is list and len(p) >= 2 for p in ring):
        raise Malformed
    kinds = {type(p[0]) for p in ring} | {type(p[1]) for p in ring}
    if not kinds <= {int, float}:  # bool, str, None, list ... (json gives exactly int/float)
        raise Malformed
    try:
        coords = np.array([p[:2] for p in ring], dtype=float).reshape(-1, 2)
    except OverflowError:  # an integer with hundreds of digits
        raise UserLayerError(NOT_NUMBERS) from None
    if not np.isfinite(coords).all():
        raise UserLayerError(NOT_NUMBERS)
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
        raise UserLayerError(CRS_UNREADABLE, hint="crs")
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
        raise UserLayerError(CRS_UNREADABLE, hint="crs")
    try:
        return CRS.from_authority(auth.upper(), code.upper() if auth.upper() == "OGC" else code)
    except (CRSError, ProjError, ValueError, TypeError):
        raise UserLayerError(CRS_UNREADABLE, hint=f"{auth.upper()}:{code}") from None
