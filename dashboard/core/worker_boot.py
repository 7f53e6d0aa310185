"""First module of the worker pool's fork server (``dashboard.core.bounded``); never imported by the server.

multiprocessing starts each worker by telling it to import its parent's ``__main__`` module.
In the Streamlit server that module is the app script itself (Streamlit runs ``app.py`` as
``__main__``), so every new worker would run the whole app in "bare mode": seconds of start-up and
dozens of "missing ScriptRunContext" warnings in the server log. The fork server imports this
module before it forks any worker, and it makes the workers skip that step: a worker imports only
what its tasks need (``bounded.PRELOAD``, imported here once for all workers) and never
streamlit. The change is made only in the fork server's own process (started as ``python -c``),
never in the server.
"""
from __future__ import annotations

import importlib
import multiprocessing.spawn
import sys
from typing import Any

_MAIN_KEYS = ("init_main_from_name", "init_main_from_path")
_prepare = multiprocessing.spawn.prepare


def _prepare_without_main(data: dict[str, Any]) -> None:
    _prepare({key: value for key, value in data.items() if key not in _MAIN_KEYS})


def _in_fork_server() -> bool:
    return sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules


if _in_fork_server():
    multiprocessing.spawn.prepare = _prepare_without_main
    from dashboard.core.bounded import PRELOAD

    for name in PRELOAD:
        importlib.import_module(name)
