"""The real app in headless Chromium, with every request outside localhost blocked."""
from __future__ import annotations

import json

import pytest
import shapely
import shapely.geometry
from playwright.sync_api import expect

from dashboard.core.i18n import t
from dashboard.core.paths import data_dir
from helpers import map_frame, save_screenshot, wait_for_app

APP = "dashboard/app.py"
ERA_PATH = ".leaflet-overlay-pane svg > g > path"  # the era's range is the only layer in Leaflet's default pane
ANY_PATH = ".leaflet-map-pane svg > g > path"


@pytest.fixture(scope="module")
def app_url(streamlit_app) -> str:
    return streamlit_app(APP)


def open_page(offline_page, app_url: str, query: str) -> None:
    offline_page.page.set_viewport_size({"width": 1366, "height": 768})
    offline_page.page.goto(f"{app_url}/?{query}")
    wait_for_app(offline_page.page, timeout=60_000)
    expect(offline_page.page.get_by_test_id("stException")).to_have_count(0)


def era_path_d(page) -> str:
    path = map_frame(page).locator(ERA_PATH).first
    path.wait_for(state="attached", timeout=30_000)
    return path.get_attribute("d") or ""


@pytest.mark.parametrize("page_key", ["explore", "compare", "classroom"])
def test_map_pages_draw_their_maps_offline(offline_page, app_url: str, page_key: str) -> None:
    open_page(offline_page, app_url, f"page={page_key}")
    frame = map_frame(offline_page.page)
    paths = frame.locator(ANY_PATH)
    expect(paths.first).to_be_attached(timeout=30_000)
    assert paths.count() > 30  # basemap provinces + context + parks + era
    offline_page.page.wait_for_timeout(800)
    save_screenshot(offline_page.page, f"page_{page_key}", full_page=False)
    offline_page.assert_clean()


