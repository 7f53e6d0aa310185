"""Area statistics, always in an equal-area CRS and after dissolving overlaps."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from dashboard.core.crs import DISPLAY_CRS, EQUAL_AREA_CRS
from dashboard.core.loaders import Atlas

_TO_EQUAL_AREA = Transformer.from_crs(DISPLAY_CRS, EQUAL_AREA_CRS, always_xy=True)


def to_equal_area(geom: BaseGeometry) -> BaseGeometry:
    """Reproject a lon/lat geometry into the equal-area CRS (metres)."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_EQUAL_AREA.transform(xy[:, 0], xy[:, 1])))


def area_km2(geom: BaseGeometry | None) -> float:
    """Area of a lon/lat geometry in km²."""
    if geom is None or geom.is_empty:
        return 0.0
    return to_equal_area(geom).area / 1e6


def dissolve(geoms: Iterable[BaseGeometry]) -> BaseGeometry:
    """Union of geometries, so overlapping designations are counted once (Protected Planet's rule)."""
    parts = [g for g in geoms if g is not None and not g.is_empty]
    if not parts:
        return shapely.Polygon()
    return shapely.make_valid(shapely.union_all(parts))


def feature_geometry(feature: dict[str, Any]) -> BaseGeometry:
    return shape(feature["geometry"])


def share_covered(part: BaseGeometry, whole: BaseGeometry) -> float:
    """Fraction (0–1) of ``whole`` covered by ``part``."""
    whole_area = area_km2(whole)
    if whole_area == 0:
        return 0.0
    return area_km2(part.intersection(whole)) / whole_area


def era_geometry(atlas: Atlas, era_id: str) -> BaseGeometry | None:
    layer = atlas.range_layer()
    feature = layer.feature(era_id) if layer else None
    return feature_geometry(feature) if feature else None


def protected_geometry(atlas: Atlas, include_former: bool = False) -> BaseGeometry:
    """All current protected areas of every protected-area layer, dissolved."""
    geoms = []
    for layer in atlas.layers_with_role("protected_area"):
        for feature in layer.geojson["features"]:
            if include_former or feature["properties"].get("status", "current") == "current":
                geoms.append(feature_geometry(feature))
    return dissolve(geoms)


def area_by_admin(geom: BaseGeometry, atlas: Atlas) -> pd.DataFrame:
    """Area of ``geom`` in each basemap unit (country, province), largest first."""
    columns = ["country", "unit_id", "name_en", "name_ru", "name_zh", "area_km2", "share"]
    rows = []
    total = area_km2(geom)
    for layer in atlas.layers_with_role("basemap"):
        for feature in layer.geojson["features"]:
            unit = feature_geometry(feature)
            if not unit.intersects(geom):
                continue
            km2 = area_km2(unit.intersection(geom))
            if km2 < 0.5:
                continue
            props = feature["properties"]
            rows.append({"country": props.get("country"), "unit_id": props["id"], "name_en": props.get("name_en"),
                         "name_ru": props.get("name_ru"), "name_zh": props.get("name_zh"),
                         "area_km2": km2, "share": km2 / total if total else 0.0})
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("area_km2", ascending=False, ignore_index=True)


def area_by_country(geom: BaseGeometry, atlas: Atlas) -> pd.DataFrame:
    by_unit = area_by_admin(geom, atlas)
    grouped = by_unit.groupby("country", as_index=False)[["area_km2", "share"]].sum()
    return grouped.sort_values("area_km2", ascending=False, ignore_index=True)


def era_summary(atlas: Atlas) -> pd.DataFrame:
    """One row per range era: computed and published area, share of c. 1900 kept, share protected."""
    eras = atlas.eras()
    layer = atlas.range_layer()
    if not eras or layer is None:
        return pd.DataFrame(columns=["id", "era_label", "year_from", "year_to", "area_km2", "published_area_km2",
                                     "share_of_c1900", "protected_share", "confidence", "source_ids"])
    historical = layer.spec.context_feature or eras[0]["id"]
    historical_geom = era_geometry(atlas, historical)
    protected = protected_geometry(atlas)
    rows = []
    for props in eras:
        geom = era_geometry(atlas, props["id"])
        rows.append({
            "id": props["id"], "era_label": props.get("era_label"), "era_label_ru": props.get("era_label_ru"),
            "era_label_zh": props.get("era_label_zh"), "year_from": props["year_from"],
            "year_to": props["year_to"], "area_km2": area_km2(geom),
            "published_area_km2": props.get("published_area_km2"),
            "share_of_c1900": share_covered(geom, historical_geom) if historical_geom is not None else None,
            "protected_share": share_covered(protected, geom),
            "confidence": props.get("confidence"), "source_ids": props.get("source_ids", []),
        })
    return pd.DataFrame(rows)


def overlap_report(area: BaseGeometry, atlas: Atlas) -> pd.DataFrame:
    """For a user's area: overlap with every range era and protected area (km² and % of the area)."""
    total = area_km2(area)
    rows = []
    for layer in atlas.layers.values():
        if layer.spec.role not in ("range", "protected_area"):
            continue
        for feature in layer.geojson["features"]:
            geom = feature_geometry(feature)
            km2 = area_km2(geom.intersection(area)) if geom.intersects(area) else 0.0
            props = feature["properties"]
            rows.append({"layer": layer.spec.id, "role": layer.spec.role, "id": props["id"],
                         "name_en": props.get("name_en"), "name_ru": props.get("name_ru"),
                         "name_zh": props.get("name_zh"), "overlap_km2": km2,
                         "share_of_area": km2 / total if total else 0.0})
    return pd.DataFrame(rows, columns=["layer", "role", "id", "name_en", "name_ru", "name_zh",
                                       "overlap_km2", "share_of_area"])


def added_protection_km2(area: BaseGeometry, atlas: Atlas, era_id: str = "range_present") -> float:
    """Present range inside ``area`` that is not already protected (overlaps dissolved first)."""
    present = era_geometry(atlas, era_id)
    if present is None:
        return 0.0
    unprotected = present.difference(protected_geometry(atlas))
    return area_km2(unprotected.intersection(area))
