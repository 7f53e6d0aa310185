"""AppTest helpers: run the real multipage app in-process, read the map component's arguments."""
from __future__ import annotations

import json
import re
from typing import Any

from streamlit.testing.v1 import AppTest

from dashboard.core.paths import PACKAGE_DIR
from dashboard.ui.state import MAP_DRAWN

APP = str(PACKAGE_DIR / "app.py")


def run_app(page: str = "explore", map_drawn: bool = True, query: dict[str, str] | None = None,
            **params: str) -> AppTest:
    """The app as a new session opened at ``page``'s own address (``/compare``) with these parameters.

    ``map_drawn``: as after the browser reported the Explore map drawn (``state.map_first_pass``), so
    the first run is the whole page; AppTest has no browser to report it. False: the map-only run.
    AppTest can open another page only after a first run (which registers the pages): for another page
    that run opens Explore, then the session is made new again, as a fresh tab at that address would be.
    ``query``: more address parameters (e.g. an old-style ``page``, or fuzzed names).
    """
    at = AppTest.from_file(APP, default_timeout=90)
    if page != "explore":
        at.run()
        at.switch_page(f"views/{page}.py")
        for key in list(at.session_state.keys()):
            if key not in at.session_state.keys():
                continue
            try:
                del at.session_state[key]
            except Exception:  # a widget's own state: replaced by the next run
                pass
    if map_drawn:
        at.session_state[MAP_DRAWN] = True
    for key, value in {**params, **(query or {})}.items():
        at.query_params[key] = value
    return at.run()


def era_element(at: AppTest, key: str = "explore_era") -> Any | None:
    """The page's era element (``dashboard.ui.era_control``) mounted with ``key``, if any."""
    from dashboard.ui.era_control import NAME

    return next((c for c in at.get("bidi_component") if c.proto.component_name == NAME
                 and c.proto.id.endswith(key)), None)


def era_data(at: AppTest, key: str = "explore_era") -> dict[str, Any] | None:
    """What the page sent its era element (eras, tracks, map, play, address)."""
    element = era_element(at, key)
    return json.loads(element.proto.json) if element else None


def address(at: AppTest) -> dict[str, str] | None:
    """The address the app asks the browser to show (``era_control.show_address``)."""
    data = era_data(at, "atlas_address_element")
    return data["address"]["params"] if data else None


def map_elements(at: AppTest) -> list:
    """The page's st_folium components, in page order."""
    return [c for c in at.get("component_instance") if "st_folium" in c.proto.component_name]


def map_args(at: AppTest, index: int = 0) -> dict[str, Any]:
    """The JSON arguments sent to the index-th st_folium component (script, html, feature groups...)."""
    return json.loads(map_elements(at)[index].proto.json_args)


def shown_era(at: AppTest) -> str | None:
    """The era Explore's era element shows (on the map, the panels and the address)."""
    data = era_data(at)
    return data["tracks"][0]["value"] if data else None


_PANEL = re.compile(r'<div data-atlas-era-panel="([^"]*)"( hidden)?>')
_DIV = re.compile(r"<div\b|</div>")


def era_panel_parts(body: str) -> dict[str, tuple[bool, str]]:
    """The era panels (``core.figures.era_panels``) in an HTML block: era -> (shown, that era's HTML)."""
    parts = {}
    for match in _PANEL.finditer(body):
        depth = 0
        for tag in _DIV.finditer(body, match.end()):  # the panel ends where its own </div> closes it
            depth += -1 if tag.group() == "</div>" else 1
            if depth < 0:
                parts[match.group(1)] = (match.group(2) is None, body[match.end():tag.start()])
                break
    assert parts, "no era panels in the block"
    return parts


def shown_panel(body: str) -> tuple[str, str]:
    """The one era panel of a block that is not hidden: (era, its HTML)."""
    shown = [(era, html) for era, (visible, html) in era_panel_parts(body).items() if visible]
    assert len(shown) == 1, f"{len(shown)} panels shown"
    return shown[0]


def html_blocks(at: AppTest, marker: str, sidebar: bool = False) -> list[str]:
    """Bodies of the page's (or sidebar's) st.html elements that contain ``marker``."""
    where = at.sidebar if sidebar else at.main
    return [h.proto.body for h in where.get("html") if marker in h.proto.body]


def map_count(at: AppTest) -> int:
    return len(map_elements(at))


def chart_specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def chart_rows(at: AppTest, index: int = 0) -> list[dict[str, Any]]:
    """Every data row sent with the index-th chart (Streamlit ships datasets as Arrow tables)."""
    import pyarrow as pa

    rows: list[dict[str, Any]] = []
    for dataset in at.get("vega_lite_chart")[index].proto.datasets:
        rows += pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return rows


def no_exceptions(at: AppTest) -> None:
    assert [e.value for e in at.exception] == []
    assert not [e.value for e in at.error], [e.value for e in at.error]


