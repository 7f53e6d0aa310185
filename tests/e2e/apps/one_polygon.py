"""e2e test app: one GeoJSON polygon on an offline st_folium map.

Static files come from tests/e2e/apps/static, a symlink to ../../../dashboard/static.
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

SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "test_square", "name_en": "Test square"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[130.0, 43.0], [132.0, 43.0], [132.0, 45.0], [130.0, 45.0], [130.0, 43.0]]],
            },
        }
    ],
}

fmap = folium.Map(location=(44.0, 131.0), zoom_start=6, tiles=None)
folium.GeoJson(
    SQUARE,
    name="Test square",
    style_function=lambda f: {"color": "#0072B2", "fillColor": "#56B4E9", "fillOpacity": 0.4, "weight": 2},
    tooltip=folium.GeoJsonTooltip(fields=["name_en"], labels=False),
).add_to(fmap)
use_local_assets(fmap)
st_folium(fmap, height=500, returned_objects=[], key="one_polygon_map")

st.markdown("atlas-ready")
