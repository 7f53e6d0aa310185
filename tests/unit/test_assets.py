"""dashboard.core.assets: every JS/CSS link of a folium map points at vendored files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
import pytest

from dashboard.core import assets
from dashboard.core.assets import (
    DEFAULT_BASE_URL,
    VENDOR_DIR,
    UnknownCDNAssetError,
    UnsupportedOfflineElementError,
    remote_asset_links,
    use_local_assets,
    vendored_files,
)

REPO = Path(__file__).resolve().parents[2]

SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "sq", "name_en": "Square"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[130, 42], [132, 42], [132, 44], [130, 44], [130, 42]]],
            },
        }
    ],
}

ASSET_TAG = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


def add_everything(target, *, draw: bool = True) -> None:
    """All the element kinds the atlas uses, added to a Map or a DualMap."""
    fmap = target.m1 if isinstance(target, folium.plugins.DualMap) else target
    stripes = folium.plugins.StripePattern(angle=-45, weight=1.2, space_weight=6, color="#E69F00")
    stripes.add_to(fmap)
    folium.plugins.CirclePattern().add_to(fmap)
    group = folium.FeatureGroup(name="Range")
    folium.GeoJson(
        SQUARE,
        name="square",
        style_function=lambda f: {"color": "#0072B2", "fillOpacity": 0.3},
        tooltip=folium.GeoJsonTooltip(fields=["name_en"]),
        popup=folium.GeoJsonPopup(fields=["name_en"]),
    ).add_to(group)
    folium.GeoJson(
        SQUARE, name="hatch", style_function=lambda f: {"fillPattern": stripes, "weight": 0}
    ).add_to(group)
    folium.CircleMarker((43, 131), radius=6, tooltip=folium.Tooltip("a record")).add_to(group)
    folium.Marker((43.5, 131.5), icon=folium.DivIcon(html="<b>Label</b>")).add_to(group)
    folium.Marker((42.5, 130.5)).add_to(group)  # default Leaflet icon (vendored images)
    group.add_to(target)
    if draw:
        folium.plugins.Draw(export=False).add_to(fmap)
    folium.plugins.Fullscreen().add_to(fmap)
    folium.LayerControl().add_to(target)


def asset_links(html: str) -> list[str]:
    return ASSET_TAG.findall(html)


def local_file(url: str, base_url: str = DEFAULT_BASE_URL) -> Path:
    assert url.startswith(base_url.rstrip("/") + "/"), url
    return VENDOR_DIR / url[len(base_url.rstrip("/")) + 1 :]


@pytest.fixture
def full_map() -> folium.Map:
    m = folium.Map(location=(43, 131), zoom_start=6, tiles=None)
    add_everything(m)
    return m


def test_vendored_files_exist_with_licences():
    files = vendored_files()
    for path in assets.referenced_files():
        assert path in files and path.stat().st_size > 0
    for package in ("leaflet", "leaflet-draw", "leaflet.sync", "leaflet.pattern", "leaflet.fullscreen"):
        assert (VENDOR_DIR / package / "LICENSE").is_file(), package
    for image in ("layers.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        assert (VENDOR_DIR / "leaflet" / "images" / image).is_file()
    assert (VENDOR_DIR / "leaflet-draw" / "images" / "spritesheet.svg").is_file()
    assert (VENDOR_DIR / "leaflet.fullscreen" / "icon-fullscreen.svg").is_file()
    assert (VENDOR_DIR / "README.md").is_file()


def test_map_with_all_elements_links_only_local_files(full_map):
    use_local_assets(full_map)
    html = full_map.get_root().render()
    assert remote_asset_links(html) == []
    links = asset_links(html)
    assert links, "expected <script src>/<link href> tags"
    for url in links:
        assert local_file(url).is_file(), url
    joined = "\n".join(links)
    for needed in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet-draw/leaflet.draw.js",
                   "leaflet-draw/leaflet.draw.css", "leaflet.pattern/leaflet.pattern.js",
                   "leaflet.fullscreen/Control.FullScreen.js", "leaflet.fullscreen/Control.FullScreen.css"):
        assert needed in joined
    for dropped in ("jquery", "bootstrap", "awesome", "fontawesome", "glyphicons"):
        assert dropped not in joined.lower()
    # Leaflet first: the component iframe loads js_links in order.
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts[0] == f"{DEFAULT_BASE_URL}/leaflet/leaflet.js"


def test_tile_url_templates_are_kept_and_not_reported():
    m = folium.Map(location=(43, 131), zoom_start=6, tiles="OpenStreetMap")
    use_local_assets(m)
    html = m.get_root().render()
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert remote_asset_links(html) == []


def test_dual_map_links_only_local_files():
    dual = folium.plugins.DualMap(location=(43, 131), zoom_start=6, tiles=None)
    add_everything(dual, draw=False)
    folium.plugins.Draw().add_to(dual.m2)
    use_local_assets(dual)
    html = dual.get_root().render()
    assert remote_asset_links(html) == []
    assert f"{DEFAULT_BASE_URL}/leaflet.sync/L.Map.Sync.js" in asset_links(html)
    for url in asset_links(html):
        assert local_file(url).is_file(), url
    # The children DualMap copied into m2 at render time kept the local links.
    m2_js = [url for elem in dual.m2._children.values() for _, url in getattr(elem, "default_js", [])]
    assert m2_js and all(url.startswith(DEFAULT_BASE_URL) for url in m2_js)


def test_default_marker_image_path_is_set_before_any_marker(full_map):
    """Leaflet guesses <base>/leafletmarker-icon.png when leaflet.css is not loaded yet."""
    use_local_assets(full_map)
    use_local_assets(full_map)  # still one per map
    html = full_map.get_root().render()
    line = f'L.Icon.Default.imagePath = "{DEFAULT_BASE_URL}/leaflet/images/";'
    assert html.count(line) == 1
    assert html.index(line) < html.index("L.marker(")
    assert (VENDOR_DIR / "leaflet" / "images" / "marker-icon.png").is_file()


def test_dual_map_keeps_m2_children_in_order():
    """DualMap inserts copies into m2 by index; our extra first child must not shift them."""
    dual = folium.plugins.DualMap(location=(43, 131), zoom_start=6, tiles=None)
    folium.GeoJson(SQUARE, name="right").add_to(dual.m2)
    folium.LayerControl().add_to(dual)
    use_local_assets(dual)
    use_local_assets(dual)
    dual.get_root().render()
    kinds = [type(c).__name__ for c in dual.m2._children.values()]
    assert kinds == ["IconImagePath", "GeoJson", "LayerControl", "ShippedFont"], kinds


def test_relative_base_url_for_static_export(full_map):
    use_local_assets(full_map, base_url="vendor/")
    html = full_map.get_root().render()
    links = asset_links(html)
    assert "vendor/leaflet/leaflet.js" in links
    for url in links:
        assert local_file(url, "vendor").is_file(), url


def test_retargeting_an_already_localised_map(full_map):
    use_local_assets(full_map)
    use_local_assets(full_map)  # idempotent
    use_local_assets(full_map, base_url="vendor")
    links = asset_links(full_map.get_root().render())
    assert links and all(url.startswith("vendor/") for url in links)


def test_header_links_from_an_earlier_render_are_rewritten(full_map):
    first = full_map.get_root().render()
    assert remote_asset_links(first)  # folium's CDN links, before
    use_local_assets(full_map)
    assert remote_asset_links(full_map.get_root().render()) == []


def test_class_level_link_lists_are_not_mutated(full_map):
    before = (list(folium.Map.default_js), list(folium.plugins.Draw.default_js))
    use_local_assets(full_map)
    assert (list(folium.Map.default_js), list(folium.plugins.Draw.default_js)) == before
    assert folium.Map.default_js[0][1].startswith("https://")
    assert full_map.default_js == [("leaflet", f"{DEFAULT_BASE_URL}/leaflet/leaflet.js")]


def test_unknown_cdn_asset_raises_and_leaves_the_map_untouched():
    m = folium.Map(tiles=None)
    folium.plugins.MarkerCluster().add_to(m)  # links leaflet.markercluster from cdnjs
    with pytest.raises(UnknownCDNAssetError, match="leaflet.markercluster"):
        use_local_assets(m)
    assert "default_js" not in vars(m)  # nothing changed


def test_unknown_cdn_asset_on_a_custom_element_raises():
    class Gadget(folium.elements.JSCSSMixin):
        default_js = [("gadget", "//cdn.example.org/gadget.js")]

    m = folium.Map(tiles=None)
    Gadget().add_to(m)
    with pytest.raises(UnknownCDNAssetError, match="cdn.example.org/gadget.js"):
        use_local_assets(m)


@pytest.mark.parametrize(
    "add, message",
    [
        (lambda m: folium.CircleMarker((43, 131), popup="text").add_to(m), "jQuery"),
        (lambda m: folium.Marker((43, 131), icon=folium.Icon(color="red")).add_to(m), "awesome-markers"),
        (lambda m: branca.colormap.LinearColormap(["#ffffff", "#000000"]).add_to(m), "d3"),
        (lambda m: folium.GeoJson(SQUARE, marker=folium.Marker(icon=folium.Icon())).add_to(m), "awesome"),
        (lambda m: m.keep_in_front(folium.GeoJson(SQUARE).add_to(m)), "jQuery"),
    ],
    ids=["popup", "icon", "colormap", "geojson-marker-icon", "keep_in_front"],
)
def test_elements_that_need_dropped_libraries_raise(add, message):
    m = folium.Map(tiles=None)
    add(m)
    with pytest.raises(UnsupportedOfflineElementError, match=message):
        use_local_assets(m)


def test_rejects_non_maps():
    with pytest.raises(TypeError):
        use_local_assets(folium.FeatureGroup())  # type: ignore[arg-type]


def test_module_does_not_import_streamlit():
    code = "import sys, dashboard.core.assets; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


APP = """
import folium, folium.plugins
from streamlit_folium import st_folium
from dashboard.core.assets import use_local_assets
import test_assets as t

if {dual}:
    fmap = folium.plugins.DualMap(location=(43, 131), zoom_start=6, tiles=None)
else:
    fmap = folium.Map(location=(43, 131), zoom_start=6, tiles=None)
t.add_everything(fmap, draw=not {dual})
use_local_assets(fmap)
st_folium(fmap, height=400, returned_objects=[])
"""


@pytest.mark.parametrize("dual", [False, True], ids=["map", "dualmap"])
def test_st_folium_sends_only_local_links(dual, monkeypatch):
    """What st_folium really sends to the component iframe (js_links/css_links)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    at = AppTest.from_string(textwrap.dedent(APP.format(dual=dual)), default_timeout=30).run()
    assert not at.exception, at.exception
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert args["js_links"][0] == f"{DEFAULT_BASE_URL}/leaflet/leaflet.js"
    for url in args["js_links"] + args["css_links"]:
        assert local_file(url).is_file(), url
    assert "<script src" not in args["header"] and "<link" not in args["header"]
    if dual:
        assert f"{DEFAULT_BASE_URL}/leaflet.sync/L.Map.Sync.js" in args["js_links"]
