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
    """Open the page named by ``page=`` in ``query`` at its own address (``/compare?lang=ru``)."""
    params = [part for part in query.split("&") if part and not part.startswith("page=")]
    page_name = next((part[5:] for part in query.split("&") if part.startswith("page=")), "explore")
    path = "/" if page_name == "explore" else f"/{page_name}"
    offline_page.page.set_viewport_size({"width": 1366, "height": 768})
    offline_page.page.goto(f"{app_url}{path}" + (f"?{'&'.join(params)}" if params else ""))
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
    # one legend shown: the others are the other eras' versions, hidden until the era control picks them
    expect(offline_page.page.get_by_text(t("legend.title", "en")).filter(visible=True)).to_have_count(1)


# Records, from the page's first script on, the first map iframe element and when the map's first
# shape and the first Streamlit widget (the layer chooser) appeared.
_LOAD_ORDER = """
(() => {
  if (window !== window.top) return;
  const seen = window.__loadOrder = {frame: null, frames: 0, drawn: null, widgets: null};
  const check = () => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    if (frame && frame !== seen.frame) { seen.frame = frame; seen.frames += 1; }
    try {
      if (seen.drawn === null && frame && frame.contentDocument
          && frame.contentDocument.querySelector('.leaflet-map-pane svg path')) seen.drawn = performance.now();
    } catch (error) { /* not loaded yet */ }
    if (seen.widgets === null && document.querySelector('[data-testid="stMultiSelect"]')) seen.widgets = performance.now();
    if (seen.widgets === null || seen.drawn === null) setTimeout(check, 5);
  };
  check();
})();
"""


def test_explore_draws_its_map_first_and_keeps_it_when_the_rest_arrives(offline_page, app_url: str) -> None:
    page = offline_page.page
    page.add_init_script(_LOAD_ORDER)
    open_page(offline_page, app_url, "page=explore&era=range_1950s")
    expect(page.get_by_role("radio")).to_have_count(5)
    page.wait_for_function("() => window.__loadOrder.drawn !== null && window.__loadOrder.widgets !== null",
                           timeout=30_000)
    seen = page.evaluate("() => ({frames: window.__loadOrder.frames, drawn: window.__loadOrder.drawn,"
                         " widgets: window.__loadOrder.widgets,"
                         " same: document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
                         "       === window.__loadOrder.frame})")
    assert seen["drawn"] is not None and seen["widgets"] is not None
    assert seen["drawn"] < seen["widgets"], seen  # the map was drawn before the widgets came
    assert seen["frames"] == 1 and seen["same"], seen  # ...and the whole page kept that map
    expect(map_frame(page).locator('html[data-atlas-era="range_1950s"]')).to_have_count(1)
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
    # step 4's era and view (data/story.json: the 1970s, centred on 43.6 N 131.8 E at zoom 6), same map frame;
    # Leaflet animates the zoom from step 3's 5 to 6 (starting on the next frame), so wait for the view
    expect(map_frame(page).locator('html[data-atlas-era="range_1970s"]')).to_have_count(1)
    page.wait_for_function(
        "() => { const m = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]').contentWindow.map;"
        " const c = m.getCenter(); return m.getZoom() === 6 && Math.abs(c.lat - 43.6) < 0.01"
        " && Math.abs(c.lng - 131.8) < 0.01; }", timeout=30_000)
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


def test_clicking_an_era_shown_after_an_era_change_fills_the_details_panel(offline_page, app_url: str) -> None:
    open_page(offline_page, app_url, "page=explore")
    page = offline_page.page
    expect(map_frame(page).locator('html[data-atlas-era="range_present"]')).to_have_count(1, timeout=30_000)
    page.locator('[data-track="era"] [data-era="range_present"]').focus()
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
