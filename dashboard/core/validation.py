"""Validation of GeoJSON layers: every problem names the file, the feature and the field."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from dashboard.core.i18n import DEFAULT_LANGUAGE, LANGUAGES

CONFIDENCE_LEVELS = ("V", "V2", "U", "D")
REGION_BOUNDS = (115.0, 33.0, 145.0, 55.0)  # lon_min, lat_min, lon_max, lat_max
ISO_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

COMMON_FIELDS = ("id", "name_en", "source_ids", "confidence", "method")
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    "range": ("era_label", "year_from", "year_to", "description"),
    "protected_area": ("designation", "country", "status"),
    "basemap": ("country",),
    "points": ("description",),
}
# Prose with optional translations ``<field>_ru`` / ``<field>_zh`` (read with i18n.localized: English fallback).
TRANSLATED_FIELDS = ("description", "method", "designation", "changes")
TRANSLATION_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)
ROLE_GEOMETRIES: dict[str, tuple[str, ...]] = {
    "range": ("Polygon", "MultiPolygon"),
    "protected_area": ("Polygon", "MultiPolygon"),
    "basemap": ("Polygon", "MultiPolygon"),
    "points": ("Point",),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one data file, located as precisely as we can."""

    file: str
    where: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        location = ", ".join(part for part in (self.where, f"field '{self.field}'" if self.field else "") if part)
        return f"{self.file}: {location}: {self.message}" if location else f"{self.file}: {self.message}"


def parse_json(raw: bytes | str, filename: str) -> tuple[Any | None, list[Problem]]:
    """Parse JSON text, turning a syntax error into a Problem with line and column."""
    try:
        return json.loads(raw), []
    except json.JSONDecodeError as err:
        return None, [Problem(filename, f"line {err.lineno}, column {err.colno}", "", f"invalid JSON: {err.msg}")]
    except UnicodeDecodeError as err:
        return None, [Problem(filename, "", "", f"not UTF-8 text: {err.reason}")]


def _check_properties(props: Mapping[str, Any], role: str, where: str, filename: str,
                      known_sources: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    for field in COMMON_FIELDS + ROLE_FIELDS.get(role, ()):
        value = props.get(field)
        if value is None or value == "" or value == []:
            problems.append(Problem(filename, where, field, "missing or empty"))
    for field in TRANSLATED_FIELDS:
        for lang in TRANSLATION_LANGUAGES:
            value = props.get(f"{field}_{lang}")
            if value is not None and not isinstance(value, str):
                problems.append(Problem(filename, where, f"{field}_{lang}", "must be text or null"))
    sources = props.get("source_ids")
    if sources is not None and not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
        problems.append(Problem(filename, where, "source_ids", "must be a list of source id strings"))
    elif sources and known_sources is not None:
        for source_id in sources:
            if source_id not in known_sources:
                problems.append(Problem(filename, where, "source_ids", f"unknown source id '{source_id}' (not in sources.csv)"))
    for field in ("confidence", "facts_confidence"):
        value = props.get(field)
        if value is not None and value not in CONFIDENCE_LEVELS:
            problems.append(Problem(filename, where, field, f"'{value}' is not one of {', '.join(CONFIDENCE_LEVELS)}"))
    if role == "range":
        start, end = props.get("year_from"), props.get("year_to")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            if start is not None and end is not None:
                problems.append(Problem(filename, where, "year_from", "year_from and year_to must be whole numbers"))
        elif start > end:
            problems.append(Problem(filename, where, "year_from", f"year_from {start} is after year_to {end}"))
    if role == "protected_area":
        established = props.get("established")
        if established is not None and not (isinstance(established, str) and ISO_PARTIAL_DATE.match(established)):
            problems.append(Problem(filename, where, "established", f"'{established}' is not a date like 2012-04-05, 2001-12 or 2005"))
        area = props.get("official_area_km2")
        if area is not None and not (isinstance(area, (int, float)) and not isinstance(area, bool) and area > 0):
            problems.append(Problem(filename, where, "official_area_km2", f"'{area}' must be a positive number or null"))
    return problems


def _check_geometry(geometry: Any, role: str, where: str, filename: str) -> tuple[shapely.Geometry | None, list[Problem]]:
    if not isinstance(geometry, Mapping):
        return None, [Problem(filename, where, "geometry", "missing geometry")]
    allowed = ROLE_GEOMETRIES.get(role, ("Polygon", "MultiPolygon", "Point"))
    if geometry.get("type") not in allowed:
        return None, [Problem(filename, where, "geometry", f"type '{geometry.get('type')}' is not allowed here (expected {' or '.join(allowed)})")]
    try:
        geom = shape(geometry)
    except Exception as err:  # shapely raises several types for malformed coordinates
        return None, [Problem(filename, where, "geometry", f"coordinates cannot be read: {err}")]
    if geom.is_empty:
        return None, [Problem(filename, where, "geometry", "geometry is empty")]
    if not geom.is_valid:
        return None, [Problem(filename, where, "geometry", f"invalid geometry: {explain_validity(geom)}")]
    lon_min, lat_min, lon_max, lat_max = REGION_BOUNDS
    x0, y0, x1, y1 = geom.bounds
    if x0 < lon_min or x1 > lon_max or y0 < lat_min or y1 > lat_max:
        return None, [Problem(filename, where, "geometry",
                              f"coordinates outside the region (lon {lon_min:g}–{lon_max:g}, lat {lat_min:g}–{lat_max:g}): "
                              f"bounds are lon {x0:.2f}–{x1:.2f}, lat {y0:.2f}–{y1:.2f}")]
    return geom, []


def validate_feature_collection(obj: Any, filename: str, role: str,
                                known_sources: set[str] | None = None,
                                taken_ids: Iterable[str] = ()) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Return the valid features of a FeatureCollection and the problems of the others.

    A bad feature is dropped and reported; the rest of the layer still loads.
    """
    if not isinstance(obj, Mapping) or obj.get("type") != "FeatureCollection":
        return [], [Problem(filename, "", "type", "expected a GeoJSON FeatureCollection")]
    features = obj.get("features")
    if not isinstance(features, list):
        return [], [Problem(filename, "", "features", "expected a list of features")]
    seen = set(taken_ids)
    good: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(props, Mapping):
            problems.append(Problem(filename, f"feature #{index + 1}", "properties", "missing properties"))
            continue
        feature_id = props.get("id")
        where = f"feature '{feature_id}'" if feature_id else f"feature #{index + 1}"
        feature_problems = _check_properties(props, role, where, filename, known_sources)
        if feature_id in seen:
            feature_problems.append(Problem(filename, where, "id", f"duplicate id '{feature_id}'"))
        geom, geom_problems = _check_geometry(feature.get("geometry"), role, where, filename)
        feature_problems += geom_problems
        if feature_problems:
            problems += feature_problems
            continue
        seen.add(feature_id)
        good.append({"type": "Feature", "properties": dict(props), "geometry": feature["geometry"]})
    return good, problems
