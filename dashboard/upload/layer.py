"""What each format reader returns (``Layer``), and how a shape is narrowed to its areas."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from dashboard.upload.messages import Stats


@dataclass
class Layer:
    """Polygonal geometries (or None) with their raw properties and declared CRS."""

    geoms: list[BaseGeometry | None]
    props: list[dict[str, Any]]
    crs: CRS | None  # None: the file does not say
    drop_keys: frozenset[str] = frozenset()


def polygonal_only(geom: Any, stats: Stats) -> BaseGeometry | None:
    """The areas of ``geom`` as one Polygon/MultiPolygon; None (counted) if it has none."""
    before = stats.not_area
    parts = polygon_parts(geom, stats) if geom is not None else []
    if not parts:
        if stats.not_area == before:
            stats.no_shape += 1
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def polygon_parts(geom: BaseGeometry, stats: Stats | None = None) -> list[Polygon]:
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
