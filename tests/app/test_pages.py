"""Every page runs, in every language; widgets, state and query parameters behave."""
from __future__ import annotations

import json
from html import escape

import pytest

from dashboard.core import charts
from dashboard.core.i18n import LANGUAGES, t
from dashboard.core.loaders import load_atlas
from dashboard.core.paths import REPO_ROOT, data_dir
from dashboard.core.query import PAGES
from dashboard.ui import state

from app_helpers import (address, chart_rows, chart_specs, era_data, era_panel_parts, html_blocks, map_args,
                         no_exceptions, run_app, shown_era, shown_panel)

ERAS = ("range_c1900", "range_1950s", "range_1970s", "range_c2000", "range_present")


def _raw_map_args(at) -> str:
    return next(c.proto.json_args for c in at.get("component_instance") if "st_folium" in c.proto.component_name)


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_every_language(page: str, lang: str) -> None:
    at = run_app(page=page, lang=lang)
    no_exceptions(at)
    assert at.header[0].value == t(f"{page}.title", lang)


def test_explore_map_shows_the_default_era_and_parks() -> None:
    at = run_app()
    no_exceptions(at)
    args = map_args(at)
    assert shown_era(at) == "range_present"
    assert all(f'"id": "{era}"' in args["script"] for era in ERAS)  # every era ships once, with the map
    assert "atlasShowEra" in args["script"] and args["feature_group"] is None
    assert "pa_land_of_the_leopard" in args["script"] and "pa_hunchun" in args["script"]
    assert "range_c1900" in args["script"]  # hatched context outline
    assert args["returned_objects"] == ["last_object_clicked_tooltip", "all_drawings"]
    assert all(link.startswith("/app/static/") for link in args["js_links"] + args["css_links"])


def test_an_era_choice_changes_only_the_era_not_the_map() -> None:
    at = run_app()
    before = _raw_map_args(at)
    assert era_data(at)["play"] == {"track": "era", "after": None, "pause_ms": 1600}
    at.session_state[state.ERA] = "range_1970s"  # what the era element's on_change does with the reader's choice
    at.run()
    no_exceptions(at)
    assert shown_era(at) == "range_1970s"
    # byte-identical map arguments: Streamlit sends a reference to them, the browser keeps map and zoom
    assert _raw_map_args(at) == before
    assert address(at) == {"era": "range_1970s", "lang": "en"}
    assert era_data(at)["address"]["params"] == {"era": "range_1970s", "lang": "en"}
    [link] = html_blocks(at, "atlas-share", sidebar=True)
    assert "/?era=range_1970s&amp;lang=en</code>" in link and "data-atlas-share-link" in link
    # the legend and key figures show the chosen era's version (the browser switches the same blocks
    # itself when the reader picks an era: ui.era_control)
    [legend] = html_blocks(at, "atlas-legend")
    assert shown_panel(legend)[0] == "range_1970s" and "Leopard range, 1970s" in shown_panel(legend)[1]
    assert set(era_panel_parts(legend)) == set(ERAS)
    [figures] = html_blocks(at, "atlas-figures")
    era_id, shown = shown_panel(figures)
    assert era_id == "range_1970s" and "Range area, 1970s" in shown and "Range area, c. 1900" not in shown
    era = next(f["properties"] for f in json.loads((REPO_ROOT / "data" / "geo" / "range.geojson")
                                                   .read_text(encoding="utf-8"))["features"]
               if f["properties"]["id"] == "range_1970s")
    assert f"({era['confidence']}) · Sources: {', '.join(era['source_ids'])}" in shown  # where they come from


def test_when_the_browser_cannot_reach_the_map_the_era_comes_with_the_map() -> None:
    at = run_app()
    assert "data-atlas-era" in _raw_map_args(at) and 'var first = \\"range_present\\"' in _raw_map_args(at)
    at.session_state["era_sent_with_map"] = True  # set when the era element reports problem=map_frame_not_same_origin
    at.session_state[state.ERA] = "range_1970s"
    at.run()
    no_exceptions(at)
    assert 'var first = \\"range_1970s\\"' in _raw_map_args(at)


