"""e2e test app: every folium feature the atlas uses, offline (no jQuery/Bootstrap/CDNs).

Map 0: GeoJson + GeoJsonTooltip + GeoJsonPopup, a StripePattern hatch in a custom pane,
CircleMarker + Tooltip, DivIcon label, default marker, LayerControl, Draw, Fullscreen.
Map 1: a DualMap (Leaflet.Sync) with a polygon on both sides.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import folium  # noqa: E402
import folium.plugins  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from dashboard.core.assets import use_local_assets  # noqa: E402


def square(fid: str, name: str, x0: float, y0: float, size: float = 2.0) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": fid, "name_en": name},
             "geometry": {"type": "Polygon", "coordinates": [ring]}}
        ],
    }


st.set_page_config(page_title="plugins", layout="wide")

fmap = folium.Map(location=(44.0, 131.0), zoom_start=6, tiles=None)
folium.map.CustomPane("context", z_index=390).add_to(fmap)

range_group = folium.FeatureGroup(name="Range", show=True)
folium.GeoJson(
    square("range_sq", "Range square", 129.0, 43.0),
    name="Range square",
    style_function=lambda f: {"color": "#D55E00", "fillColor": "#D55E00", "fillOpacity": 0.3, "weight": 2},
    highlight_function=lambda f: {"weight": 4},
    tooltip=folium.GeoJsonTooltip(fields=["name_en"], labels=False),
    popup=folium.GeoJsonPopup(fields=["name_en"], labels=False),
).add_to(range_group)
range_group.add_to(fmap)

hatch_group = folium.FeatureGroup(name="Historical outline", show=True)
stripes = folium.plugins.StripePattern(angle=-45, weight=1.2, space_weight=6, color="#E69F00",
                                       opacity=0.55, space_opacity=0.0)
stripes.add_to(fmap)
folium.GeoJson(
    square("hatch_sq", "Hatched square", 132.0, 44.0),
    name="Hatched square",
    interactive=False,
    pane="context",
    style_function=lambda f: {"fillPattern": stripes, "fillOpacity": 1.0, "weight": 0, "stroke": False},
).add_to(hatch_group)
hatch_group.add_to(fmap)

points = folium.FeatureGroup(name="Records", show=True)
folium.CircleMarker((45.5, 130.5), radius=8, color="#009E73", fill=True, fill_opacity=0.8,
                    tooltip=folium.Tooltip("A record")).add_to(points)
folium.Marker((42.6, 133.5), icon=folium.DivIcon(html="<b class='atlas-label'>Vladivostok</b>",
                                                 icon_size=(120, 16))).add_to(points)
folium.Marker((42.3, 130.2)).add_to(points)
points.add_to(fmap)

folium.plugins.Draw(export=False, show_geometry_on_click=False).add_to(fmap)
folium.plugins.Fullscreen().add_to(fmap)
folium.LayerControl(collapsed=False).add_to(fmap)
use_local_assets(fmap)
st_folium(fmap, height=450, width=700, returned_objects=[], key="plugins_map")

dual = folium.plugins.DualMap(location=(44.0, 131.0), zoom_start=5, tiles=None)
folium.GeoJson(square("left_sq", "Left", 129.0, 43.0), name="Left").add_to(dual.m1)
folium.GeoJson(square("right_sq", "Right", 132.0, 44.0), name="Right").add_to(dual.m2)
folium.LayerControl().add_to(dual)
use_local_assets(dual)
st_folium(dual, height=300, width=700, returned_objects=[], key="dual_map")

st.markdown("atlas-ready")