def test_population_chart_renders(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=population")
    chart = offline_page.page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_attached(timeout=30_000)
    save_screenshot(offline_page.page, "page_population", full_page=False)
    offline_page.assert_clean()


def test_sources_page(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=sources")
    expect(offline_page.page.get_by_text("Jiang G.", exact=False).first).to_be_attached()
    grids = offline_page.page.get_by_test_id("stDataFrame")
    expect(grids).to_have_count(2)  # how each layer was drawn; the citations
    for index in range(2):  # each grid drawn (its canvas), not still a loading placeholder
        expect(grids.nth(index).locator("canvas").first).to_be_attached(timeout=30_000)
    save_screenshot(offline_page.page, "page_sources", full_page=False)
    offline_page.assert_clean()


def test_explore_draws_every_default_layer(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=explore")
    frame = map_frame(offline_page.page)
    for pane, at_least in (("basemap", 20), ("context", 1), ("protected", 7)):
        expect(frame.locator(f".leaflet-{pane}-pane svg path").first).to_be_attached(timeout=30_000)
        assert frame.locator(f".leaflet-{pane}-pane svg path").count() >= at_least, pane
    assert era_path_d(offline_page.page)
    expect(frame.locator(".leaflet-control-layers")).to_have_count(1)
    # one legend shown: the others are the other eras' versions, hidden until the slider picks them
    expect(offline_page.page.get_by_text(t("legend.title", "en")).filter(visible=True)).to_have_count(1)


# Records, from the page's first script on, the first map iframe element and when the map's first
# shape and the era slider appeared.
_LOAD_ORDER = """
(() => {
  if (window !== window.top) return;
  const seen = window.__loadOrder = {frame: null, frames: 0, drawn: null, slider: null};
  const check = () => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    if (frame && frame !== seen.frame) { seen.frame = frame; seen.frames += 1; }
    try {
      if (seen.drawn === null && frame && frame.contentDocument
          && frame.contentDocument.querySelector('.leaflet-map-pane svg path')) seen.drawn = performance.now();
    } catch (error) { /* not loaded yet */ }
    if (seen.slider === null && document.querySelector('[data-testid="stSlider"]')) seen.slider = performance.now();
    if (seen.slider === null || seen.drawn === null) setTimeout(check, 5);
  };
  check();
})();
"""


def test_explore_draws_its_map_first_and_keeps_it_when_the_rest_arrives(offline_page, app_url: str) -> None:
    page = offline_page.page
    page.add_init_script(_LOAD_ORDER)
    open_page(offline_page, app_url, "page=explore&era=range_1950s")
    expect(page.get_by_role("slider")).to_have_count(1)
    page.wait_for_function("() => window.__loadOrder.drawn !== null", timeout=30_000)
    seen = page.evaluate("() => ({frames: window.__loadOrder.frames, drawn: window.__loadOrder.drawn,"
                         " slider: window.__loadOrder.slider,"
                         " same: document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
                         "       === window.__loadOrder.frame})")
    assert seen["drawn"] is not None and seen["slider"] is not None
    assert seen["drawn"] < seen["slider"], seen  # the map was drawn before the widgets came
    assert seen["frames"] == 1 and seen["same"], seen  # ...and the whole page kept that map
    expect(map_frame(page).locator('html[data-atlas-era="range_1950s"]')).to_have_count(1)
    offline_page.assert_clean()


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


def test_the_page_follows_the_era_slider_before_the_server_answers(offline_page, app_url: str) -> None:
    page = offline_page.page
    page.add_init_script(_MESSAGE_TIMES)
    open_page(offline_page, app_url, "page=explore")
    expect(map_frame(page).locator('html[data-atlas-era="range_present"]')).to_have_count(1)
    page.evaluate("""() => {
      const doc = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentDocument;
      const seen = window.__eraShown = {map: null, blocks: null, address: null};
      new MutationObserver(() => {
        if (seen.map === null && doc.documentElement.dataset.atlasEra === 'range_c1900') seen.map = performance.now();
      }).observe(doc.documentElement, {attributes: true, attributeFilter: ['data-atlas-era']});
      // the legend, the key figures and the share link: each shows only the new era's version
      new MutationObserver(() => {
        const shown = Array.from(document.querySelectorAll('[data-atlas-era-panel]:not([hidden])'),
                                 (p) => p.getAttribute('data-atlas-era-panel'));
        if (seen.blocks === null && shown.length === 3 && shown.every((era) => era === 'range_c1900'))
          seen.blocks = performance.now();
        if (seen.address === null && location.search.includes('era=range_c1900')) seen.address = performance.now();
      }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['hidden']});
    }""")
    page.get_by_role("slider").first.focus()
    pressed = page.evaluate("() => performance.now()")
    page.keyboard.press("Home")  # oldest era: c. 1900
    wait_for_app(page, timeout=60_000)
    page.wait_for_function("() => Object.values(window.__eraShown).every((t) => t !== null)", timeout=10_000)
    shown = page.evaluate("() => window.__eraShown")
    answers = [t for t in page.evaluate("() => window.__messageTimes") if t > pressed]
    assert answers, "the slider's move did not reach the server"
    for what, when in shown.items():  # all shown before the rerun's first message
        assert when < answers[0], (what, when - pressed, answers[0] - pressed)
    figures = page.locator(".atlas-figures").filter(visible=True)
    expect(figures).to_have_count(1)
    expect(figures).to_contain_text("Range area, c. 1900")
    expect(page.get_by_test_id("stSidebar").locator("code").filter(visible=True)).to_have_text(
        f"{app_url}/?page=explore&era=range_c1900")
    offline_page.assert_clean()


def test_moving_the_era_slider_redraws_the_range_without_reloading_the_map(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=explore")
    page = offline_page.page
    before = era_path_d(page)
    page.evaluate("() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
                  " f.contentWindow.__atlasMarker = 42; }")
    page.get_by_role("slider").first.focus()
    page.keyboard.press("Home")  # oldest era: c. 1900
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text("c. 1900").first).to_be_visible()
    page.wait_for_function(
        "(old) => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " const p = f && f.contentDocument.querySelector('.leaflet-overlay-pane svg > g > path');"
        " return p && p.getAttribute('d') !== old; }", arg=before, timeout=30_000)
    assert era_path_d(page) != before
    # same iframe document: the map was updated in place, not reloaded (no flicker, zoom kept)
    assert page.evaluate("() => document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
                         ".contentWindow.__atlasMarker") == 42
    assert "era=range_c1900" in page.url
    expect(map_frame(page).locator('html[data-atlas-era="range_c1900"]')).to_have_count(1)
    # the server heard of the move: another page, then Explore again, still shows c. 1900
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=t("page.compare", "en")).click()
    wait_for_app(page, timeout=60_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=t("page.explore", "en")).click()
    wait_for_app(page, timeout=60_000)
    expect(map_frame(page).locator('html[data-atlas-era="range_c1900"]')).to_have_count(1, timeout=30_000)
    expect(page.locator(".atlas-figures").filter(visible=True)).to_contain_text("Range area, c. 1900")
    assert "era=range_c1900" in page.url
    offline_page.assert_clean()


def test_deep_link_in_russian_draws_the_1970s(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "lang=ru&era=range_1970s")
    page = offline_page.page
    expect(page.get_by_role("heading", name=t("explore.title", "ru"))).to_be_visible()
    expect(page.get_by_text(t("sidebar.language", "ru")).first).to_be_visible()
    d_1970s = era_path_d(page)
    assert d_1970s
    # the map loaded already showing the linked era (its frame was told before the map started)
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1)
    assert map_frame(page).locator(ERA_PATH).count() == 1
    save_screenshot(page, "deep_link_ru_1970s", full_page=False)
    offline_page.assert_clean()


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_each_language_renders(offline_page, app_url: str, lang: str) -> None:
    open_page(offline_page, app_url, f"lang={lang}&page=population")
    expect(offline_page.page.get_by_role("heading", name=t("population.title", lang))).to_be_visible()
    save_screenshot(offline_page.page, f"population_{lang}", full_page=False)


def test_presenter_view_hides_the_sidebar_and_enlarges_text(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "presenter=1&page=classroom&step=4")
    page = offline_page.page
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_role("button", name=t("sidebar.exit_presenter", "en"))).to_be_visible()
    expect(page.get_by_text(t("classroom.step_of", "en", step=4, total=11))).to_be_visible()
    expect(map_frame(page).locator(ERA_PATH).first).to_be_attached(timeout=30_000)
    save_screenshot(page, "presenter_classroom_step4", full_page=False)
    offline_page.assert_clean()


