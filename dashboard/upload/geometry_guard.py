"""Shapes that would make GEOS slow are refused before GEOS checks them; broken ones are repaired within limits.

``is_valid`` (and make_valid, union ...) compare outline segments whose bounding boxes overlap:
normal outlines have a handful of such neighbours per segment, a small hostile file almost all
pairs. Both checks here estimate that number from a random sample (unpredictable, so a file
cannot hide dense parts from it) with a few million pairs in memory at most.

Not guarded here: ``shapely.union_all`` of several *valid* shapes that cross each other very
often (two interleaved combs of a few hundred teeth take seconds, more teeth take minutes).
Measuring an upload dissolves it, so it runs in the bounded worker (``dashboard.core.bounded``).
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from dashboard.upload.errors import TOO_COMPLEX, TOO_TANGLED, TOO_WIDE, UserLayerError
from dashboard.upload.layer import polygon_parts
from dashboard.upload.limits import (
    MAX_LONGITUDE_SPAN, MAX_SEGMENT_CANDIDATES, MAX_SEGMENT_CANDIDATES_BETWEEN, MAX_SELF_CROSSINGS,
)
from dashboard.upload.messages import Stats

_SMALL_OUTLINE = 256  # segments; smaller shapes are always cheap
_MAX_PAIRS_PER_QUERY = 4_000_000
_CROSSING_SAMPLE = 1_000
_COMPLEXITY_SAMPLE = 2_000


def check_longitude_span(geoms: list[BaseGeometry]) -> None:
    """Refuse a shape wider than 180 degrees of longitude (in WGS 84).

    Such a shape either crosses the 180th meridian, where a ring going east from 170 E to 170 W is
    written as a band 340 degrees wide around the rest of the globe, or covers half the Earth.
    Measured as written, both give a size that has nothing to do with what was meant.
    """
    if not geoms:
        return
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    if ((bounds[:, 2] - bounds[:, 0]) > MAX_LONGITUDE_SPAN).any():
        raise UserLayerError(TOO_WIDE, limit=int(MAX_LONGITUDE_SPAN))


def check_outline_complexity(geoms: list[BaseGeometry]) -> None:
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
            raise UserLayerError(TOO_COMPLEX)


def self_crossings(geom: BaseGeometry) -> int:
    """How many pairs of outline segments of ``geom`` touch or cross (ring neighbours excluded).

    make_valid's running time grows much faster than this number (a random 1,000-corner outline,
    ~100,000 crossings, takes several seconds), so repair checks it first. Counting is itself
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
            raise UserLayerError(TOO_TANGLED)

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


def repair(geom: BaseGeometry, stats: Stats) -> BaseGeometry | None:
    """A valid, non-empty Polygon/MultiPolygon, or None (counted)."""
    if geom.is_valid:
        return geom
    stats.self_crossings += self_crossings(geom)
    if stats.self_crossings > MAX_SELF_CROSSINGS:
        raise UserLayerError(TOO_TANGLED)
    stats.repaired += 1
    # "structure" keeps the area a student meant: overlapping parts are merged, not cut out.
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = polygon_parts(fixed)
    candidate: BaseGeometry | None = None
    if len(parts) == 1:
        candidate = parts[0]
    elif parts:
        candidate = MultiPolygon(parts)
        if not candidate.is_valid:  # e.g. overlapping members of a collection
            merged = polygon_parts(shapely.make_valid(shapely.union_all(parts)))
            candidate = merged[0] if len(merged) == 1 else (MultiPolygon(merged) if merged else None)
    if candidate is None or candidate.is_empty or not candidate.is_valid:
        stats.emptied_by_repair += 1
        return None
    return candidate
