"""Smoke tests: the map renders offline in headless Chromium (no request leaves localhost)."""

from __future__ import annotations

import pytest
from helpers import map_frame, save_screenshot, wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_baseline_map_renders_offline(streamlit_app, offline_page):
    url = streamlit_app("bench/baseline_app.py")
    page = offline_page.page
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)

    frame = map_frame(page)
    # The map really rendered (offline, a failed CDN script leaves an empty 0-px iframe).
    expect(frame.locator(".leaflet-container")).to_have_count(1, timeout=20_000)
    expect(frame.locator(".leaflet-control-zoom-in")).to_be_visible()
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    assert box is not None and box["height"] > 300, box

    save_screenshot(page, "baseline")
    offline_page.assert_clean()


def test_one_polygon_is_drawn_offline(streamlit_app, offline_page):
    url = streamlit_app("tests/e2e/apps/one_polygon.py")
    page = offline_page.page
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)

    frame = map_frame(page)
    paths = frame.locator(".leaflet-overlay-pane svg path")
    # Count-based wait: paths outside the view have an empty box, so "visible" waits can hang.
    expect(paths).to_have_count(1, timeout=20_000)
    assert paths.first.get_attribute("d"), "the polygon path has no geometry"
    assert paths.first.get_attribute("stroke") == "#0072B2"

    # The tooltip appears on hover (GeoJsonTooltip works without jQuery/Bootstrap).
    paths.first.hover()
    expect(frame.locator(".leaflet-tooltip")).to_contain_text("Test square")

    save_screenshot(page, "one_polygon")
    offline_page.assert_clean()


def test_harness_notices_cdn_requests_and_script_errors(streamlit_app, offline_page):
    """Negative control: a CDN-linked map and a jQuery-dependent popup must be caught."""
    url = streamlit_app("tests/e2e/apps/cdn_map.py")
    page = offline_page.page
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)

    # Map 0 asked a CDN for Leaflet; the request was aborted and no map appeared.
    expect(page.locator('iframe[title="streamlit_folium.st_folium"]')).to_have_count(2)
    expect(map_frame(page, 1).locator(".leaflet-container")).to_have_count(1, timeout=20_000)
    assert any("cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in r for r in offline_page.external_requests)
    assert map_frame(page, 0).locator(".leaflet-container").count() == 0
    assert offline_page.console_errors, "the blocked CDN script should log a console error"

    # Map 1: folium.Popup uses jQuery's $, which use_local_assets drops -> uncaught error.
    for _ in range(100):
        if any("$ is not defined" in e for e in offline_page.page_errors):
            break
        page.wait_for_timeout(100)
    assert any("$ is not defined" in e for e in offline_page.page_errors), offline_page.page_errors
    save_screenshot(page, "negative_control")
