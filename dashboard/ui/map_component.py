"""The one module that touches streamlit-folium's internals: its component and its defaults.

A map rendered once (``dashboard.core.rendered_map``, cached in ``dashboard.cache``) is handed to
st_folium's component on every rerun with exactly the arguments ``st_folium(...,
use_container_width=True)`` would pass. That needs streamlit-folium's private ``_component_func``
and a copy of its default return values, so the installed version is checked when this module is
imported (a clear error on a mismatch), and ``tests/app/test_fast_map.py`` compares every argument,
the component key included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from dashboard.core.rendered_map import RenderedGroup, RenderedMap, check_streamlit_folium_version, component_key

check_streamlit_folium_version()

import streamlit_folium as _sf  # noqa: E402  (after the version check: its internals are what we call)

#: Set in ``show``'s result when the browser's value could not be read (and was dropped).
UNREADABLE_VALUE = "atlas_unreadable_value"

MAX_VALUE_DEPTH = 64  # the map's own values (drawings as GeoJSON) are nested fewer than 10 deep

# st_folium 0.27.4's return values before the map reports anything (its ``_defaults``; bounds and
# zoom come from the map).
_DEFAULTS: dict[str, Any] = {
    "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
    "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
    "last_active_drawing": None, "bounds": None, "zoom": None, "last_circle_radius": None,
    "last_circle_polygon": None, "selected_layers": None, "selected_tags": None, "last_geocoder_result": None,
}


def show(base: RenderedMap, groups: Iterable[RenderedGroup], *, key: str, height: int,
         returned_objects: list[str], hash_key: Callable[[str, str], str] = component_key) -> Any:
    """Call the st_folium component as ``st_folium(..., key=key, use_container_width=True)`` would.

    ``hash_key(script, key)`` computes st_folium's component key (``dashboard.cache.map_component_key``
    keeps it, a hash of ~300 kB of script)."""
    groups = list(groups)
    css = list(dict.fromkeys([*base.css_links, *(link for g in groups for link in g.css_links)]))
    js = list(dict.fromkeys([*base.js_links, *(link for g in groups for link in g.js_links)]))
    defaults = {k: v for k, v in {**_DEFAULTS, "bounds": base.bounds, "zoom": base.zoom}.items()
                if k in returned_objects}
    component = hash_key(base.script, key)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(component, {})

    unreadable = _drop_unreadable_value(component)
    result = _sf._component_func(
        script=base.script, header=base.header, html=base.html, id=base.map_id, key=component,
        height=height, width=None, returned_objects=returned_objects, default=defaults, zoom=None, center=None,
        feature_group="".join(g.script for g in groups) if groups else None, return_on_hover=False,
        layer_control=None, pixelated=False, css_links=css, js_links=js, on_change=_on_change,
        wrap_longitude=False,
    )
    return {**(result if isinstance(result, dict) else {}), UNREADABLE_VALUE: True} if unreadable else result


def _drop_unreadable_value(component: str) -> bool:
    """Forget a value the browser sent that Streamlit cannot copy; True if there was one.

    A crafted page can post a value nested hundreds of lists deep (the map never does): Streamlit's
    own copy of it when the component is drawn (``register_widget``'s deepcopy) would fail the page.
    """
    try:
        value = st.session_state.get(component)
    except (RecursionError, ValueError, TypeError):
        unreadable = True
    else:
        unreadable = _nested_deeper_than(value, MAX_VALUE_DEPTH)
    if unreadable:
        try:
            del st.session_state[component]
        except KeyError:
            pass
    return unreadable


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """True if lists/dicts inside ``value`` go more than ``limit`` levels deep (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False