def test_explore_data_table_is_a_real_table_with_readable_numbers() -> None:
    at = run_app(lang="ru")
    era, figures = shown_panel(html_blocks(at, "atlas-figures")[0])
    assert era == "range_present" and "10\u202f995 км²" in figures and "km²" not in figures  # the page's unit, in Russian
    table = at.table[0].value  # st.table: an HTML <table>, not a canvas grid
    assert len(table) == len(ERAS) and table.index[0] == "ок. 1900 г."  # eras label the rows
    drawn = table.iloc[:, 1]  # "Drawn area (km²)", written like the rest of the page (ru: narrow no-break space)
    assert drawn.iloc[0] == "369\u202f373" and drawn.iloc[2] == "69\u202f880"
    assert table.iloc[1, 2] == ""  # no published figure for the 1950s: an empty cell, not "nan"
    assert table.iloc[2, 3] == "18,9"


def test_layer_choice_changes_the_map() -> None:
    at = run_app()
    at.multiselect(key="w_layers").set_value(["protected_areas_russia"]).run()
    args = map_args(at)
    assert "pa_land_of_the_leopard" in args["script"] and "pa_hunchun" not in args["script"]
    assert address(at)["layers"] == "protected_areas_russia"


def test_deep_link_sets_language_era_and_layers() -> None:
    at = run_app(lang="ru", era="range_1970s", layers="protected_areas_china")
    no_exceptions(at)
    assert at.header[0].value == t("explore.title", "ru")
    assert shown_era(at) == "range_1970s" and "pa_hunchun" in map_args(at)["script"]


def test_bad_query_params_fall_back_with_a_notice() -> None:
    at = run_app(query={"era": "range_3000", "lang": "xx", "page": "nope", "step": "-1", "layers": "../../etc"})
    no_exceptions(at)
    assert shown_era(at) == "range_present"
    assert any("era" in toast.value for toast in at.toast)


def test_compare_page_draws_a_dual_map_and_tables() -> None:
    at = run_app(page="compare")
    no_exceptions(at)
    args = map_args(at)
    assert ".sync(" in args["script"]
    assert "range_c1900" in args["script"] and args["returned_objects"] == []
    assert len(chart_specs(at)) == 2
    before, figures = _raw_map_args(at), at.table[0].value if at.table else None
    tracks = {track["name"]: track["value"] for track in era_data(at, "compare_eras")["tracks"]}
    assert tracks == {"left": "range_c1900", "right": "range_present"}
    assert era_data(at, "compare_eras")["play"] == {"track": "right", "after": "left", "pause_ms": 1600}
    at.session_state[state.LEFT] = "range_1970s"  # what the era element's on_change does
    at.run()
    no_exceptions(at)
    assert _raw_map_args(at) == before  # the maps carry every era: the pair is shown by the browser
    assert era_data(at, "compare_eras")["tracks"][0]["value"] == "range_1970s"
    assert address(at) == {"left": "range_1970s", "lang": "en"}
    assert any("1970s" in metric.label for metric in at.metric)


def test_population_unit_filter() -> None:
    at = run_app(page="population")
    no_exceptions(at)
    assert "never added" in at.info[0].value
    at.multiselect(key="w_units").set_value(["adults"]).run()
    units = {row["unit"] for row in chart_rows(at) if "unit" in row}
    assert units == {"adults"}


@pytest.mark.parametrize("page", ["population", "compare"])
def test_presenter_view_enlarges_chart_text(page: str) -> None:
    sizes = {}
    for presenter in ("0", "1"):
        at = run_app(page=page, presenter=presenter)
        no_exceptions(at)
        sizes[presenter] = chart_specs(at)[0]["config"]["axis"]["labelFontSize"]
    assert sizes["1"] == sizes["0"] * charts.LARGE_TEXT


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_population_page_lists_the_chart_events_by_number(lang: str) -> None:
    at = run_app(page="population", lang=lang)
    no_exceptions(at)
    key = charts.event_key(load_atlas(data_dir()).table("events"), lang)
    html = "".join(element.proto.body for element in at.get("html"))
    assert t("chart.events_title", lang) in html
    for event in key:  # each with its sources and confidence
        assert (f'<li value="{event.number}"><span class="atlas-event-date">{event.date}</span> {escape(event.title)} '
                f'<span class="atlas-event-source">({t("facts.sources", lang)}: {escape(event.sources)}; '
                f'{escape(event.confidence)})</span></li>') in html


