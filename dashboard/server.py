"""The atlas's web server: Streamlit's ASGI app for ``app.py``, behind the request guard.

Start it with ``python -m dashboard`` (``make run``, the Dockerfile, the deploy pool, the tests and the
benchmarks all do). ``streamlit run dashboard/server.py`` finds the ``app`` below (Streamlit 1.67's
``st.App``) and serves it with uvicorn, with every ``--server.*`` option and ``.streamlit/config.toml``
as usual. ``dashboard/http_guard.py`` says what the guard refuses and which headers it adds.
"""
from __future__ import annotations

import os
import sys
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

app = st.App("app.py", middleware=[Middleware(RequestGuard, policy=POLICY)])