def test_story_next_moves_the_map(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=classroom")
    page = offline_page.page
    first = era_path_d(page)
    for _ in range(3):
        page.get_by_role("button", name=t("classroom.next", "en")).click()
        wait_for_app(page, timeout=60_000)
    expect(page.get_by_text(t("classroom.step_of", "en", step=4, total=11))).to_be_visible()
    expect(page.get_by_role("heading", name=t("story.s04_three_groups.title", "en"))).to_be_visible()
    page.wait_for_function(
        "(old) => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " const p = f && f.contentDocument.querySelector('.leaflet-overlay-pane svg > g > path');"
        " return p && p.getAttribute('d') !== old; }", arg=first, timeout=30_000)
    # step 4's era and view (data/story.json: the 1970s, centred on 43.6 N 131.8 E at zoom 6), same map frame
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1)
    view = page.locator('iframe[title="streamlit_folium.st_folium"]').first.evaluate(
        "(f) => { const m = f.contentWindow.map; const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }")
    assert view[2] == 6 and abs(view[0] - 43.6) < 0.01 and abs(view[1] - 131.8) < 0.01
    save_screenshot(page, "story_step4", full_page=False)


def point_only_in(park_id: str) -> tuple[float, float]:
    """(lat, lng) deepest inside ``park_id`` and outside every other protected area, from the data itself
    (so a redrawn border or park does not move the click onto a neighbour)."""
    shapes = {feature["properties"]["id"]: shapely.geometry.shape(feature["geometry"])
              for name in ("russia", "china")
              for feature in json.loads((data_dir() / "geo" / f"protected_areas_{name}.geojson").read_text())["features"]}
    only = shapes[park_id].difference(shapely.union_all([g for key, g in shapes.items() if key != park_id]))
    largest = max(getattr(only, "geoms", [only]), key=lambda part: part.area)
    centre = shapely.maximum_inscribed_circle(largest).coords[0]
    return centre[1], centre[0]


