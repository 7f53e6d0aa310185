"""Every folium feature the atlas uses works offline with only the vendored assets.

use_local_assets drops jQuery, Bootstrap, glyphicons, Font Awesome and awesome-markers; this
checks in a real browser that GeoJson (+ tooltip, popup), the StripePattern hatch in a custom
pane, CircleMarker, LayerControl, Draw, Fullscreen and DualMap (Leaflet.Sync) still work.
"""

from __future__ import annotations

import pytest
from helpers import map_frame, save_screenshot, wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

APP = "tests/e2e/apps/plugins.py"


def wait_in_frame(frame, condition: str) -> None:
    """Poll a JS condition inside the map iframe until it is true (the test times out otherwise)."""
    frame.locator("body").evaluate(
        "cond => new Promise(r => { const f = () => (0, eval)(cond) ? r() : setTimeout(f, 50); f(); })",
        condition,
    )


@pytest.fixture
def loaded(streamlit_app, offline_page):
    page = offline_page.page
    page.goto(streamlit_app(APP), wait_until="domcontentloaded")
    wait_for_app(page)
    expect(map_frame(page, 0).locator(".leaflet-container")).to_have_count(1, timeout=20_000)
    expect(map_frame(page, 1).locator(".leaflet-container")).to_have_count(2, timeout=20_000)
    return offline_page


def test_layers_tooltip_popup_and_hatch(loaded):
    page = loaded.page
    frame = map_frame(page, 0)
    # range square + hatch square + circle marker
    paths = frame.locator(".leaflet-map-pane svg > g > path")
    expect(paths).to_have_count(3, timeout=10_000)

    # StripePattern (Leaflet.pattern): a <pattern> in <defs>, used by the hatch in the custom pane.
    pattern = frame.locator("svg defs pattern")
    expect(pattern).to_have_count(1)
    pattern_id = pattern.get_attribute("id")
    hatch = frame.locator(".leaflet-context-pane svg path")
    expect(hatch).to_have_count(1)
    assert hatch.get_attribute("fill") == f"url(#{pattern_id})"

    # GeoJsonTooltip on hover, GeoJsonPopup on click (no jQuery needed).
    square = frame.locator(".leaflet-overlay-pane svg path[stroke='#D55E00']")
    square.hover()
    expect(frame.locator(".leaflet-tooltip")).to_contain_text("Range square")
    square.click()
    expect(frame.locator(".leaflet-popup-content")).to_contain_text("Range square")

    # CircleMarker tooltip
    frame.locator(".leaflet-overlay-pane svg path[stroke='#009E73']").hover()
    expect(frame.locator(".leaflet-tooltip").filter(has_text="A record")).to_be_visible()

    # DivIcon label and the default marker icon (vendored leaflet/images/marker-icon.png)
    expect(frame.locator(".atlas-label")).to_have_text("Vladivostok")
    icon = frame.locator("img.leaflet-marker-icon")
    expect(icon).to_have_count(1)
    assert "/app/static/vendor/leaflet/images/marker-icon" in (icon.get_attribute("src") or "")

    save_screenshot(page, "plugins_layers")
    loaded.assert_clean()


def test_layer_control_toggles_an_overlay(loaded):
    frame = map_frame(loaded.page, 0)
    control = frame.locator(".leaflet-control-layers")
    expect(control).to_have_count(1)
    overlays = frame.locator(".leaflet-control-layers-overlays label")
    expect(overlays).to_have_count(3)
    paths = frame.locator(".leaflet-map-pane svg > g > path")
    expect(paths).to_have_count(3)
    overlays.filter(has_text="Range").locator("input").uncheck()
    expect(paths).to_have_count(2)
    overlays.filter(has_text="Range").locator("input").check()
    expect(paths).to_have_count(3)
    loaded.assert_clean()


def test_draw_a_rectangle(loaded):
    page = loaded.page
    frame = map_frame(page, 0)
    tool = frame.locator(".leaflet-draw-draw-rectangle")
    expect(tool).to_be_visible()
    # the toolbar sprite comes from the vendored leaflet-draw/images
    sprite = tool.evaluate("el => getComputedStyle(el).backgroundImage")
    assert "leaflet-draw/images/spritesheet" in sprite, sprite

    paths = frame.locator(".leaflet-map-pane svg > g > path")
    before = paths.count()
    tool.click()
    box = frame.locator(".leaflet-container").bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.2
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 60, y0 + 40, steps=5)
    page.mouse.move(x0 + 120, y0 + 80, steps=5)
    page.mouse.up()
    expect(paths).to_have_count(before + 1)
    save_screenshot(page, "plugins_draw")
    loaded.assert_clean()


def test_fullscreen_control(loaded):
    frame = map_frame(loaded.page, 0)
    button = frame.locator(".leaflet-control-zoom-fullscreen")
    expect(button).to_be_visible()
    icon = button.evaluate("el => getComputedStyle(el).backgroundImage")
    assert "leaflet.fullscreen/icon-fullscreen.svg" in icon, icon
    # The component iframe allows the Fullscreen API: the map really goes full screen.
    button.click()
    wait_in_frame(frame, "!!document.fullscreenElement")
    save_screenshot(loaded.page, "plugins_fullscreen")
    button.click()
    wait_in_frame(frame, "!document.fullscreenElement")
    loaded.assert_clean()


def test_dual_map_is_synchronised(loaded):
    page = loaded.page
    frame = map_frame(page, 1)
    containers = frame.locator(".leaflet-container")
    # (".leaflet-overlay-pane": the attribution's flag is an <svg> with paths too)
    expect(containers.nth(0).locator(".leaflet-overlay-pane svg path")).to_have_count(1)
    expect(containers.nth(1).locator(".leaflet-overlay-pane svg path")).to_have_count(1)

    def zooms():
        return frame.locator("body").evaluate("() => [window.map_div.getZoom(), window.map_div2.getZoom()]")

    assert zooms() == [5, 5]
    containers.nth(0).locator(".leaflet-control-zoom-in").click()
    wait_in_frame(frame, "map_div2.getZoom() === 6")  # Leaflet.Sync zoomed the right-hand map too
    assert zooms() == [6, 6]
    save_screenshot(page, "plugins_dualmap")
    loaded.assert_clean()
