"""Benchmark baseline and smoke-test target: one empty st_folium map and one trivial slider.

The slider (5 options, changes nothing else) gives ``bench/run.py`` a "bare rerun" to compare the
Explore page's era change against.

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

# A trivial widget for the bare-rerun baseline (same widget type as Explore's era slider; its value
# is not used, so a change only reruns this script).
st.select_slider("Baseline step", options=["a", "b", "c", "d", "e"], value="e", key="baseline_slider")

fmap = folium.Map(location=(44.0, 131.0), zoom_start=6, tiles=None)
use_local_assets(fmap)
st_folium(fmap, height=500, returned_objects=[], key="baseline_map")

st.markdown(APP_READY_SENTINEL)
