"""Addresses, history and restarts, as a reader meets them (headless Chromium, desktop and phone).

Every page opens from its own address (with and without parameters), an old ``?page=`` link lands on
the page's own address without an extra history entry, Back and Forward move one page at a time and
bring back the view the address holds, a shared link restores each page's view, and a server restart
keeps an open tab's view.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from _common import start_server
from helpers import (REPO_ROOT, SIZES, close_sidebar_on_a_phone, map_frame, open_from_navigation, save_screenshot,
                     wait_for_app)
from playwright.sync_api import expect

from dashboard.core.i18n import t

APP = "dashboard/app.py"
TITLES = {"explore": "explore.title", "compare": "compare.title", "population": "population.title",
          "sources": "sources.title", "classroom": "classroom.title"}


@pytest.fixture(scope="module")
def app_url(streamlit_app) -> str:
    return streamlit_app(APP)


def heading(page, key: str, lang: str = "en"):
    return page.get_by_role("heading", name=t(TITLES[key], lang), exact=True)


def go(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page, timeout=60_000)
    close_sidebar_on_a_phone(page)


@pytest.mark.parametrize("key", list(TITLES))
def test_each_page_opens_from_its_own_address(screen, app_url: str, key: str) -> None:
    page = screen.page
    path = "/" if key == "explore" else f"/{key}"
    go(page, app_url + path)
    expect(heading(page, key)).to_be_visible()
    expect(page).to_have_url(f"{app_url}{path}?" + ("step=1&lang=en" if key == "classroom" else "lang=en"))
    assert page.evaluate("() => history.length") == 2  # about:blank and this page: nothing added
    go(page, app_url + path + "?lang=ru&presenter=0")
    expect(heading(page, key, "ru")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(f"{app_url}{path}?") + ".*lang=ru"))
    page.reload()
    wait_for_app(page, timeout=60_000)
    expect(heading(page, key, "ru")).to_be_visible()
    screen.assert_clean()


def test_an_old_page_link_opens_the_page_at_its_own_address(screen, app_url: str) -> None:
    page = screen.page
    go(page, f"{app_url}/?page=compare&left=range_1970s&lang=zh")
    expect(heading(page, "compare", "zh")).to_be_visible()
    expect(page).to_have_url(f"{app_url}/compare?left=range_1970s&lang=zh")
    assert page.evaluate("() => history.length") == 2  # the old link's entry was replaced, not kept
    screen.assert_clean()


def test_back_and_forward_move_one_page_and_bring_back_its_view(screen, app_url: str) -> None:
    page = screen.page
    go(page, f"{app_url}/")
    start = page.evaluate("() => history.length")
    radio = page.get_by_role("radio", name="1970s")
    radio.tap() if screen.kind == "phone" else radio.click()
    wait_for_app(page, timeout=60_000)
    assert page.evaluate("() => history.length") == start  # an era change adds no entry
    open_from_navigation(page, "compare")
    close_sidebar_on_a_phone(page)  # it stays open after a page is chosen (the phone layout's work)
    expect(heading(page, "compare")).to_be_visible()
    left = page.locator('[data-track="left"]').get_by_role("radio", name="c. 2000")
    left.tap() if screen.kind == "phone" else left.click()
    wait_for_app(page, timeout=60_000)
    open_from_navigation(page, "population")
    assert page.evaluate("() => history.length") == start + 2  # one entry per page visit
    page.go_back()
    wait_for_app(page, timeout=60_000)
    expect(heading(page, "compare")).to_be_visible()
    expect(page).to_have_url(re.compile("left=range_c2000"))
    expect(map_frame(page).locator("html")).to_have_attribute("data-atlas-era-left", "range_c2000", timeout=30_000)
    page.go_back()
    wait_for_app(page, timeout=60_000)
    expect(heading(page, "explore")).to_be_visible()
    expect(page).to_have_url(re.compile("era=range_1970s"))
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1, timeout=30_000)
    page.go_forward()
    wait_for_app(page, timeout=60_000)
    expect(heading(page, "compare")).to_be_visible()
    assert page.evaluate("() => history.length") == start + 2  # Back and Forward added nothing
    screen.assert_clean()


def share_link(page) -> str:
    """The sidebar's "link to this view", once it shows the address bar's URL."""
    link = page.locator("[data-atlas-share-link]")
    page.wait_for_function("() => { const l = document.querySelector('[data-atlas-share-link]');"
                           " return l && l.textContent === location.href; }", timeout=30_000)
    return link.inner_text()


def test_a_shared_link_restores_every_pages_view(browser, app_url: str) -> None:
    sender = browser.new_context(viewport=SIZES["desktop"], service_workers="block").new_page()
    links = {}
    go(sender, f"{app_url}/?lang=ru")
    sender.get_by_role("radio", name="1970-е").click()
    wait_for_app(sender, timeout=60_000)
    links["explore"] = share_link(sender)
    open_from_navigation(sender, "compare", "ru")  # the same session: still in Russian
    sender.locator('[data-track="right"]').get_by_role("radio", name="ок. 2000 г.").click()
    wait_for_app(sender, timeout=60_000)
    links["compare"] = share_link(sender)
    go(sender, f"{app_url}/population?units=adults&lang=ru")  # filters as a link sets them
    links["population"] = share_link(sender)
    open_from_navigation(sender, "classroom", "ru")  # the same session: still in Russian
    sender.get_by_role("button", name=t("classroom.next", "ru")).click()
    expect(sender.get_by_text(t("classroom.step_of", "ru", step=2, total=11))).to_be_visible(timeout=60_000)
    wait_for_app(sender, timeout=60_000)
    links["classroom"] = share_link(sender)
    assert "era=range_1970s" in links["explore"] and "right=range_c2000" in links["compare"]
    assert "units=adults" in links["population"] and "step=2" in links["classroom"]
    assert all("lang=ru" in link for link in links.values())

    reader = browser.new_context(viewport=SIZES["desktop"], service_workers="block").new_page()
    go(reader, links["explore"])
    expect(map_frame(reader).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1, timeout=30_000)
    expect(reader.get_by_role("radio", name="1970-е")).to_have_attribute("aria-checked", "true")
    go(reader, links["compare"])
    expect(map_frame(reader).locator("html")).to_have_attribute("data-atlas-era-right", "range_c2000", timeout=30_000)
    go(reader, links["population"])
    expect(reader).to_have_url(links["population"])
    expect(reader.get_by_test_id("stMultiSelect").first).to_contain_text(t("unit.adults", "ru"))
    expect(reader.get_by_test_id("stMultiSelect").first).not_to_contain_text(t("unit.all", "ru"))
    go(reader, links["classroom"])
    expect(reader.get_by_text(t("classroom.step_of", "ru", step=2, total=11))).to_be_visible()
    expect(reader).to_have_url(links["classroom"])


def test_a_server_restart_keeps_an_open_tabs_view(browser, tmp_path: Path) -> None:
    server = start_server(REPO_ROOT / APP, Path(tempfile.mkdtemp(prefix="atlas-restart-")), timeout=60)
    port = server.url.rsplit(":", 1)[1]
    page = browser.new_context(viewport=SIZES["desktop"], service_workers="block").new_page()
    try:
        go(page, f"{server.url}/classroom?step=4&lang=ru")
        expect(page.get_by_text(t("classroom.step_of", "ru", step=4, total=11))).to_be_visible()
        server.stop()
        server = start_server(REPO_ROOT / APP, Path(tempfile.mkdtemp(prefix="atlas-restart-")), timeout=60,
                              port=int(port))
        # the tab reconnects by itself; its next click runs in a new server session
        page.get_by_role("tab", name=t("classroom.quiz", "ru")).click()
        page.get_by_role("tab", name=t("classroom.story", "ru")).click()
        wait_for_app(page, timeout=60_000)
        expect(page.get_by_text(t("classroom.step_of", "ru", step=4, total=11))).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name=t(f"story.{_step_id(4)}.title", "ru"))).to_be_visible()
        # navigation, language and styling intact: the app's pages, not a raw file list
        links = page.get_by_test_id("stSidebarNav").get_by_role("link")
        expect(links).to_have_count(5)
        expect(links.first).to_contain_text(t("page.explore", "ru"))
        assert page.evaluate("() => !!Array.from(document.querySelectorAll('style')).find("
                             "(s) => s.textContent.includes('.atlas-summary'))")
        expect(page).to_have_url(re.compile(r"/classroom\?step=4&lang=ru$"))
        save_screenshot(page, "classroom_step4_after_restart", full_page=False)
    finally:
        server.stop()


def _step_id(number: int) -> str:
    import json

    return json.loads((REPO_ROOT / "data" / "story.json").read_text(encoding="utf-8"))["steps"][number - 1]["id"]
