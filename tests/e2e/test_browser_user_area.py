"""Draw or upload an area in a real browser: the panel fills in, hostile names stay inert text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.core.i18n import t
from helpers import map_frame, save_screenshot, wait_for_app

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def app_url(streamlit_app) -> str:
    return streamlit_app("dashboard/app.py")


def _open_explore(offline_page, app_url: str):
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/?page=explore")
    wait_for_app(page, timeout=60_000)
    expect(map_frame(page).locator(".leaflet-overlay-pane svg path").first).to_be_attached(timeout=30_000)
    return page


def test_hostile_upload_opens_no_dialog_and_shows_its_name_literally(offline_page, app_url: str, tmp_path: Path) -> None:
    page = _open_explore(offline_page, app_url)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    upload = tmp_path / "valley.geojson"
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": HOSTILE},
        "geometry": {"type": "Polygon", "coordinates": [[[131.0, 42.9], [131.4, 42.9], [131.4, 43.3],
                                                         [131.0, 43.3], [131.0, 42.9]]]}}]}), encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text(t("user.size", "en", source=t("user.uploaded", "en")))).to_be_visible(timeout=30_000)
    frame = map_frame(page)
    user_shape = frame.locator(".leaflet-points-pane svg path.leaflet-interactive").first  # dots of labels are inert
    expect(user_shape).to_be_attached(timeout=30_000)
    user_shape.hover(force=True)
    tooltip = frame.locator(".leaflet-tooltip:not(.atlas-place)").first  # place names are permanent tooltips
    expect(tooltip).to_have_text(HOSTILE, timeout=10_000)  # shown as text, not parsed as HTML
    assert frame.locator(".leaflet-tooltip img").count() == 0
    page.wait_for_timeout(1000)
    assert dialogs == []
    save_screenshot(page, "upload_hostile_name", full_page=False)
    offline_page.assert_clean()


def test_drawing_a_rectangle_fills_the_panel(offline_page, app_url: str) -> None:
    page = _open_explore(offline_page, app_url)
    frame = map_frame(page)
    frame.locator(".leaflet-draw-draw-rectangle").click()
    iframe_box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    assert iframe_box is not None
    x0, y0 = iframe_box["x"] + iframe_box["width"] * 0.55, iframe_box["y"] + iframe_box["height"] * 0.30
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 60, y0 + 40, steps=8)
    page.mouse.move(x0 + 120, y0 + 80, steps=8)
    page.mouse.up()
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text(t("user.size", "en", source=t("user.drawn", "en")))).to_be_visible(timeout=30_000)
    expect(page.get_by_text(t("user.added", "en"))).to_be_visible()
    save_screenshot(page, "draw_rectangle_panel", full_page=True)
    offline_page.assert_clean()