def click_land_of_the_leopard(page) -> None:
    """Click a point inside Land of the Leopard NP only, the map zoomed in on it, placed by Leaflet itself."""
    frame_el = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    expect(map_frame(page).locator(".leaflet-protected-pane svg path").first).to_be_attached(timeout=30_000)
    point = frame_el.evaluate("(f, ll) => { const m = f.contentWindow.map; m.setView(ll, 9, {animate: false});"
                              " const p = m.latLngToContainerPoint(ll); return [p.x, p.y]; }",
                              list(point_only_in("pa_land_of_the_leopard")))
    box = frame_el.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    wait_for_app(page, timeout=60_000)


def test_clicking_a_park_fills_the_details_panel(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=explore")
    page = offline_page.page
    click_land_of_the_leopard(page)
    panel = page.get_by_text(t("facts.published_area", "en"), exact=True)
    expect(panel.first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("wiki_llnp").first).to_be_visible()
    expect(page.get_by_text("Land of the Leopard National Park", exact=True).first).to_be_visible()
    save_screenshot(page, "details_panel_llnp", full_page=False)


def test_russian_details_panel_fits_beside_the_map(offline_page, app_url: str) -> None:
    """Long Russian words in a narrow column wrap inside the details table instead of pushing it out."""
    open_page(offline_page, app_url, "page=explore&lang=ru")
    page = offline_page.page
    click_land_of_the_leopard(page)
    table = page.locator("table.atlas-details").first
    expect(table).to_be_visible(timeout=30_000)
    column = table.locator("xpath=ancestor::div[@data-testid='stColumn'][1]")
    table_box, column_box = table.bounding_box(), column.bounding_box()
    assert table_box["x"] + table_box["width"] <= column_box["x"] + column_box["width"] + 1
    table.scroll_into_view_if_needed()
    save_screenshot(page, "details_panel_llnp_ru", full_page=False)


def test_clicking_an_era_shown_after_a_slider_move_fills_the_details_panel(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=explore")
    page = offline_page.page
    expect(map_frame(page).locator('html[data-atlas-era="range_present"]')).to_have_count(1, timeout=30_000)
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # present -> c. 2000 -> 1970s
    wait_for_app(page, timeout=60_000)
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1, timeout=30_000)
    frame_el = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    # eastern Jilin mountains: inside the 1970s range, outside every park
    point = frame_el.evaluate("(f) => { const p = f.contentWindow.map.latLngToContainerPoint([43.0, 128.5]);"
                              " return [p.x, p.y]; }")
    box = frame_el.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text("Range in the 1970s", exact=True).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(t("facts.period", "en"), exact=True).first).to_be_visible()


def test_online_tiles_that_cannot_load_leave_the_map_usable(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=explore")
    page = offline_page.page
    expect(map_frame(page).locator(ERA_PATH).first).to_be_attached(timeout=30_000)
    before = map_frame(page).locator(ANY_PATH).count()
    page.get_by_role("combobox", name=t("explore.online_tiles", "en")).click()
    page.get_by_role("option", name=t("tiles.streets", "en")).click()
    page.keyboard.press("Escape")
    wait_for_app(page, timeout=60_000)
    frame = map_frame(page)
    expect(frame.locator(".leaflet-online_tiles-pane img").first).to_be_attached(timeout=30_000)
    page.wait_for_timeout(1500)
    # the tile requests were attempted (and blocked: no internet here), nothing else left localhost
    assert offline_page.external_requests
    assert all("tile.openstreetmap.org" in url for url in offline_page.external_requests)
    # and the offline map is still fully drawn under the missing tiles
    assert frame.locator(ANY_PATH).count() >= before > 30
    assert frame.locator(ERA_PATH).count() >= 1
    save_screenshot(page, "online_tiles_unreachable", full_page=False)
