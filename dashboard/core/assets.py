"""Vendored (offline) Leaflet/plugin assets for folium maps.

folium links Leaflet, its plugins and a few UI libraries from CDNs. Offline (a classroom
without internet) st_folium's frontend stops at the first script that fails to load and the
map silently disappears. :func:`use_local_assets` rewrites every CDN link in a map's element
tree to the files vendored by ``scripts/vendor_assets.sh`` into ``dashboard/static/vendor/``
(served by Streamlit at ``/app/static/vendor`` with ``server.enableStaticServing = true``),
drops the CDN assets the atlas does not use, and refuses anything it does not know, so a new
plugin cannot quietly bring a CDN dependency back.

How st_folium collects assets (streamlit_folium 0.27.4, ``st_folium``): it walks the map
(DualMap: ``m1`` then ``m2``, then every ``_children`` recursively), reads
``getattr(elem, "default_js"/"default_css")`` of each ``JSCSSMixin`` element and sends those
URLs as ``js_links``/``css_links``; the component iframe loads ``js_links`` one after another.
The ``<script src>``/``<link>`` tags in the figure header are stripped, so ``default_js`` and
``default_css`` are what matter. We set them as *instance* attributes (which shadow the class
lists); the class lists are never mutated. Branca colormaps are special-cased by st_folium,
which inserts d3 from two CDNs whatever we do, so they are rejected here.

Pure module: must not import streamlit. Call :func:`use_local_assets` after the last element
has been added to the map (it is idempotent; calling it again is cheap).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from dashboard.core.fonts import WEB_CSS_REL

__all__ = [
    "DEFAULT_BASE_URL",
    "DROPPED_ASSETS",
    "FONT_ELEMENT_NAME",
    "ICON_PATH_ELEMENT_NAME",
    "IconImagePath",
    "LOCAL_ASSETS",
    "OWN_ASSETS",
    "ShippedFont",
    "VENDOR_DIR",
    "OfflineAssetError",
    "UnknownCDNAssetError",
    "UnsupportedOfflineElementError",
    "is_remote_url",
    "referenced_files",
    "remote_asset_links",
    "use_local_assets",
    "vendored_files",
]

#: dashboard/static/vendor (filled by scripts/vendor_assets.sh).
VENDOR_DIR: Path = Path(__file__).resolve().parents[1] / "static" / "vendor"

#: Where Streamlit serves VENDOR_DIR (``server.enableStaticServing = true``).
DEFAULT_BASE_URL = "/app/static/vendor"

#: CDN URL exactly as folium 0.20 links it -> file path relative to VENDOR_DIR.
#: An upgrade of folium that changes a URL makes use_local_assets raise, on purpose:
#: re-vendor (scripts/vendor_assets.sh) and update this table.
LOCAL_ASSETS: dict[str, str] = {
    # folium.Map
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    # folium.plugins.Draw (folium links 1.0.2; we vendor 1.0.4, same API)
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": (
        "leaflet-draw/leaflet.draw.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": (
        "leaflet-draw/leaflet.draw.css"
    ),
    # folium.plugins.DualMap
    "https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js": "leaflet.sync/L.Map.Sync.js",
    # folium.plugins.StripePattern / CirclePattern
    "https://teastman.github.io/Leaflet.pattern/leaflet.pattern.js": (
        "leaflet.pattern/leaflet.pattern.js"
    ),
    # folium.plugins.Fullscreen
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen/Control.FullScreen.css"
    ),
}

#: CDN assets folium.Map links by default that the atlas does not need. They are removed.
#: (Their users - folium.Icon, folium.Popup, Map.keep_in_front - are rejected below.)
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "https://code.jquery.com/jquery-3.7.1.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
    }
)

#: Files of our own under VENDOR_DIR that every map links (the shipped Chinese font's @font-face rule).
OWN_ASSETS: tuple[str, ...] = (WEB_CSS_REL,)

_REMOTE_RE = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.IGNORECASE)
_ASSET_TAG_RE = re.compile(
    r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE
)


class OfflineAssetError(ValueError):
    """A map cannot be made to work offline."""


class UnknownCDNAssetError(OfflineAssetError):
    """An element links a remote JS/CSS asset that is neither vendored nor known-droppable."""


class UnsupportedOfflineElementError(OfflineAssetError):
    """An element needs one of the dropped libraries (jQuery, awesome-markers, d3 ...)."""


def is_remote_url(url: str) -> bool:
    """True for ``http(s)://``, other ``scheme://`` and protocol-relative ``//host`` URLs."""
    return bool(_REMOTE_RE.match(url))