def test_data_grids_show_a_dash_not_none_for_missing_values_and_keep_numbers_sortable() -> None:
    at = run_app(page="population", lang="ru")
    no_exceptions(at)
    grid = at.dataframe[0]
    low = t("chart.low", "ru")
    assert grid.value[low].isna().any() and grid.value[low].dtype == "float64"  # sorts as numbers
    assert grid.proto.placeholder == "–"  # what the grid shows in an empty cell (else a grey "None")
    config = json.loads(grid.proto.columns)
    assert config[low]["type_config"] == {"type": "number", "format": "localized"}  # 38, 1,209.9: no "38.0"


def test_sources_page_offers_every_data_file() -> None:
    at = run_app(page="sources")
    no_exceptions(at)
    labels = {button.proto.label for button in at.get("download_button")}
    assert {"range.geojson", "population.csv", "sources.csv", "myths.csv"} <= labels
    layers = at.dataframe[0]  # how each layer was drawn: areas are numbers with grouped thousands
    config = json.loads(layers.proto.columns)
    for column in (t("explore.col_drawn", "en"), t("explore.col_published", "en")):
        assert layers.value[column].dtype.kind == "f"
        assert config[column]["type_config"] == {"type": "number", "format": "localized"}


def test_broken_layer_file_is_reported_and_the_rest_works(broken_data) -> None:
    (broken_data / "geo" / "protected_areas_china.geojson").write_text("{oops", encoding="utf-8")
    at = run_app()
    no_exceptions(at)
    assert any("protected_areas_china.geojson" in e.label for e in at.expander)
    assert "pa_land_of_the_leopard" in map_args(at)["script"]


def test_broken_population_table_keeps_the_page_up(broken_data) -> None:
    (broken_data / "tables" / "population.csv").write_text("id,low\nx,notanumber\n", encoding="utf-8")
    at = run_app(page="population")
    assert [e.value for e in at.exception] == []
    assert at.warning  # "could not be loaded"


def test_details_panel_shows_the_selected_feature_with_sources() -> None:
    at = run_app()
    [hint] = html_blocks(at, "atlas-details-panel")
    assert "Click a shape on the map" in hint and "Hunchun" not in hint
    at.session_state["selected_feature"] = "pa_hunchun"
    at.run()
    no_exceptions(at)
    [text] = html_blocks(at, "atlas-details-panel")
    assert "Hunchun" in text and "1,087 km²" in text
    assert "gethgdk_hunchun" in text or "wiki_hunchun_nnr" in text


def _russian_details_panel(layer_file: str, feature_id: str) -> tuple[dict, str]:
    """The feature's properties as stored, and the Russian details panel's text once it is selected."""
    features = json.loads((REPO_ROOT / "data" / "geo" / layer_file).read_text(encoding="utf-8"))["features"]
    props = next(f["properties"] for f in features if f["properties"]["id"] == feature_id)
    at = run_app(lang="ru")
    at.session_state["selected_feature"] = feature_id
    at.run()
    no_exceptions(at)
    [text] = html_blocks(at, "atlas-details-panel")
    return props, text


def test_details_panel_in_russian_shows_the_russian_method() -> None:
    props, text = _russian_details_panel("protected_areas_china.geojson", "pa_hunchun")
    assert escape(props["method_ru"]) in text
    assert escape(props["method"]) not in text
    assert "1\u202f087 км²" in text  # the published area, in Russian number format


def test_details_panel_in_russian_shows_the_russian_designation_and_changes() -> None:
    props, text = _russian_details_panel("protected_areas_russia.geojson", "pa_kedrovaya_pad")
    assert f"<td>{escape(props['designation_ru'])}</td>" in text
    assert escape(props["designation"]) not in text
    assert escape(props["changes_ru"]) in text and escape(props["changes"]) not in text


def test_russian_sources_page_shows_russian_myths_and_methods() -> None:
    import pandas as pd

    from dashboard.ui.common import md

    myths = pd.read_csv(REPO_ROOT / "data" / "tables" / "myths.csv")
    at = run_app(page="sources", lang="ru")
    no_exceptions(at)
    labels = [e.label for e in at.expander]
    for row in myths.itertuples():
        assert any(md(row.claim_ru) in label for label in labels), row.id
        assert not any(md(row.claim) in label for label in labels), row.id
    text = " ".join(m.value for m in at.markdown)
    assert md(myths.loc[0, "correction_ru"]) in text  # shown as literal text (F9)
    layers = at.dataframe[0].value
    methods = dict(zip(layers["id"], layers[t("sources.method", "ru")]))
    assert methods["pa_hunchun"].startswith("Наша приблизительная оцифровка")
    assert methods["basemap_cn_jilin"].startswith("Контур Natural Earth")
