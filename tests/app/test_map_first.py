"""Explore's first run sends the map alone; the browser's "drawn" report brings the rest (state.map_first_pass)."""
from __future__ import annotations

import json

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from dashboard.ui.common import READY_SENTINEL
from dashboard.ui.era_sync import DRAWN_EVENT
from dashboard.ui.state import MAP_DRAWN

from app_helpers import era_sync_data, era_sync_element, map_args, map_count, map_elements, no_exceptions, run_app


def report_map_drawn(at: AppTest) -> AppTest:
    """Rerun as the browser does when the era-sync element reports the map drawn (a component trigger)."""
    sync = era_sync_element(at)
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = f"$$STREAMLIT_INTERNAL_KEY_{sync.proto.id}__events"  # the trigger id components v2 listens on
    trigger.json_trigger_value = json.dumps([{"event": DRAWN_EVENT, "value": True}])
    return at._run(WidgetStates(widgets=list(states.widgets)))


def has_sentinel(at: AppTest) -> bool:
    return any(READY_SENTINEL in m.value and "<style>" not in m.value for m in at.markdown)


def test_first_run_sends_the_map_alone_and_asks_for_a_report() -> None:
    at = run_app(map_drawn=False, era="range_1950s")
    no_exceptions(at)
    assert map_count(at) == 1
    sync = era_sync_data(at)
    assert (sync["box"], sync["era"], sync["report"]) == ("explore_map_box", "range_1950s", True)
    assert len(at.select_slider) == 0 and len(at.multiselect) == 0 and len(at.sidebar.selectbox) == 0
    assert not has_sentinel(at)  # the page is not finished: the browser must not call it ready


def test_the_report_brings_the_whole_page_around_the_same_map() -> None:
    at = run_app(map_drawn=False)
    first_args = map_args(at)
    first_id = map_elements(at)[0].proto.id
    report_map_drawn(at)
    no_exceptions(at)
    assert at.session_state[MAP_DRAWN] is True
    assert has_sentinel(at)
    assert [s.value for s in at.select_slider] == ["range_present"]
    assert [m.key for m in at.multiselect] == ["w_layers", "w_tiles"]
    # the same arguments and element id: the browser keeps the map it has already drawn
    assert map_args(at) == first_args
    assert map_elements(at)[0].proto.id == first_id
    assert "report" not in era_sync_data(at)


def test_other_pages_and_later_runs_send_everything_at_once() -> None:
    at = run_app(map_drawn=False, page="compare")
    no_exceptions(at)
    assert has_sentinel(at) and map_count(at) == 1  # the Compare DualMap, with the page around it
    at = run_app(map_drawn=True)
    assert has_sentinel(at) and len(at.select_slider) == 1