def remote_asset_links(html: str) -> list[str]:
    """Remote URLs used as ``<script src>`` or ``<link href>`` in rendered HTML.

    Tile URL templates live inside the JavaScript, not in such tags, so they are not reported.
    """
    return [url for url in _ASSET_TAG_RE.findall(html) if is_remote_url(url)]


def referenced_files() -> list[Path]:
    """The vendored files the URL table points at (each must exist after vendoring)."""
    return sorted({VENDOR_DIR / rel for rel in (*LOCAL_ASSETS.values(), *OWN_ASSETS)})


def vendored_files() -> list[Path]:
    """Every file under VENDOR_DIR (JS, CSS, images, licences, README), sorted.

    Use it to copy the assets into a static export. Raises FileNotFoundError when the
    vendor directory is missing or incomplete (run ``bash scripts/vendor_assets.sh``).
    """
    missing = [p for p in referenced_files() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            "Vendored map assets are missing (run `bash scripts/vendor_assets.sh`): "
            + ", ".join(str(p) for p in missing)
        )
    return sorted(p for p in VENDOR_DIR.rglob("*") if p.is_file())


def _join(base_url: str, rel: str) -> str:
    base = base_url.rstrip("/")
    return f"{base}/{rel}" if base else rel


_KNOWN_RELS: tuple[str, ...] = tuple(sorted({*LOCAL_ASSETS.values(), *OWN_ASSETS}, key=len, reverse=True))


def _localise(url: str, base_url: str, where: str) -> str | None:
    """Local URL for ``url``; None if the asset is dropped; raise if it is an unknown CDN."""
    if url in LOCAL_ASSETS:
        return _join(base_url, LOCAL_ASSETS[url])
    if url in DROPPED_ASSETS:
        return None
    if is_remote_url(url):
        raise UnknownCDNAssetError(
            f"{where} links a remote asset that is not vendored: {url}\n"
            "Offline the map would silently vanish. Vendor the package "
            "(scripts/vendor_assets.sh) and add the URL to LOCAL_ASSETS in "
            "dashboard/core/assets.py, or add it to DROPPED_ASSETS if it is not needed, "
            "or do not use this element."
        )
    # Already local: re-base our own vendored files (so a map prepared for the app can be
    # re-targeted, e.g. to "vendor" for a static export); leave anything else alone.
    path = url.split("?", 1)[0].split("#", 1)[0]
    for rel in _KNOWN_RELS:
        if path == rel or path.endswith("/" + rel):
            return _join(base_url, rel)
    return url


#: Key of the element that sets Leaflet's default marker image folder in each map.
ICON_PATH_ELEMENT_NAME = "atlas_icon_image_path"


