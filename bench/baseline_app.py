"""Benchmark baseline and smoke-test target: one empty st_folium map, nothing else.

    streamlit run bench/baseline_app.py --server.enableStaticServing true

Streamlit serves static files from ``<script dir>/static``, i.e. ``bench/static/``. That is a
committed symlink to ``../dashboard/static``, so the vendored Leaflet is served at
``/app/static/vendor/...`` exactly as for the real app (``dashboard/app.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import folium  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from dashboard.core.assets import use_local_assets  # noqa: E402

APP_READY_SENTINEL = "atlas-ready"  # same as tests/e2e/helpers.py

st.set_page_config(page_title="Atlas baseline", layout="wide")

fmap = folium.Map(location=(44.0, 131.0), zoom_start=6, tiles=None)
use_local_assets(fmap)
st_folium(fmap, height=500, returned_objects=[], key="baseline_map")

st.markdown(APP_READY_SENTINEL)
