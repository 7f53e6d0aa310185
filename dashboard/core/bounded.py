"""Measure a user's area in a worker process with a time limit.

Dissolving crafted shapes (two interleaved combs, say) can take GEOS minutes. A user's area is
therefore measured in one long-lived worker process; if it takes longer than the limit, the
worker is killed and replaced and the caller gets ``AreaTooComplexError``. The server's own
threads are never tied up.
"""
from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely

TIME_LIMIT_SECONDS = 8.0

_lock = threading.Lock()
_executor: ProcessPoolExecutor | None = None


class AreaTooComplexError(RuntimeError):
    """Measuring the area took longer than the time limit."""


@lru_cache(maxsize=2)
def _worker_atlas(folder: str) -> Any:
    from dashboard.core.loaders import load_atlas

    return load_atlas(Path(folder))


def measure(area_wkb: bytes, folder: str) -> dict[str, Any]:
    """(In the worker) size, overlaps and added protection of one area, all from the data in ``folder``."""
    from dashboard.core import stats

    atlas = _worker_atlas(folder)
    parts = [geom for geom in shapely.from_wkb(area_wkb).geoms] if area_wkb else []
    area = shapely.make_valid(shapely.union_all(parts))
    report = stats.overlap_report(area, atlas)
    return {"area_km2": stats.area_km2(area), "added_km2": stats.added_protection_km2(area, atlas),
            "report": report.to_dict("records")}


def _pool() -> ProcessPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _executor


def _kill_pool() -> None:
    global _executor
    if _executor is not None:
        for process in list(getattr(_executor, "_processes", {}).values()):
            process.terminate()
        _executor.shutdown(wait=False, cancel_futures=True)
        _executor = None


def measure_area(geoms: list[shapely.Geometry], folder: str, limit: float = TIME_LIMIT_SECONDS) -> dict[str, Any]:
    """Measure ``geoms`` (lon/lat polygons) against the atlas in ``folder`` within ``limit`` seconds."""
    payload = shapely.to_wkb(shapely.GeometryCollection(list(geoms)))
    with _lock:
        future = _pool().submit(measure, payload, folder)
    try:
        return future.result(timeout=limit)
    except FutureTimeout as err:
        with _lock:
            _kill_pool()
        raise AreaTooComplexError(f"measuring took longer than {limit:g} s") from err
