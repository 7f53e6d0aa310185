"""st_folium for a map that every session shares: render once, then only look it up.

st_folium re-renders the whole folium tree on every rerun of every session (templates, JSON, regexes
over a ~300 kB script): with a classroom of 40 that saturates a core. Here a map's st_folium arguments
are computed once (cached in ``dashboard.cache``) and each rerun calls the component with exactly the
arguments st_folium would pass. This uses streamlit-folium 0.27.4's own helpers; the version is
pinned and ``tests/app/test_fast_map.py`` checks the arguments equal st_folium's.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import branca
import folium
import folium.elements
import folium.plugins
import streamlit as st
import streamlit_folium as sf


#: Set in ``show``'s result when the browser's value could not be read (and was dropped).
UNREADABLE_VALUE = "atlas_unreadable_value"


@dataclass(frozen=True)
class RenderedMap:
    """What st_folium computes from a map before feature groups are added."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float]]
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


@dataclass(frozen=True)
class RenderedGroup:
    """A feature group's st_folium JavaScript and the links its elements need."""

    script: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _elements(element: Any) -> Iterator[Any]:
    """The elements whose assets st_folium collects (its own walk over the tree)."""
    if isinstance(element, (branca.colormap.ColorMap, folium.elements.JSCSSMixin)):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def _links(element: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    css: list[str] = []
    js: list[str] = []
    for item in _elements(element):
        css.extend(href for _, href in getattr(item, "default_css", []))
        js.extend(src for _, src in getattr(item, "default_js", []))
    return tuple(css), tuple(js)


def render_map(fmap: folium.Map) -> RenderedMap:
    """Render a (freshly built, unshared) map the way st_folium does, in the same order."""
    fmap.get_root().render()
    fmap.render()
    css, js = _links(fmap)
    return _rendered(fmap, *fmap.get_bounds(), zoom=fmap.options.get("zoom"), css=css, js=js)


def _rendered(fig: Any, southwest: list, northeast: list, *, zoom: Any, css: tuple[str, ...],
              js: tuple[str, ...]) -> RenderedMap:
    """st_folium's arguments of a rendered map or DualMap (read in st_folium's order); bounds in Leaflet's
    LatLngBounds shape."""
    html = sf._get_html(fig)
    header = sf._get_header(fig)
    script = sf._get_map_string(fig)
    return RenderedMap(script=script, header=header, html=html, map_id=sf.get_full_id(fig),
                       bounds={"_southWest": {"lat": southwest[0], "lng": southwest[1]},
                               "_northEast": {"lat": northeast[0], "lng": northeast[1]}},
                       zoom=zoom, css_links=css, js_links=js)


def render_dual_map(dual: folium.plugins.DualMap) -> RenderedMap:
    """Render two synchronised maps the way st_folium does a DualMap (it renders the pair twice)."""
    dual.render()
    dual.render()
    try:
        southwest, northeast = dual.get_bounds()
    except AttributeError:  # as st_folium: a DualMap has no bounds of its own
        southwest, northeast = [None, None], [None, None]
    css: list[str] = []
    js: list[str] = []
    for part in (dual.m1, dual.m2, dual):
        part_css, part_js = _links(part)
        css.extend(part_css)
        js.extend(part_js)
    return _rendered(dual, southwest, northeast, zoom=dual.options.get("zoom") if hasattr(dual, "options") else {},
                     css=tuple(css), js=tuple(js))


def render_group(group: folium.FeatureGroup, idx: int) -> RenderedGroup:
    """A feature group's JavaScript as st_folium writes it for position ``idx`` (map renamed map_div)."""
    host = folium.Map(tiles=None)  # throwaway parent; st_folium replaces its id with "map_div"
    script = sf._get_feature_group_string(group, map=host, idx=idx)
    css, js = _links(group)
    return RenderedGroup(script=script, css_links=css, js_links=js)


_DEFAULTS: dict[str, Any] = {
    "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
    "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
    "last_active_drawing": None, "bounds": None, "zoom": None, "last_circle_radius": None,
    "last_circle_polygon": None, "selected_layers": None, "selected_tags": None, "last_geocoder_result": None,
}


def show(base: RenderedMap, groups: Iterable[RenderedGroup], *, key: str, height: int,
         returned_objects: list[str], hash_key: Callable[[str, str], str] | None = None) -> Any:
    """Call the st_folium component as ``st_folium(..., use_container_width=True)`` would."""
    groups = list(groups)
    css = list(dict.fromkeys([*base.css_links, *(link for g in groups for link in g.css_links)]))
    js = list(dict.fromkeys([*base.js_links, *(link for g in groups for link in g.js_links)]))
    defaults = {k: v for k, v in {**_DEFAULTS, "bounds": base.bounds, "zoom": base.zoom}.items()
                if k in returned_objects}
    component_key = hash_key(base.script, key) if hash_key else sf.generate_js_hash(base.script, key, False)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(component_key, {})

    arguments = dict(
        script=base.script, header=base.header, html=base.html, id=base.map_id,
        height=height, width=None, returned_objects=returned_objects, default=defaults, zoom=None, center=None,
        feature_group="".join(g.script for g in groups) if groups else None, return_on_hover=False,
        layer_control=None, pixelated=False, css_links=css, js_links=js, on_change=_on_change,
        wrap_longitude=False,
    )
    unreadable = _drop_unreadable_value(component_key)
    result = sf._component_func(key=component_key, **arguments)
    return {**(result if isinstance(result, dict) else {}), UNREADABLE_VALUE: True} if unreadable else result


MAX_VALUE_DEPTH = 64  # the map's own values (drawings as GeoJSON) are nested fewer than 10 deep


def _drop_unreadable_value(component_key: str) -> bool:
    """Forget a value the browser sent that Streamlit cannot copy; True if there was one.

    A crafted page can post a value nested hundreds of lists deep (the map never does): Streamlit's
    own copy of it when the component is drawn (``register_widget``'s deepcopy) would fail the page.
    """
    try:
        value = st.session_state.get(component_key)
    except (RecursionError, ValueError, TypeError):
        value, unreadable = None, True
    else:
        unreadable = _nested_deeper_than(value, MAX_VALUE_DEPTH)
    if unreadable:
        try:
            del st.session_state[component_key]
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