class IconImagePath(MacroElement):
    """Sets ``L.Icon.Default.imagePath`` to the vendored ``leaflet/images/`` folder.

    Leaflet finds its default marker images through a CSS rule of leaflet.css. st_folium
    appends the CSS links and runs the map script at once, before that CSS has loaded, so
    Leaflet falls back to guessing from the ``<link href=".../leaflet.css">`` and gets
    ``<base>/leafletmarker-icon.png`` (a 404; markers, also Draw's, show as broken images).
    Setting the path explicitly, before any marker is created, avoids the race.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, path: str):
        super().__init__()
        self._name = "IconImagePath"
        self.path = path


#: Key of the element that links the shipped Chinese font in each map.
FONT_ELEMENT_NAME = "atlas_shipped_font"


class ShippedFont(JSCSSMixin, MacroElement):
    """Links the ``@font-face`` rule of the Atlas's own Chinese font (``dashboard.core.fonts``).

    A map frame is a document of its own: without the rule, Chinese labels, tooltips, popups and the
    legend fall back to whatever the computer has, which is boxes where no CJK font is installed. The
    rule's ``unicode-range`` makes only frames with Chinese text load the font.
    """

    _template = Template("")
    default_css = [("atlas_shipped_font", WEB_CSS_REL)]

    def __init__(self) -> None:
        super().__init__()
        self._name = "ShippedFont"


def _describe(elem: Element) -> str:
    return f"{type(elem).__name__} {elem.get_name()!r}"


def _iter_tree(fmap: Element) -> Iterator[Element]:
    """Every element reachable from the map and its root figure (each once)."""
    seen: set[int] = set()
    stack: list[Element] = [fmap, fmap.get_root()]
    while stack:
        elem = stack.pop()
        if elem is None or id(elem) in seen:
            continue
        seen.add(id(elem))
        yield elem
        if isinstance(elem, folium.plugins.DualMap):
            stack.extend([elem.m1, elem.m2])
            # Children that DualMap.render() will deep-copy into m2 (copies keep our
            # instance attributes, so fixing the originals is enough).
            stack.extend(child for child, _name, _index in elem.children_for_m2)
        if isinstance(elem, Figure):
            stack.extend([elem.header, elem.html, elem.script])
        # Sub-elements held as attributes rather than children.
        for attr in ("marker", "icon"):
            sub = getattr(elem, attr, None)
            if isinstance(sub, Element):
                stack.append(sub)
        stack.extend(reversed(list(getattr(elem, "_children", {}).values())))


def _reject_unsupported(elem: Element) -> None:
    if isinstance(elem, branca.colormap.ColorMap):
        raise UnsupportedOfflineElementError(
            f"{_describe(elem)}: st_folium always loads d3 from two CDNs for branca "
            "colormaps, so the map would vanish offline. Use the HTML legend "
            "(dashboard/core/legend.py) instead of adding a colormap to the map."
        )
    if isinstance(elem, folium.Popup):
        raise UnsupportedOfflineElementError(
            f"{_describe(elem)}: folium.Popup (also popup=... on Marker/CircleMarker/Polygon) "
            "builds its content with jQuery, which is not loaded offline. Use "
            "folium.GeoJsonPopup / folium.GeoJsonTooltip or a folium.Tooltip instead."
        )
    if isinstance(elem, folium.Icon) and getattr(elem, "_name", "") == "Icon":
        raise UnsupportedOfflineElementError(
            f"{_describe(elem)}: folium.Icon needs Leaflet.awesome-markers, Bootstrap and "
            "Font Awesome from CDNs. Use the default marker, a CircleMarker, or folium.DivIcon."
        )
    if isinstance(elem, folium.Map) and getattr(elem, "objects_to_stay_in_front", None):
        raise UnsupportedOfflineElementError(
            f"{_describe(elem)}: Map.keep_in_front() uses jQuery's $(document).ready, which "
            "is not loaded offline. Order layers by adding them in drawing order instead."
        )


def _plan_links(elem: Element, base_url: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """New ``default_js``/``default_css`` lists for ``elem`` (raises on unknown CDN assets)."""
    plan = []
    for attr in ("default_js", "default_css"):
        links = getattr(elem, attr, None)
        if not links:
            continue
        fixed: list[tuple[str, str]] = []
        for name, url in links:
            local = _localise(url, base_url, f"{_describe(elem)} ({attr} {name!r})")
            if local is not None:
                fixed.append((name, local))
        plan.append((attr, fixed))
    return plan


def _plan_header(figure: Figure, base_url: str) -> list[tuple[str, Element, str | None]]:
    """Links a previous render() already put into the figure header: (key, link, new url)."""
    plan = []
    for key, child in figure.header._children.items():
        if isinstance(child, (JavascriptLink, CssLink)):
            plan.append((key, child, _localise(child.url, base_url, f"figure header link {key!r}")))
    return plan


def use_local_assets(
    fmap: folium.Map | folium.plugins.DualMap, base_url: str = DEFAULT_BASE_URL
) -> None:
    """Point every JS/CSS asset of ``fmap`` at the vendored copies under ``base_url``.

    Walks the root figure and every element (DualMap's ``m1``/``m2`` included), replaces
    known CDN URLs in ``default_js``/``default_css`` with ``<base_url>/<file>``, drops the CDN
    assets the atlas does not use (jQuery, Bootstrap, glyphicons, Font Awesome,
    awesome-markers), rewrites links left in the figure header by an earlier render,
    sets ``L.Icon.Default.imagePath`` in each map (see :class:`IconImagePath`) and links the shipped
    Chinese font in each map (:class:`ShippedFont`).

    ``base_url`` is ``/app/static/vendor`` for the Streamlit app; it may be relative (e.g.
    ``"vendor"`` for a static HTML export opened from ``file://``) or ``""``.

    Raises UnknownCDNAssetError for a remote asset we neither vendor nor drop, and
    UnsupportedOfflineElementError for elements that need a dropped library (folium.Popup,
    folium.Icon, Map.keep_in_front, branca colormaps); nothing is changed in that case.
    Call it after the last element has been added; it is idempotent.
    """
    if not isinstance(fmap, (folium.Map, folium.plugins.DualMap)):
        raise TypeError(f"expected folium.Map or folium.plugins.DualMap, got {type(fmap)!r}")
    elements = list(_iter_tree(fmap))
    # Validate and plan everything first, so an error leaves the map untouched.
    for elem in elements:
        _reject_unsupported(elem)
    link_plans = [(elem, _plan_links(elem, base_url)) for elem in elements]
    header_plans = [
        (elem, _plan_header(elem, base_url)) for elem in elements if isinstance(elem, Figure)
    ]
    for elem, plan in link_plans:
        for attr, fixed in plan:
            # Instance attribute: shadows the class list, which stays untouched.
            setattr(elem, attr, fixed)
    for figure, plan in header_plans:
        for key, link, url in plan:
            if url is None:
                figure.header._children.pop(key, None)
            else:
                link.url = url
    icon_path = _join(base_url, "leaflet/images/")
    dual_maps = [elem for elem in elements if isinstance(elem, folium.plugins.DualMap)]
    for elem in elements:
        if isinstance(elem, folium.Map) and FONT_ELEMENT_NAME not in elem._children:
            font = ShippedFont()
            font.default_css = [(name, _join(base_url, rel)) for name, rel in ShippedFont.default_css]
            # The last child: a stylesheet link has no order to keep, and DualMap's indexes stay right.
            elem.add_child(font, name=FONT_ELEMENT_NAME)
    for elem in elements:
        if isinstance(elem, folium.Map):
            is_new = ICON_PATH_ELEMENT_NAME not in elem._children
            # First child of the map, so it runs before any marker is created.
            elem.add_child(IconImagePath(icon_path), name=ICON_PATH_ELEMENT_NAME, index=0)
            if is_new:
                # DualMap copies its children into m2 at render time at the *index* m2 had
                # when each was added; shift those by one, or e.g. a LayerControl would be
                # inserted before the layers it refers to.
                for dual in dual_maps:
                    if dual.m2 is elem:
                        dual.children_for_m2 = [(c, n, i + 1) for c, n, i in dual.children_for_m2]
