"""The atlas's web server: Streamlit's ASGI app for ``app.py``, behind the request guard.

Start it with ``python -m dashboard`` (``make run``, the Dockerfile, the deploy pool, the tests and the
benchmarks all do). ``streamlit run dashboard/server.py`` finds the ``app`` below (Streamlit 1.67's
``st.App``) and serves it with uvicorn, with every ``--server.*`` option and ``.streamlit/config.toml``
as usual. ``dashboard/http_guard.py`` says what the guard refuses and which headers it adds.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from streamlit import config  # noqa: E402

from dashboard.http_guard import GuardPolicy, RequestGuard  # noqa: E402

if not hasattr(st, "App"):  # st.App (ASGI) arrived in Streamlit 1.67; requirements.txt pins it
    raise RuntimeError(f"Streamlit {st.__version__} has no st.App: install the version in requirements.txt")

POLICY = GuardPolicy.from_env(os.environ, extra_origins=config.get_option("server.corsAllowedOrigins") or ())



@asynccontextmanager
async def stop_worker_processes(_app: st.App) -> AsyncIterator[None]:
    """On shutdown, stop the worker processes the app started (measuring areas, reading uploads).

    uvicorn ends a SIGTERM'd server by re-raising the signal after its shutdown, so Python's exit
    handlers, which would join them, never run: without this every stop orphaned a ~200 MB worker."""
    yield
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


app = st.App("app.py", middleware=[Middleware(RequestGuard, policy=POLICY)], lifespan=stop_worker_processes)
