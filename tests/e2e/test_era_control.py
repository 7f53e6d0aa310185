"""The era element (dashboard/ui/era_control) in headless Chromium: mouse, keyboard, touch, Play.

It replaces the old era-sync tests: the element draws the era control itself, and the map, the
per-era blocks, the address bar and the share link follow a choice before the server answers; the map
is never sent again. Journeys run on a desktop (1366x768) and a phone (390x844, touch).
"""
from __future__ import annotations

import pytest
from helpers import (MAP_IFRAME, SIZES, close_sidebar_on_a_phone, map_frame, open_from_navigation, save_screenshot,
                     wait_for_app, wait_for_server_era)
from playwright.sync_api import expect

from dashboard.core.i18n import t

APP = "dashboard/app.py"


@pytest.fixture(scope="module")
def app_url(streamlit_app) -> str:
    return streamlit_app(APP)


def shown_on_map(page) -> str | None:
    return map_frame(page).locator("html").get_attribute("data-atlas-era")


def open_explore(page, app_url: str, query: str = "") -> None:
    page.goto(f"{app_url}/" + (f"?{query}" if query else ""))
    wait_for_app(page, timeout=60_000)
    expect(map_frame(page).locator("html[data-atlas-era]")).to_have_count(1, timeout=30_000)
    close_sidebar_on_a_phone(page)


def record_eras_on_map(page) -> None:
    """From now on, window.__eras lists every era the map shows, in order."""
    page.evaluate("""() => {
      const doc = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentDocument;
      window.__eras = [];
      new MutationObserver(() => window.__eras.push(doc.documentElement.getAttribute('data-atlas-era')))
        .observe(doc.documentElement, {attributes: true, attributeFilter: ['data-atlas-era']});
    }""")


# Arrival time of every websocket message (the server's answers), from the page's first script on.
_MESSAGE_TIMES = """
(() => {
  if (window !== window.top) return;
  const times = window.__messageTimes = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); this.addEventListener('message', () => times.push(performance.now())); }
  };
})();
"""


def test_the_page_follows_an_era_choice_before_the_server_answers(screen, app_url: str) -> None:
    page = screen.page
    page.add_init_script(_MESSAGE_TIMES)
    open_explore(page, app_url)
    assert shown_on_map(page) == "range_present"
    page.evaluate("""() => {
      const doc = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentDocument;
      const seen = window.__eraShown = {map: null, blocks: null, address: null, link: null};
      const check = () => {
        const now = performance.now();
        if (seen.map === null && doc.documentElement.getAttribute('data-atlas-era') === 'range_c1900') seen.map = now;
        const shown = Array.from(document.querySelectorAll('[data-atlas-era-panel]:not([hidden])'),
                                 (p) => p.getAttribute('data-atlas-era-panel'));
        if (seen.blocks === null && shown.length === 2 && shown.every((era) => era === 'range_c1900')) seen.blocks = now;
        if (seen.address === null && location.search.includes('era=range_c1900')) seen.address = now;
        const link = document.querySelector('[data-atlas-share-link]');
        if (seen.link === null && link && link.textContent === location.href && seen.address !== null) seen.link = now;
      };
      new MutationObserver(check).observe(doc.documentElement, {attributes: true});
      new MutationObserver(check).observe(document.body, {subtree: true, attributes: true, characterData: true,
                                                          childList: true});
    }""")
    # the moment the click reaches the page (not when the test asked for it: under load a message of the
    # page's own may arrive in between), recorded before the element's own handler runs
    page.evaluate("() => window.addEventListener('click', () => { window.__pressed = performance.now(); },"
                  " {capture: true, once: true})")
    option = page.get_by_role("radio", name="c. 1900")
    option.tap() if screen.kind == "phone" else option.click()
    wait_for_server_era(page, "range_c1900")
    page.wait_for_function("() => Object.values(window.__eraShown).every((t) => t !== null)", timeout=10_000)
    shown = page.evaluate("() => window.__eraShown")
    pressed = page.evaluate("() => window.__pressed")
    answers = [t for t in page.evaluate("() => window.__messageTimes") if t > pressed]
    assert answers, "the choice did not reach the server"
    for what, when in shown.items():  # all shown before the rerun's first message
        assert when < answers[0], (what, when - pressed, answers[0] - pressed)
    expect(page.get_by_role("radio", name="c. 1900")).to_have_attribute("aria-checked", "true")
    figures = page.locator(".atlas-figures").filter(visible=True)
    expect(figures).to_have_count(1)
    expect(figures).to_contain_text("Range area, c. 1900")
    assert page.url == f"{app_url}/?era=range_c1900&lang=en"
    save_screenshot(page, f"era_control_c1900_{screen.kind}", full_page=False)
    screen.assert_clean()


def test_keyboard_moves_the_era_and_the_map_is_never_sent_again(screen, app_url: str) -> None:
    page = screen.page
    open_explore(page, app_url)
    page.evaluate(f"() => {{ document.querySelector('{MAP_IFRAME}').contentWindow.__atlasMarker = 42; }}")
    length = page.evaluate("() => history.length")
    checked = page.locator('[role="radio"][aria-checked="true"]')
    checked.focus()
    page.keyboard.press("Home")  # oldest era
    expect(page.get_by_role("radio", name="c. 1900")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # c. 1900 -> 1950s -> 1970s
    wait_for_app(page, timeout=60_000)
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("radio", name="1970s")).to_be_focused()  # focus stays on the control
    page.keyboard.press("End")
    expect(map_frame(page).locator('html[data-atlas-era="range_present"]')).to_have_count(1, timeout=30_000)
    page.keyboard.press("ArrowLeft")
    expect(map_frame(page).locator('html[data-atlas-era="range_c2000"]')).to_have_count(1, timeout=30_000)
    wait_for_server_era(page, "range_c2000")
    # the same map document: updated in place, not reloaded; no history entry for an era change
    assert page.evaluate(f"() => document.querySelector('{MAP_IFRAME}').contentWindow.__atlasMarker") == 42
    assert page.evaluate("() => history.length") == length
    assert "era=range_c2000" in page.url
    # the server heard of the choice: another page, then Explore again, still shows c. 2000
    open_from_navigation(page, "compare")
    open_from_navigation(page, "explore")
    expect(map_frame(page).locator('html[data-atlas-era="range_c2000"]')).to_have_count(1, timeout=30_000)
    expect(page.locator(".atlas-figures").filter(visible=True)).to_contain_text("Range area, c. 2000")
    screen.assert_clean()


