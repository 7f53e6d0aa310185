"""The offline export pack opens from file:// in headless Chromium with every other request aborted.

The pack is written into tmp_path by dashboard.export.write_pack; no server runs. Each page must
draw (Leaflet SVG paths, the Vega chart) without a single request other than file://, no
uncaught exception and no console error. Screenshots: tests/e2e/screenshots/export_*.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import OfflinePage, guard_page, save_screenshot
from playwright.sync_api import BrowserContext

from dashboard import export
from dashboard.core.loaders import Atlas, load_atlas
from dashboard.core.paths import data_dir

#: The era's range is drawn in Leaflet's overlay pane; the basemap, the c. 1900 outline and the
#: protected areas in custom panes (dashboard.core.maps.PANES), all inside the map pane.
PATHS = ".leaflet-overlay-pane svg path"
ALL_PATHS = ".leaflet-map-pane svg path"
TIMEOUT = 20_000
#: Not network requests: inline data and in-page object URLs (never leave the machine).
IN_PAGE_SCHEMES = ("data:", "blob:", "about:")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    range_file = data_dir() / "geo" / "range.geojson"
    if not range_file.is_file():
        pytest.skip(f"{range_file} does not exist yet (the range layer is being built); "
                    "the era maps cannot be exported without it")
    base = tmp_path_factory.mktemp("export")
    snapshot = base / "snapshot"  # colleagues may be editing data/ while the tests run
    shutil.copytree(data_dir(), snapshot)
    out = base / "pack"
    export.write_pack(out, "en", data_root=snapshot)
    return out


def pack_atlas(pack: Path) -> Atlas:
    """The atlas the pack was built from (its data/ folder is a copy of the snapshot)."""
    return load_atlas(pack / "data")


class FilePage(OfflinePage):
    """A page that may load file:// URLs (and in-page data) only; anything else is aborted and recorded."""

    def open(self, path: Path) -> None:
        self.page.goto(path.resolve().as_uri(), wait_until="load", timeout=TIMEOUT)

    def assert_offline_clean(self) -> None:
        self.assert_clean()
        non_file = [u for u in self.requests if not is_file_or_in_page(u)]
        assert not non_file, f"offline pack made non-file requests: {non_file}"
        assert any(u.startswith("file://") for u in self.requests), "no request was seen at all"


def is_file_or_in_page(url: str) -> bool:
    return url.startswith(("file://",) + IN_PAGE_SCHEMES)


@pytest.fixture
def file_page(context: BrowserContext) -> Iterator[FilePage]:
    result = guard_page(context, is_file_or_in_page, FilePage)
    yield result
    result.page.close()


def test_era_map_draws_offline(pack: Path, file_page: FilePage) -> None:
    page = file_page.page
    file_page.open(pack / "maps" / "range_present.html")
    range_paths = page.locator(PATHS)
    range_paths.first.wait_for(state="attached", timeout=TIMEOUT)
    assert range_paths.count() > 0
    atlas = pack_atlas(pack)
    basemap = sum(len(layer.geojson["features"]) for layer in atlas.layers_with_role("basemap"))
    everything = page.locator(ALL_PATHS).count()
    assert everything > basemap, f"only {everything} paths (the basemap alone has {basemap} features)"
    assert page.locator(".atlas-map-legend").count() == 1
    assert page.locator(".pack-map-head h1").inner_text().strip()
    assert page.evaluate("typeof L === 'object' && L.version") == "1.9.3"
    assert page.locator(".leaflet-tile-pane img").count() == 0  # online tiles are off
    save_screenshot(page, "export_range_present", full_page=False)
    # The range's popup opens (GeoJsonPopup needs no jQuery); fired through Leaflet, not a pixel.
    opened = page.evaluate("""() => {
        const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
        let hit = false;
        map.eachLayer(layer => {
            if (!hit && layer.feature && layer.feature.properties.id === 'range_present' && layer.getBounds) {
                // propagate (true): the popup is bound to the GeoJson group, not the feature
                layer.fire('click', {latlng: layer.getBounds().getCenter()}, true);
                hit = true;
            }
        });
        return hit;
    }""")
    assert opened, "no layer for range_present"
    popup = page.locator(".leaflet-popup-content")
    popup.first.wait_for(state="attached", timeout=TIMEOUT)
    era = next(e for e in atlas.eras() if e["id"] == "range_present")
    assert str(era["era_label"]) in popup.first.inner_text()
    page.wait_for_function(  # fade-in and auto-pan finished, for a clean screenshot
        "() => { const p = document.querySelector('.leaflet-popup');"
        " return p && getComputedStyle(p).opacity === '1'"
        " && !document.querySelector('.leaflet-pan-anim, .leaflet-zoom-anim'); }", timeout=TIMEOUT)
    page.wait_for_timeout(300)
    save_screenshot(page, "export_range_present_popup", full_page=False)
    file_page.assert_offline_clean()


def test_compare_map_draws_offline(pack: Path, file_page: FilePage) -> None:
    page = file_page.page
    file_page.open(pack / "maps" / "compare.html")
    page.locator(PATHS).first.wait_for(state="attached", timeout=TIMEOUT)
    containers = page.locator(".leaflet-container")
    assert containers.count() == 2
    for index in range(2):
        assert containers.nth(index).locator(PATHS).count() > 0, f"map {index + 1} drew no range"
        drawn = containers.nth(index).locator(ALL_PATHS).count()
        assert drawn > 10, f"map {index + 1} drew {drawn} paths"
    assert page.locator(".pack-side-label").count() == 2
    save_screenshot(page, "export_compare", full_page=False)
    file_page.assert_offline_clean()


def test_population_chart_renders_offline(pack: Path, file_page: FilePage) -> None:
    page = file_page.page
    file_page.open(pack / "population.html")
    chart = page.locator("#vis svg, #vis canvas")
    chart.first.wait_for(state="attached", timeout=TIMEOUT)
    symbols = page.locator("#vis svg .mark-symbol path")
    symbols.first.wait_for(state="attached", timeout=TIMEOUT)
    assert symbols.count() > 5, f"only {symbols.count()} estimate marks drawn"
    population = pack_atlas(pack).table("population")
    assert page.locator("table tbody tr").count() == len(population)
    save_screenshot(page, "export_population", full_page=True)
    file_page.assert_offline_clean()


def test_population_chart_x_axis_covers_the_estimates_only(pack: Path, file_page: FilePage) -> None:
    """Regression: layers without the shared x scale once pulled the axis to 0 (zero=true)."""
    page = file_page.page
    file_page.open(pack / "population.html")
    page.wait_for_function("window.atlasChart && window.atlasChart.view", timeout=TIMEOUT)
    low, high = page.evaluate("window.atlasChart.view.scale('x').domain()")
    assert 1900 <= low <= 1975 and 2020 <= high <= 2030, f"x axis runs from {low} to {high}"


def test_index_and_sources_open_offline(pack: Path, file_page: FilePage) -> None:
    page = file_page.page
    file_page.open(pack / "index.html")
    assert page.locator("a[href='maps/compare.html']").count() == 1
    save_screenshot(page, "export_index", full_page=True)
    page.locator("a[href='sources.html']").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/sources.html")
    assert page.locator("tr[id^='src-']").count() == len(pack_atlas(pack).table("sources"))
    save_screenshot(page, "export_sources", full_page=False)
    file_page.assert_offline_clean()
