"""Slides and handouts from the app, as a teacher gets them: open the menu, click, open the file."""
from __future__ import annotations

import io

import pytest
from helpers import wait_for_app, wait_for_server_era
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from dashboard.core.i18n import t
from dashboard.core.loaders import load_atlas
from dashboard.core.media import MapView, map_png
from dashboard.core.paths import data_dir

APP = "dashboard/app.py"


@pytest.fixture(scope="module")
def app_url(streamlit_app) -> str:
    return streamlit_app(APP)


def download(page: Page, lang: str, label_key: str, timeout: float = 180_000) -> bytes:
    page.get_by_role("button", name=t("media.title", lang)).click()
    button = page.get_by_role("button", name=t(label_key, lang))
    expect(button).to_be_visible()
    with page.expect_download(timeout=timeout) as info:
        button.click()
    return open(info.value.path(), "rb").read()


def test_the_map_image_shows_the_era_the_era_control_shows(offline_page, app_url: str) -> None:
    """The era changes in the browser and reruns only the control's fragment: the image must still follow it."""
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/?era=range_present")
    wait_for_app(page, timeout=60_000)
    page.locator('[data-track="era"] [aria-checked="true"]').focus()
    page.keyboard.press("Home")  # c. 1900, without a full rerun of the page
    expect(page.locator('[data-track="era"] [data-era="range_c1900"]')).to_have_attribute("aria-checked", "true")
    wait_for_server_era(page, "range_c1900")  # the server heard of the choice (a fragment run)
    data = download(page, "en", "media.map_png")
    atlas = load_atlas(data_dir())
    layers = tuple(sorted(layer.spec.id for layer in atlas.layers.values()
                          if layer.spec.default_on and layer.spec.role in ("protected_area", "points")))
    assert data == map_png(atlas, MapView("range_c1900", layers, "en"), url=f"{app_url}/")
    offline_page.assert_clean()


def test_the_classroom_handout_in_chinese(offline_page, app_url: str) -> None:
    page = offline_page.page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/classroom?lang=zh")
    wait_for_app(page, timeout=60_000)
    pdf = PdfReader(io.BytesIO(download(page, "zh", "media.handout_a4")))
    assert (round(float(pdf.pages[0].mediabox.width)), round(float(pdf.pages[0].mediabox.height))) == (595, 842)
    text = "".join((p.extract_text() or "") for p in pdf.pages).replace("\n", "").replace(" ", "")
    assert t("story.s01_historical.q1", "zh").replace(" ", "") in text
    assert t("handout.answer_key", "zh") in text
    assert f"{app_url}/" in text  # the address the teacher opened the Atlas at
    offline_page.assert_clean()