def test_play_steps_through_every_era_and_stops_at_the_last(screen, app_url: str) -> None:
    page = screen.page
    open_explore(page, app_url, "era=range_c1900")
    record_eras_on_map(page)
    play = page.get_by_role("button", name=t("era_control.play", "en"))
    play.tap() if screen.kind == "phone" else play.click()
    expect(page.get_by_role("button", name=t("era_control.pause", "en"))).to_be_visible()
    expect(map_frame(page).locator('html[data-atlas-era="range_present"]')).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("button", name=t("era_control.play", "en"))).to_be_visible()  # stopped by itself
    page.wait_for_timeout(2500)  # longer than a pause: nothing moves after the last era
    assert page.evaluate("() => window.__eras") == ["range_1950s", "range_1970s", "range_c2000", "range_present"]
    wait_for_app(page, timeout=60_000)
    assert "era=" not in page.url  # the newest era is the default: the address leaves it out
    expect(page.locator('[data-track="era"] [data-era="range_present"]')).to_have_attribute("aria-checked", "true")
    screen.assert_clean()


def test_pause_stops_play(screen, app_url: str) -> None:
    page = screen.page
    open_explore(page, app_url, "era=range_c1900")
    page.get_by_role("button", name=t("era_control.play", "en")).click()
    expect(map_frame(page).locator('html[data-atlas-era="range_1950s"]')).to_have_count(1, timeout=30_000)
    page.get_by_role("button", name=t("era_control.pause", "en")).click()
    paused_on = shown_on_map(page)
    page.wait_for_timeout(2500)  # longer than a pause
    assert shown_on_map(page) == paused_on and paused_on in ("range_1950s", "range_1970s")
    expect(page.get_by_role("button", name=t("era_control.play", "en"))).to_be_visible()
    screen.assert_clean()


def test_with_reduced_motion_play_shows_one_era_per_press(browser, app_url: str) -> None:
    context = browser.new_context(viewport=SIZES["desktop"], reduced_motion="reduce", service_workers="block")
    page = context.new_page()
    open_explore(page, app_url, "era=range_c1900")
    step = page.get_by_role("button", name=t("era_control.step", "en"))
    step.click()
    expect(map_frame(page).locator('html[data-atlas-era="range_1950s"]')).to_have_count(1, timeout=30_000)
    page.wait_for_timeout(2500)  # nothing moves by itself
    assert shown_on_map(page) == "range_1950s"
    step.click()
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1, timeout=30_000)
    context.close()


def test_compare_plays_the_right_hand_map_from_the_left_hand_era(screen, app_url: str) -> None:
    page = screen.page
    page.goto(f"{app_url}/compare?left=range_1970s")
    wait_for_app(page, timeout=60_000)
    close_sidebar_on_a_phone(page)
    frame = map_frame(page).locator("html")
    expect(frame).to_have_attribute("data-atlas-era-left", "range_1970s", timeout=30_000)
    expect(frame).to_have_attribute("data-atlas-era-right", "range_present")
    play = page.get_by_role("button", name=t("era_control.play", "en"))
    play.tap() if screen.kind == "phone" else play.click()
    expect(frame).to_have_attribute("data-atlas-era-right", "range_c2000", timeout=30_000)  # the era after 1970s
    expect(frame).to_have_attribute("data-atlas-era-right", "range_present", timeout=30_000)
    expect(page.get_by_role("button", name=t("era_control.play", "en"))).to_be_visible()
    assert frame.get_attribute("data-atlas-era-left") == "range_1970s"
    wait_for_app(page, timeout=60_000)
    assert page.url == f"{app_url}/compare?left=range_1970s&lang=en"
    # the figures followed from the server
    expect(page.get_by_text("1970s").first).to_be_visible()
    save_screenshot(page, f"compare_after_play_{screen.kind}", full_page=False)
    screen.assert_clean()


def test_a_map_frame_the_page_cannot_reach_is_reported_and_the_era_comes_with_the_map(offline_page,
                                                                                      app_url: str) -> None:
    page = offline_page.page
    # as if the map frame were from another origin: its document is closed to the page
    page.add_init_script("""(() => {
      const native = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype, 'contentDocument');
      Object.defineProperty(HTMLIFrameElement.prototype, 'contentDocument', {
        get() { return this.title === 'streamlit_folium.st_folium' ? null : native.get.call(this); }});
    })();""")
    page.set_viewport_size(SIZES["desktop"])
    page.goto(f"{app_url}/?era=range_1950s")
    wait_for_app(page, timeout=60_000)
    page.get_by_role("radio", name="1970s").click()
    wait_for_app(page, timeout=60_000)
    # the map was sent again with its era in it (the page could not tell the map itself)
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1, timeout=30_000)
    assert any("map_frame_not_same_origin" in error for error in offline_page.console_errors)
