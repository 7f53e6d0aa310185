"""Work on untrusted input (reading an upload, measuring an area) in killable worker processes.

Reading a crafted file or dissolving a crafted shape can take GEOS, GDAL or SQLite minutes and
gigabytes. Such work never runs in the server process: it runs in a small pool of worker
processes (``pebble.ProcessPool``), each task with its own limits:

* **CPU time**, counted from when the task starts running (never while it waits in the queue):
  the worker sets its own ``RLIMIT_CPU`` soft limit to what it has used so far plus the task's
  allowance, and the kernel ends the worker with SIGXCPU when it is spent, even inside C code.
  CPU time, not wall time, so a busy machine does not turn a small task into a refusal.
* **Wall time**, as a backstop (a task blocked on something): pebble kills the worker of a task
  that has been running longer than that. A timeout kills only the worker running that task.
* **Memory**: each worker caps its address space (``RLIMIT_AS``) at its size after start-up plus
  ``memory_mb``; an allocation past it fails in that worker only.
* **Waiting**: a task that has not started within ``queue_seconds`` is cancelled ("busy").

A worker that dies (the OOM killer, a crash in a C library) is replaced by pebble; a pool that
is broken is replaced here; either way the task is tried once more, then reported. No lock is
held while work runs. Workers run at a lower priority (``nice``) so the server's own page runs
win the CPU, and are recycled after ``max_tasks`` tasks.

Workers start from a fork server (on Linux and macOS) that has imported only the modules the
work needs (``PRELOAD``, see ``worker_boot``), never the server's main module (in Streamlit, the
app script): a worker does not import streamlit, so it writes none of Streamlit's "missing
ScriptRunContext" warnings, and a replacement worker starts in a fraction of a second. ``warm(folder)`` starts the workers and loads the atlas in each
before the first request, so start-up is never charged to a task. Where there is no fork server
(Windows), workers are spawned and the CPU and memory limits are not available.

This module never imports streamlit.
"""
from __future__ import annotations

import logging
import math
import multiprocessing
import os
import signal
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pebble
import shapely

try:
    import resource
except ImportError:  # Windows: no per-process CPU or memory limits
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

#: What a worker needs, imported once by the fork server (never the server's __main__).
PRELOAD = ("dashboard.upload", "dashboard.core.stats", "dashboard.core.loaders")
# One core is left to the server: 1 worker on 2 cores, 2 from 3 cores up (ATLAS_WORKERS overrides).
WORKERS = max(1, int(os.environ.get("ATLAS_WORKERS", min(2, (os.cpu_count() or 2) - 1))))
MEMORY_MB = 1024  # address space a worker may add to its size after start-up
NICE = int(os.environ.get("ATLAS_WORKER_NICE", "10"))  # a worker yields the CPU to the server's page runs
MAX_TASKS = 100  # tasks before a worker is replaced (keeps memory flat)


@dataclass(frozen=True)
class Limits:
    """Per-task limits: CPU seconds from the task's start, a wall-clock backstop, time allowed in the queue."""

    cpu_seconds: float = 8.0
    wall_seconds: float | None = None  # None: 3 x cpu_seconds + 10
    queue_seconds: float = 60.0

    @property
    def wall(self) -> float:
        return self.wall_seconds if self.wall_seconds is not None else 3 * self.cpu_seconds + 10


MEASURE_LIMITS = Limits(cpu_seconds=8.0)


class WorkFailed(RuntimeError):
    """The work could not be done within its limits; subclasses say why."""


class TooSlow(WorkFailed):
    """The task used up its CPU time (or its wall-clock backstop) and its worker was killed."""


class OutOfMemory(WorkFailed):
    """The task needed more memory than a worker may have."""


class Busy(WorkFailed):
    """The task waited longer than its queue limit for a free worker (other sessions' work)."""


class Crashed(WorkFailed):
    """The worker died twice on this task (or the pool could not be started)."""


