"""A user's area is measured in a worker with a time limit; pathological shapes cannot hang the server."""
from __future__ import annotations

import time

import pytest
import shapely
import shapely.affinity

from dashboard.core import stats
from dashboard.core.bounded import AreaTooComplexError, measure_area
from dashboard.core.paths import REPO_ROOT

DATA = str(REPO_ROOT / "data")


def _comb(teeth: int, rotate: bool) -> shapely.Geometry:
    """An outline with many narrow teeth; two crossed combs are slow to dissolve."""
    x0, y0, width, height = 131.0, 43.0, 0.5, 0.5
    step = width / teeth
    points = []
    for i in range(teeth):
        x = x0 + i * step
        points += [(x, y0), (x + step * 0.5, y0 + height), (x + step * 0.5 + 1e-9, y0 + height), (x + step, y0)]
    points += [(x0 + width, y0 - 0.01), (x0, y0 - 0.01)]
    comb = shapely.make_valid(shapely.Polygon(points))
    return shapely.affinity.rotate(comb, 90, origin=(x0 + width / 2, y0 + height / 2)) if rotate else comb


def test_measurement_matches_the_in_process_statistics(atlas) -> None:
    box = shapely.box(131.0, 42.9, 131.4, 43.3)
    result = measure_area([box], DATA)
    assert result["area_km2"] == pytest.approx(stats.area_km2(box), rel=1e-6)
    assert result["added_km2"] == pytest.approx(stats.added_protection_km2(box, atlas), rel=1e-6)
    by_id = {row["id"]: row for row in result["report"]}
    assert by_id["pa_land_of_the_leopard"]["overlap_km2"] > 0


def test_overlapping_parts_are_counted_once() -> None:
    a, b = shapely.box(131.0, 43.0, 131.2, 43.2), shapely.box(131.1, 43.0, 131.3, 43.2)
    assert measure_area([a, b], DATA)["area_km2"] == pytest.approx(stats.area_km2(shapely.union_all([a, b])), rel=1e-6)


def test_a_pathological_area_times_out_and_the_worker_recovers() -> None:
    measure_area([shapely.box(131.0, 43.0, 131.1, 43.1)], DATA)  # warm worker: the limit measures work only
    combs = [_comb(300, False), _comb(300, True)]
    started = time.monotonic()
    with pytest.raises(AreaTooComplexError):
        measure_area(combs, DATA, limit=0.3)
    assert time.monotonic() - started < 5
    # a fresh worker serves the next request
    assert measure_area([shapely.box(131.0, 43.0, 131.1, 43.1)], DATA)["area_km2"] > 0
