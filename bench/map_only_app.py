"""Diagnostic app for bench/run.py --app: the real Explore map and era control, nothing else.

Same shared pre-rendered map (every era, draw tool, both park layers), the same era element,
no sidebar, legend, figures or tables. Measuring it beside the full app splits the page's cost into
"the map" and "the rest of the dashboard page".
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from dashboard import cache  # noqa: E402
from dashboard.ui import era_control, map_component  # noqa: E402

ERAS = [era["id"] for era in cache.atlas().eras()]
era = st.session_state.setdefault("era", ERAS[-1])


@st.fragment
def picker() -> None:
    era_control.show("explore_era", [(e, e) for e in ERAS], "en", map_box="explore_map_box",
                     tracks=[era_control.Track("era", "Era", st.session_state["era"], param="era", default=ERAS[-1])],
                     on_change=lambda _name, value: st.session_state.update(era=value))


picker()
base = cache.explore_base_map("en", ["protected_areas_china", "protected_areas_russia"], [])
with st.container(key="explore_map_box"):
    map_component.show(base, [], key="explore_map", height=480, returned_objects=["last_object_clicked_tooltip", "all_drawings"],
                       hash_key=cache.map_component_key)
st.markdown('<span style="display:none">atlas-ready</span>', unsafe_allow_html=True)
