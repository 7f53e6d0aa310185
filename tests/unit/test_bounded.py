"""Work on user input runs in killable workers: per-task limits, a timeout kills only its own task, the pool heals.

Every limit here is passed explicitly and counted in CPU seconds from the task's start, and the
pool is warmed by a fixture, so a loaded machine slows these tests down but does not fail them.
No test asserts how long anything took.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import types
from pathlib import Path

import pytest
import shapely
import shapely.affinity

from dashboard.core import bounded, stats
from dashboard.core.bounded import Limits, WorkerPool, measure_area
from dashboard.core.paths import REPO_ROOT

DATA = str(REPO_ROOT / "data")
BOX = shapely.box(131.0, 42.9, 131.4, 43.3)
GENEROUS = Limits(cpu_seconds=60, queue_seconds=300)  # a loaded machine is slow, not wrong
SPIN = "sum(i for i in range(10**12))"  # burns CPU until stopped


def _comb(teeth: int, rotate: bool) -> shapely.Geometry:
    """An outline with many narrow teeth; two crossed combs are slow to dissolve (300 teeth: ~5 s of CPU)."""
    x0, y0, width, height = 131.0, 43.0, 0.5, 0.5
    step = width / teeth
    points = []
    for i in range(teeth):
        x = x0 + i * step
        points += [(x, y0), (x + step * 0.5, y0 + height), (x + step * 0.5 + 1e-9, y0 + height), (x + step, y0)]
    points += [(x0 + width, y0 - 0.01), (x0, y0 - 0.01)]
    comb = shapely.make_valid(shapely.Polygon(points))
    return shapely.affinity.rotate(comb, 90, origin=(x0 + width / 2, y0 + height / 2)) if rotate else comb


@pytest.fixture
def pool(worker_pool: WorkerPool) -> WorkerPool:
    """The session's warm pool (tests/conftest.py): two workers, started, the atlas loaded."""
    return worker_pool


def _pids(pool: WorkerPool, n: int) -> set[int]:
    """The process ids of ``n`` workers (tasks held open together, so each runs in its own worker)."""
    found: list[int] = []
    hold = "(__import__('time').sleep(1.5), __import__('os').getpid())[1]"
    threads = [threading.Thread(target=lambda: found.append(pool.run(eval, hold, limits=GENEROUS))) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return set(found)


def test_measurement_matches_the_in_process_statistics(pool, atlas) -> None:
    result = measure_area([BOX], DATA, GENEROUS, pool)
    assert result["area_km2"] == pytest.approx(stats.area_km2(BOX), rel=1e-6)
    assert result["added_km2"] == pytest.approx(stats.added_protection_km2(BOX, atlas), rel=1e-6)
    by_id = {row["id"]: row for row in result["report"]}
    assert by_id["pa_land_of_the_leopard"]["overlap_km2"] > 0


def test_overlapping_parts_are_counted_once(pool) -> None:
    a, b = shapely.box(131.0, 43.0, 131.2, 43.2), shapely.box(131.1, 43.0, 131.3, 43.2)
    expected = stats.area_km2(shapely.union_all([a, b]))
    assert measure_area([a, b], DATA, GENEROUS, pool)["area_km2"] == pytest.approx(expected, rel=1e-6)


def test_a_pathological_area_uses_up_its_cpu_time_and_the_next_one_is_measured(pool) -> None:
    combs = [_comb(300, False), _comb(300, True)]
    with pytest.raises(bounded.TooSlow):
        measure_area(combs, DATA, Limits(cpu_seconds=1, queue_seconds=300), pool)
    assert measure_area([BOX], DATA, GENEROUS, pool)["area_km2"] > 0


def test_a_timeout_kills_only_its_own_task(pool) -> None:
    """One session's endless task and another's small one at once: the small one is measured."""
    outcome: dict[str, object] = {}

    def heavy() -> None:
        try:
            pool.run(eval, SPIN, limits=Limits(cpu_seconds=2, queue_seconds=300))
        except bounded.WorkFailed as failure:
            outcome["heavy"] = failure

    thread = threading.Thread(target=heavy)
    thread.start()
    light = [measure_area([BOX], DATA, GENEROUS, pool)["area_km2"] for _ in range(3)]
    thread.join()
    assert isinstance(outcome["heavy"], bounded.TooSlow)
    assert light[0] > 0 and len(set(light)) == 1


def test_waiting_for_a_worker_is_not_charged_to_the_task_and_a_long_wait_is_busy(tmp_path: Path) -> None:
    single = WorkerPool(workers=1, nice=0, warm_folders=(DATA,))
    started = tmp_path / "started"
    hold = f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(4)\n"
    try:
        measure_area([BOX], DATA, GENEROUS, single)
        blocker = threading.Thread(target=single.run, args=(exec, hold),
                                   kwargs={"limits": Limits(cpu_seconds=1, wall_seconds=60, queue_seconds=300)})
        blocker.start()
        for _ in range(6000):  # the only worker is now taken for 4 s
            if started.exists():
                break
            threading.Event().wait(0.05)
        with pytest.raises(bounded.Busy):  # waiting half a second for it is too long for this task
            measure_area([BOX], DATA, Limits(cpu_seconds=5, queue_seconds=0.5), single)
        # this one waits for the worker, then gets a wall-clock limit of 2 s that starts with the task
        assert measure_area([BOX], DATA, Limits(cpu_seconds=2, wall_seconds=2, queue_seconds=300), single)
        blocker.join()
    finally:
        single.stop()


def test_a_killed_worker_is_replaced_and_the_next_measurement_works(pool) -> None:
    for pid in _pids(pool, 2):
        os.kill(pid, signal.SIGKILL)  # what the OOM killer or a crash in a C library does
    assert measure_area([BOX], DATA, GENEROUS, pool)["area_km2"] > 0
    assert measure_area([BOX], DATA, GENEROUS, pool)["area_km2"] > 0


def test_a_worker_that_dies_during_a_task_is_retried_once(pool, tmp_path: Path) -> None:
    marker = tmp_path / "died-once"
    die_once = (f"import os, pathlib, signal\np = pathlib.Path({str(marker)!r})\n"
                "if not p.exists():\n    p.touch()\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    assert pool.run(exec, die_once, limits=GENEROUS) is None and marker.exists()
    with pytest.raises(bounded.Crashed):
        pool.run(exec, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", limits=GENEROUS)
    assert measure_area([BOX], DATA, GENEROUS, pool)["area_km2"] > 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_a_task_that_needs_too_much_memory_fails_alone(pool) -> None:
    with pytest.raises(bounded.OutOfMemory):
        pool.run(eval, f"len(bytearray({bounded.MEMORY_MB + 512} * 1024 * 1024))", limits=GENEROUS)
    assert measure_area([BOX], DATA, GENEROUS, pool)["area_km2"] > 0


def test_workers_never_import_the_servers_main_module_or_streamlit(tmp_path: Path, monkeypatch) -> None:
    """In the server, __main__ is the app script: a worker must not run it (QA D29: 45 warnings)."""
    marker = tmp_path / "imported"
    script = tmp_path / "app_like.py"
    script.write_text(f"import pathlib\npathlib.Path({str(marker)!r}).touch()\nimport streamlit\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    fresh = WorkerPool(workers=1, nice=0)
    try:
        assert fresh.run(eval, "'streamlit' in __import__('sys').modules", limits=GENEROUS) is False
    finally:
        fresh.stop()
    assert not marker.exists()
