"""Chinese renders with the Atlas's own font on a machine with no CJK font (as this one and CI are).

Chromium reports, through the DevTools protocol (``CSS.getPlatformFontsForNode``), which font drew each
text node: every Chinese text checked here must be drawn by the shipped Noto Sans SC subset alone, with
no system fallback font (which draws boxes where no CJK font is installed). English pages must not
download the font at all (its ``unicode-range`` covers CJK only).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import MAP_IFRAME, guard_page, save_screenshot, wait_for_app
from playwright.sync_api import BrowserContext, Page, expect

from dashboard import export
from dashboard.core.fonts import WEB_FONT, is_web_character
from dashboard.core.paths import data_dir

APP = "dashboard/app.py"
SHIPPED_FAMILY = "Noto Sans SC"  # the family name inside the subset files
IN_PAGE = ("data:", "blob:", "about:")


@pytest.fixture(scope="module")
def app_url(streamlit_app) -> str:
    return streamlit_app(APP)


def _documents(cdp, node: dict) -> list[int]:
    """Node ids of the document and of every iframe's document under ``node``."""
    found = [node["nodeId"]] if node.get("nodeName") == "#document" else []
    for child in node.get("children", []) + ([node["contentDocument"]] if "contentDocument" in node else []):
        found += _documents(cdp, child)
    return found


def fonts_drawing(page: Page, context: BrowserContext, selector: str, in_frames: bool = False) -> list[dict]:
    """For every element matching ``selector`` (in the page, or in its iframes): its text and the fonts
    that drew it (family, custom or not, glyph count)."""
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    documents = _documents(cdp, root)
    documents = documents[1:] if in_frames else documents[:1]
    result = []
    for document in documents:
        for node in cdp.send("DOM.querySelectorAll", {"nodeId": document, "selector": selector})["nodeIds"]:
            handle = cdp.send("DOM.resolveNode", {"nodeId": node})["object"]["objectId"]
            text = cdp.send("Runtime.callFunctionOn", {"objectId": handle, "returnByValue": True,
                                                       "functionDeclaration": "function () { return this.textContent; }"})
            result.append({"text": text["result"]["value"],
                           "fonts": cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]})
    cdp.detach()
    return result


def assert_chinese_in_shipped_font(drawn: list[dict], what: str) -> None:
    """Each element's Chinese characters were drawn by the shipped font: it drew at least as many glyphs as
    there are CJK characters, and the other fonts no more than the other characters (a system font drawing
    a Chinese character draws a box here)."""
    shown = [item for item in drawn if item["fonts"]]  # hidden elements (e.g. other eras' legends) draw nothing
    assert shown, f"no {what} shown"
    assert any(is_web_character(c) for item in shown for c in item["text"]), f"{what}: no Chinese text"
    for item in shown:
        cjk = sum(1 for c in item["text"] if is_web_character(c))
        other = sum(1 for c in item["text"] if not is_web_character(c))  # spaces too: a fallback font draws them
        shipped = sum(f["glyphCount"] for f in item["fonts"] if f["familyName"] == SHIPPED_FAMILY and f["isCustomFont"])
        rest = sum(f["glyphCount"] for f in item["fonts"]) - shipped
        assert shipped >= cjk and rest <= other, (
            f"{what} {item['text']!r}: {cjk} Chinese characters, drawn with {item['fonts']}")


def open_app(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(url)
    wait_for_app(page, timeout=60_000)


def test_a_chinese_page_draws_its_text_and_map_with_the_shipped_font(offline_page, context, app_url: str) -> None:
    page = offline_page.page
    open_app(page, f"{app_url}/?page=explore&lang=zh")
    frame = page.frame_locator(MAP_IFRAME).first
    expect(frame.locator(".atlas-place").first).to_be_attached(timeout=30_000)
    page.evaluate("document.fonts.ready")
    page.wait_for_function("[...document.fonts].some(f => f.family.replace(/\"/g, '') === 'Atlas CJK'"
                           " && f.status === 'loaded')", timeout=20_000)
    frame.locator("body").evaluate("() => document.fonts.ready")
    assert_chinese_in_shipped_font(fonts_drawing(page, context, "h2"), "the page heading")
    assert_chinese_in_shipped_font(fonts_drawing(page, context, ".atlas-legend li span:last-child"), "legend entries")
    assert_chinese_in_shipped_font(fonts_drawing(page, context, ".atlas-place", in_frames=True), "map place labels")
    assert any(WEB_FONT.name in url for url in offline_page.requests)
    save_screenshot(page, "fonts_zh_explore", full_page=False)
    offline_page.assert_clean()


def test_an_english_page_does_not_download_the_chinese_font(offline_page, app_url: str) -> None:
    open_app(offline_page.page, f"{app_url}/?page=explore&lang=en")
    offline_page.page.wait_for_timeout(1500)
    assert not [url for url in offline_page.requests if WEB_FONT.name in url]


def test_the_export_packs_chinese_map_uses_the_shipped_font(context: BrowserContext, tmp_path: Path) -> None:
    snapshot = tmp_path / "data"
    shutil.copytree(data_dir(), snapshot)
    export.write_pack(tmp_path / "pack", "zh", data_root=snapshot)
    page = guard_page(context, lambda url: url.startswith(("file://", *IN_PAGE)))
    page.page.goto((tmp_path / "pack" / "maps" / "range_present.html").as_uri())
    expect(page.page.locator(".atlas-map-legend")).to_be_attached(timeout=20_000)
    page.page.wait_for_function("document.fonts.status === 'loaded' && [...document.fonts].some("
                                "f => f.status === 'loaded')", timeout=20_000)
    assert_chinese_in_shipped_font(fonts_drawing(page.page, context, ".atlas-map-legend li span:last-child"),
                             "pack legend entries")
    assert_chinese_in_shipped_font(fonts_drawing(page.page, context, ".pack-map-head h1"), "pack map title")
    page.page.goto((tmp_path / "pack" / "index.html").as_uri())
    page.page.wait_for_function("[...document.fonts].some(f => f.status === 'loaded')", timeout=20_000)
    assert_chinese_in_shipped_font(fonts_drawing(page.page, context, "main h2"), "pack headings")
    assert not page.external_requests
