"""e2e negative control: maps that must FAIL offline, to prove the harness notices.

Map 0: plain folium (CDN links, no use_local_assets) -> blocked requests, no Leaflet map.
Map 1: local assets, then a folium.Popup added afterwards (jQuery was dropped) -> a page error.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import folium  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from dashboard.core.assets import use_local_assets  # noqa: E402

cdn_map = folium.Map(location=(44.0, 131.0), zoom_start=6, tiles=None)
st_folium(cdn_map, height=200, returned_objects=[], key="cdn_map")

popup_map = folium.Map(location=(44.0, 131.0), zoom_start=6, tiles=None)
use_local_assets(popup_map)
folium.CircleMarker((44.0, 131.0), popup=folium.Popup("needs jQuery")).add_to(popup_map)  # too late
st_folium(popup_map, height=200, returned_objects=[], key="popup_map")

st.markdown("atlas-ready")