# --- in the worker ------------------------------------------------------------------------------
def _virtual_size() -> int | None:
    """This process's address-space size in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _init_worker(memory_mb: int, nice: int, folders: tuple[str, ...]) -> None:
    """Runs once in each new worker, before its first task (none of it counts against a task)."""
    warnings.simplefilter("ignore")  # a worker has one thread: nothing to race with
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    for folder in folders:
        try:
            _worker_atlas(folder)
        except Exception:  # noqa: BLE001  (the task that needs it will report the problem)
            log.warning("the worker could not load the atlas in %s", folder, exc_info=True)
    if resource is None:
        return
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)  # the kernel ends the worker when a task's CPU is spent
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    size = _virtual_size()
    if memory_mb and size is not None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + memory_mb * 1024 * 1024
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _call(function: Callable[..., Any], args: tuple[Any, ...], cpu_seconds: float) -> Any:
    """Runs ``function(*args)`` in the worker with ``cpu_seconds`` of CPU time from now."""
    if resource is None:
        return function(*args)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    try:
        return function(*args)
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def worker_pid() -> int:
    """(In the worker) its process id; tests use it to kill a worker."""
    return os.getpid()


# --- in the server --------------------------------------------------------------------------------
def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["dashboard.core.worker_boot"])  # only before the fork server starts
        return context
    return multiprocessing.get_context("spawn")


class WorkerPool:
    """A pool of worker processes that runs one task per call within ``Limits``, and repairs itself."""

    def __init__(self, workers: int = WORKERS, memory_mb: int = MEMORY_MB, nice: int = NICE,
                 max_tasks: int = MAX_TASKS, warm_folders: tuple[str, ...] = ()) -> None:
        self.workers, self.memory_mb, self.nice, self.max_tasks = workers, memory_mb, nice, max_tasks
        self.warm_folders = warm_folders
        self._lock = threading.Lock()  # guards only the creation and replacement of the pool
        self._pool: pebble.ProcessPool | None = None

    def _current(self) -> pebble.ProcessPool:
        with self._lock:
            if self._pool is not None and not self._pool.active:
                _retire(self._pool)
                self._pool = None
            if self._pool is None:
                self._pool = pebble.ProcessPool(
                    max_workers=self.workers, max_tasks=self.max_tasks, initializer=_init_worker,
                    initargs=(self.memory_mb, self.nice, self.warm_folders), context=_context())
            return self._pool

    def _replace(self, broken: pebble.ProcessPool) -> None:
        with self._lock:
            if self._pool is broken:
                _retire(broken)
                self._pool = None

    def warm(self) -> None:
        """Start the workers now (each loads the warm folders' atlas); does not wait for them."""
        pool = self._current()
        for _ in range(self.workers):
            pool.schedule(worker_pid)

    def run(self, function: Callable[..., Any], *args: Any, limits: Limits = MEASURE_LIMITS) -> Any:
        """``function(*args)`` in a worker, within ``limits``; raises its exception or a ``WorkFailed``."""
        for attempt in (1, 2):
            pool = self._current()
            try:
                future = pool.schedule(_call, args=(function, args, limits.cpu_seconds), timeout=limits.wall)
            except RuntimeError:  # the pool stopped working between two calls
                log.warning("the worker pool was broken; replacing it")
                self._replace(pool)
                continue
            try:
                return _result(future, limits)
            except pebble.ProcessExpired as exc:
                if resource is not None and exc.exitcode == -signal.SIGXCPU:
                    raise TooSlow(f"used more than {limits.cpu_seconds:g} s of CPU") from None
                log.warning("a worker died (exit code %s) on attempt %d", exc.exitcode, attempt)
            except BrokenProcessPool:
                log.warning("the worker pool broke on attempt %d; replacing it", attempt)
                self._replace(pool)
        raise Crashed("the worker died twice")

    def stop(self) -> None:
        with self._lock:
            if self._pool is not None:
                _retire(self._pool)
                self._pool = None


def _result(future: Future, limits: Limits) -> Any:
    done, _ = wait([future], timeout=limits.queue_seconds)
    if not done and not future.running() and future.cancel():
        raise Busy(f"no free worker within {limits.queue_seconds:g} s")
    done, _ = wait([future], timeout=limits.wall + 10)
    if not done:  # pebble's own backstop should have fired: give up on it
        future.cancel()
        raise TooSlow(f"ran longer than {limits.wall:g} s")
    try:
        return future.result()
    except TimeoutError:  # pebble's wall-clock backstop killed the worker
        raise TooSlow(f"ran longer than {limits.wall:g} s") from None
    except CancelledError:
        raise Busy("cancelled") from None
    except MemoryError:
        raise OutOfMemory(f"needed more than {MEMORY_MB} MB") from None


def _retire(pool: pebble.ProcessPool) -> None:
    """Stop a pool without waiting for it here (joining can take a few seconds)."""
    pool.stop()
    threading.Thread(target=pool.join, kwargs={"timeout": 30}, daemon=True, name="atlas-pool-retire").start()


_default: WorkerPool | None = None
_default_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The server's pool, shared by every session."""
    global _default
    with _default_lock:
        if _default is None:
            _default = WorkerPool()
        return _default


def warm(folder: str) -> None:
    """Start the server's workers and load the atlas in ``folder`` in each (call it at start-up)."""
    pool = default_pool()
    if folder not in pool.warm_folders:
        pool.warm_folders = (*pool.warm_folders, folder)  # workers started from now on load it
    pool.warm()


# --- measuring a user's area -------------------------------------------------------------------
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


def area_payload(geoms: list[shapely.Geometry]) -> bytes:
    """The WKB a measurement is made from (and cached by)."""
    return shapely.to_wkb(shapely.GeometryCollection(list(geoms)))


def measure_area(geoms: list[shapely.Geometry], folder: str, limits: Limits = MEASURE_LIMITS,
                 pool: WorkerPool | None = None) -> dict[str, Any]:
    """Measure ``geoms`` (lon/lat polygons) against the atlas in ``folder``, in a worker within ``limits``."""
    return (pool or default_pool()).run(measure, area_payload(geoms), folder, limits=limits)
