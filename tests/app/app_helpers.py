"""AppTest helpers: run the real multipage app in-process, read the map component's arguments."""
from __future__ import annotations

import json
import re
from typing import Any

from streamlit.testing.v1 import AppTest

from dashboard.core.paths import PACKAGE_DIR
from dashboard.ui.state import MAP_DRAWN

APP = str(PACKAGE_DIR / "app.py")


def run_app(map_drawn: bool = True, **params: str) -> AppTest:
    """The app's first run with these URL parameters.

    ``map_drawn``: as after the browser reported the Explore map drawn (``state.map_first_pass``), so
    the first run is the whole page; AppTest has no browser to report it. False: the map-only run.
    """
    at = AppTest.from_file(APP, default_timeout=90)
    if map_drawn:
        at.session_state[MAP_DRAWN] = True
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def map_elements(at: AppTest) -> list:
    """The page's st_folium components, in page order."""
    return [c for c in at.get("component_instance") if "st_folium" in c.proto.component_name]


def map_args(at: AppTest, index: int = 0) -> dict[str, Any]:
    """The JSON arguments sent to the index-th st_folium component (script, html, feature groups...)."""
    return json.loads(map_elements(at)[index].proto.json_args)


def era_sync_element(at: AppTest) -> Any | None:
    """The page's era-sync component (``dashboard.ui.era_sync``), if it has one."""
    return next((c for c in at.get("bidi_component") if c.proto.component_name == "atlas_era_sync"), None)


def era_sync_data(at: AppTest) -> dict[str, Any] | None:
    """What the page tells its map (era, map id, maybe a view), sent by the small era-sync component."""
    sync = era_sync_element(at)
    return json.loads(sync.proto.json) if sync else None


def shown_era(at: AppTest) -> str | None:
    """The era the page asks its map to show."""
    data = era_sync_data(at)
    return data["era"] if data else None


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


