"""Shared fixtures: the real atlas, and a scratch copy of the data folder to break on purpose."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.core.bounded import Limits, WorkerPool, worker_pid
from dashboard.core.loaders import Atlas, load_atlas
from dashboard.core.paths import REPO_ROOT

DATA_DIR = REPO_ROOT / "data"


@pytest.fixture(scope="session")
def atlas() -> Atlas:
    return load_atlas(DATA_DIR)


@pytest.fixture
def data_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of data/ (tests break files in it)."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    yield target


@pytest.fixture(scope="session")
def worker_pool() -> Iterator[WorkerPool]:
    """Two started worker processes with the atlas loaded, so no test pays for their start-up."""
    pool = WorkerPool(workers=2, nice=0, warm_folders=(str(DATA_DIR),))
    pool.warm()
    pool.run(worker_pid, limits=Limits(cpu_seconds=60, queue_seconds=300))
    yield pool
    pool.stop()
