"""A folium map rendered once into the arguments of the st_folium component (pure: no Streamlit).

st_folium re-renders the whole folium tree on every rerun of every session (templates, JSON, regexes
over a ~300 kB script): with a classroom of 40 that saturates a core. Here a map is rendered once
(``dashboard.cache`` keeps the result) into exactly the strings st_folium would compute, and
``dashboard.ui.map_component`` (the one module that calls streamlit-folium) hands them to its
component on every rerun.

This module builds those strings the way streamlit-folium ``STREAMLIT_FOLIUM_VERSION`` does (its
``_get_html``, ``_get_header``, ``_get_map_string``, ``_get_feature_group_string`` and
``generate_js_hash``): streamlit-folium imports Streamlit when it is imported, so the core cannot
call them. ``check_streamlit_folium_version`` refuses any other installed version, and
``tests/app/test_fast_map.py`` compares every argument (the component key included) with st_folium's.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import re
from collections.abc import Iterator
from dataclasses import dataclass
from textwrap import dedent
from typing import Any

import branca
import folium
import folium.elements
import folium.plugins
from jinja2 import UndefinedError

STREAMLIT_FOLIUM_VERSION = "0.27.4"


class StreamlitFoliumVersionError(RuntimeError):
    """The installed streamlit-folium is not the one whose component arguments this app reproduces."""


def check_streamlit_folium_version() -> None:
    """Fail with a clear message unless streamlit-folium ``STREAMLIT_FOLIUM_VERSION`` is installed."""
    try:
        installed = importlib.metadata.version("streamlit-folium")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed != STREAMLIT_FOLIUM_VERSION:
        raise StreamlitFoliumVersionError(
            f"streamlit-folium {installed or '(not installed)'} is installed, but the Atlas renders its maps "
            f"the way streamlit-folium {STREAMLIT_FOLIUM_VERSION} does (dashboard/core/rendered_map.py). Install "
            f"the pinned version (pip install -r requirements.txt), or update rendered_map.py and the pin "
            f"together and run tests/app/test_fast_map.py.")


check_streamlit_folium_version()


@dataclass(frozen=True)
class RenderedMap:
    """What st_folium computes from a map before feature groups are added."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float | None]]
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
    """The elements whose assets st_folium collects (its walk over the tree)."""
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


def full_id(element: Any) -> str:
    """The map's variable name in folium's script (a DualMap: its first map's)."""
    if isinstance(element, folium.plugins.DualMap):
        element = element.m1
    return f"{element._name.lower()}_{element._id}"


def _html(fig: Any) -> str:
    html = fig.get_root().html.render()
    return re.sub(r'<div class="folium-map" id=".*" ></div>', "", html).strip()


def _header(fig: Any) -> str:
    header = fig.get_root().header.render()
    header = re.sub(r'<script\b[^>]*\bsrc=["\'][^"\']*["\'][^>]*>.*?</script\b[^>]*>', "", header,
                    flags=re.IGNORECASE | re.DOTALL)
    header = re.sub(r'<link rel="stylesheet" href=".*?"/>', "", header)
    header = re.sub(r'(L\.Icon\.Default\.imagePath\s*=\s*["\'])([^"\']*?/dist)(["\'])', r"\1\2/images/\3", header)
    return header.replace(full_id(fig), "map_div")


def _leaflet_parts(element: Any, base_id: str, mappings: dict[str, str]) -> str:
    """Each element's script macro, children after parents, ids renamed from ``base_id`` down."""
    mappings[element._id] = base_id
    try:
        element_id = element.element_name.replace("map_", "").replace("tile_layer_", "")
        parent_id = element.element_parent_name.replace("map_", "").replace("tile_layer_", "")
        if element_id not in mappings:
            mappings[element_id] = element._parent._id
        if parent_id not in mappings:
            mappings[parent_id] = element._parent._parent._id
    except AttributeError:
        pass
    element._id = base_id
    if isinstance(element, folium.plugins.DualMap):
        element.render()
        element.m1.render()
        element.m2.render()
        script = _leaflet_parts(element.m1, base_id, mappings)
        script += "\n" + _leaflet_parts(element.m2, "div2", mappings)
        return script + element._template.module.script(element)
    try:
        script = element._template.module.script(element)
    except UndefinedError:
        script = element._template.render(this=element, kwargs={})
    for index, child in enumerate(element._children.values()):
        with contextlib.suppress(UndefinedError, AttributeError):
            script += "\n" + _leaflet_parts(child, f"{base_id}_{index}", mappings)
    return script


_VAR_SUFFIX = re.compile("_[a-z0-9]+(?!_)")
_ELEMENT_REF = re.compile(r"\{\{\s*'([A-Za-z_$][A-Za-z0-9_$]*)'\s*\}\}")


def _leaflet_string(element: Any, base_id: str = "div") -> str:
    mappings: dict[str, str] = {}
    script = _leaflet_parts(element, base_id, mappings)

    def rename(match: re.Match[str]) -> str:
        text = match.group()
        replacement = mappings.get(text.strip("_"))
        return text.replace(text.strip("_"), replacement) if replacement else text

    return _ELEMENT_REF.sub(r"\1", _VAR_SUFFIX.sub(rename, script))


def _map_string(fig: Any) -> str:
    script = _leaflet_string(fig).replace("alert(coords);", "")
    script = dedent(re.sub(r"drawnItems_draw_control_div_\d+", "drawnItems", script))
    if "drawnItems" not in script:
        script += "\nvar drawnItems = [];"
    if isinstance(fig, folium.plugins.DualMap):
        script = script.replace(full_id(fig.m2), "map_div2")
    return script


def component_key(script: str, key: str | None, return_on_hover: bool = False) -> str:
    """st_folium's component key: a hash of the map script without folium's random id suffixes."""
    standardized = re.sub(r"(_[a-z0-9]+)", "", script) + str(key)
    standardized = re.sub(r"(maps\/[-a-z0-9]+\/)", "", standardized) + str(key) + str(return_on_hover)
    return hashlib.sha256(standardized.encode()).hexdigest()


def _rendered(fig: Any, southwest: list, northeast: list, *, zoom: Any, css: tuple[str, ...],
              js: tuple[str, ...]) -> RenderedMap:
    """The arguments of a rendered map or DualMap, computed in st_folium's order (each step changes the tree)."""
    html = _html(fig)
    header = _header(fig)
    script = _map_string(fig)
    return RenderedMap(script=script, header=header, html=html, map_id=full_id(fig),
                       bounds={"_southWest": {"lat": southwest[0], "lng": southwest[1]},
                               "_northEast": {"lat": northeast[0], "lng": northeast[1]}},
                       zoom=zoom, css_links=css, js_links=js)


def render_map(fmap: folium.Map) -> RenderedMap:
    """Render a (freshly built, unshared) map the way st_folium does, in the same order."""
    fmap.get_root().render()
    fmap.render()
    css, js = _links(fmap)
    return _rendered(fmap, *fmap.get_bounds(), zoom=fmap.options.get("zoom"), css=css, js=js)


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
    group._id = f"feature_group_{idx}"
    group.add_to(host)
    group.render()
    script = dedent(_leaflet_string(group, base_id=f"feature_group_{idx}").replace(full_id(host), "map_div"))
    script += dedent(f"""
        map_div.addLayer(feature_group_feature_group_{idx});
        window.feature_group = window.feature_group || [];
        window.feature_group.push(feature_group_feature_group_{idx});
        """)
    css, js = _links(group)
    return RenderedGroup(script=script, css_links=css, js_links=js)
