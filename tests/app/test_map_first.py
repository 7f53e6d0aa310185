"""Explore's first run sends the map (and its era control) alone; the browser's "drawn" report brings the
rest (state.map_first_pass). The report itself is a browser event: tests/e2e/test_era_control.py sees it
arrive; here its effect, ``state.mark_map_drawn``, is applied through session state."""
from __future__ import annotations

from dashboard.ui.common import READY_SENTINEL
from dashboard.ui.state import MAP_DRAWN

from app_helpers import era_data, map_args, map_count, map_elements, no_exceptions, run_app


def has_sentinel(at) -> bool:
    return any(READY_SENTINEL in m.value and "<style>" not in m.value for m in at.markdown)


def test_first_run_sends_the_map_alone_and_asks_for_a_report() -> None:
    at = run_app(map_drawn=False, era="range_1950s")
    no_exceptions(at)
    assert map_count(at) == 1
    data = era_data(at)
    assert (data["map"]["box"], data["tracks"][0]["value"], data["report_drawn"]) == ("explore_map_box", "range_1950s",
                                                                                      True)
    assert len(at.multiselect) == 0 and len(at.sidebar.selectbox) == 0
    assert not has_sentinel(at)  # the page is not finished: the browser must not call it ready


def test_the_report_brings_the_whole_page_around_the_same_map() -> None:
    at = run_app(map_drawn=False)
    first_args = map_args(at)
    first_id = map_elements(at)[0].proto.id
    at.session_state[MAP_DRAWN] = True  # what the era element's "drawn" trigger does (state.mark_map_drawn)
    at.run()
    no_exceptions(at)
    assert has_sentinel(at)
    assert [m.key for m in at.multiselect] == ["w_layers", "w_tiles"]
    # the same arguments and element id: the browser keeps the map it has already drawn
    assert map_args(at) == first_args
    assert map_elements(at)[0].proto.id == first_id
    assert "report_drawn" not in era_data(at)


def test_other_pages_and_later_runs_send_everything_at_once() -> None:
    at = run_app(page="compare", map_drawn=False)
    no_exceptions(at)
    assert has_sentinel(at) and map_count(at) == 1  # the Compare DualMap, with the page around it
    at = run_app(map_drawn=True)
    assert has_sentinel(at) and era_data(at)["tracks"][0]["value"] == "range_present"
