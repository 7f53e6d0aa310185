"""Chart builders checked on their Vega-Lite spec."""
from __future__ import annotations

from dashboard.core import charts
from dashboard.core.i18n import localized, t
from dashboard.core.loaders import Atlas
from dashboard.core.stats import era_summary


def _spec(chart) -> dict:
    return chart.to_dict()


def test_timeline_keeps_regions_as_separate_series(atlas: Atlas) -> None:
    spec = _spec(charts.population_timeline(atlas.tables["population"], atlas.tables["events"], "en"))
    colors = [layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {})]
    domain = colors[0]["scale"]["domain"]
    assert set(domain) == {"Russia", "China", "Joint estimate (both countries)"}
    # no layer aggregates (a sum would add Russian and Chinese counts)
    assert "aggregate" not in str(spec)


def test_timeline_encodes_method_as_shape_and_shows_sources_on_hover(atlas: Atlas) -> None:
    spec = _spec(charts.population_timeline(atlas.tables["population"], atlas.tables["events"], "en"))
    point_layer = next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point")
    assert point_layer["encoding"]["shape"]["field"] == "method_label"
    fields = {tip["field"] for tip in point_layer["encoding"]["tooltip"]}
    assert {"sources", "confidence_label", "unit_label"} <= fields


def test_timeline_numbers_key_events_on_rules_above_every_estimate(atlas: Atlas) -> None:
    events, population = atlas.tables["events"], atlas.tables["population"]
    spec = _spec(charts.population_timeline(population, events, "en"))
    numbers = next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text")
    assert numbers["encoding"]["text"]["field"] == "number"  # numbers, never titles cut short on the chart
    rows = spec["datasets"][numbers["data"]["name"]]
    assert [row["number"] for row in rows] == list(range(1, int(events["chart"].sum()) + 1))
    assert any("Land of the Leopard" in row["title"] for row in rows)  # the title is in the tooltip
    assert {tip["field"] for tip in numbers["encoding"]["tooltip"]} >= {"date", "title", "sources"}
    rules = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule"
             and layer.get("data", {}).get("name") == numbers["data"]["name"]]
    assert len(rules) == 1
    # the numbers sit above the plot (negative pixels from its top), clear of every estimate
    assert numbers["encoding"]["y"]["scale"] is None
    assert all(row["badge_y"] < 0 for row in rows)


def test_close_events_get_different_rows_and_the_key_matches_the_chart(atlas: Atlas) -> None:
    import pandas as pd

    events = pd.DataFrame({"date": ["2012-04-25", "1972", "2012-04-05", "2013", "2020"], "chart": [True] * 5,
                           "title": ["B", "A", "C", "D", "E"], "source_ids": ["s"] * 5, "confidence": ["V"] * 5})
    frame = charts.chart_events(events, "en")
    assert list(frame["date"]) == ["1972", "2012-04-05", "2012-04-25", "2013", "2020"]  # oldest first
    assert list(frame["row"]) == [0, 0, 1, 0, 0]  # 2013 is close to both rows: it goes to the one used longest ago
    by_year = dict(zip(frame["date"], frame["row"]))
    assert by_year["2012-04-05"] != by_year["2012-04-25"]  # 20 days apart: not on the same row
    key = charts.event_key(events, "en")
    assert [(e.number, e.date, e.title) for e in key] == [(1, "1972", "A"), (2, "2012-04-05", "C"),
                                                          (3, "2012-04-25", "B"), (4, "2013", "D"), (5, "2020", "E")]
    assert {(e.sources, e.confidence) for e in key} == {("s", t("confidence.V", "en"))}
    assert charts.chart_events(events.iloc[0:0], "en").empty


def test_timeline_shows_ceilings_and_floors(atlas: Atlas) -> None:
    frame = charts.population_frame(atlas.tables["population"], "en")
    ceiling = frame[frame["id"] == "pop_cn_1998"].iloc[0]
    assert ceiling["value"] == 7 and "maximum" in ceiling["value_kind"]
    joint = frame[frame["id"] == "pop_gl_2014_joint"].iloc[0]
    assert joint["value"] == 84 and joint["range_text"] == "70–108"


def test_highlight_band_for_story_steps(atlas: Atlas) -> None:
    spec = _spec(charts.population_timeline(atlas.tables["population"], atlas.tables["events"], "en", highlight=(2012, 2015)))
    assert any(layer.get("mark", {}).get("type") == "rect" for layer in spec["layer"])


def test_area_over_time_has_every_era(atlas: Atlas) -> None:
    spec = _spec(charts.area_over_time(era_summary(atlas), "en"))
    rows = next(iter(spec["datasets"].values()))
    assert {row["id"] for row in rows} == {e["id"] for e in atlas.eras()}


def test_compare_frames_put_two_eras_side_by_side(atlas: Atlas) -> None:
    from dashboard.core.i18n import t
    from dashboard.core.stats import area_by_admin, era_geometry

    labels = {e["id"]: e["era_label"] for e in atlas.eras()}
    by_admin = {era: area_by_admin(era_geometry(atlas, era), atlas) for era in ("range_1970s", "range_present")}
    long, table = charts.compare_frames(by_admin, labels, "en")
    assert set(long["era_label"]) == {"1970s", "c. 2015"}
    assert list(table.columns[:2]) == [t("facts.country", "en"), t("compare.unit", "en")]
    primorye = table[table.iloc[:, 1] == "Primorsky Krai"].iloc[0]
    assert primorye["1970s"] > primorye["c. 2015"] > 0
    # the same era on both sides: one column, areas not added twice
    _, same = charts.compare_frames({"range_present": by_admin["range_present"]}, labels, "en")
    assert same["c. 2015"].sum() == table["c. 2015"].sum()


def test_area_over_time_runs_oldest_to_newest_in_every_language(atlas: Atlas) -> None:
    for lang in ("en", "ru", "zh"):
        spec = charts.area_over_time(era_summary(atlas), lang).to_dict()
        order = spec["encoding"]["x"]["sort"]
        assert order == [localized(e, "era_label", lang) for e in atlas.eras()], lang


def test_compare_frames_leave_out_provinces_neither_era_reaches(atlas: Atlas) -> None:
    from dashboard.core.stats import area_by_admin, era_geometry

    labels = {e["id"]: e["era_label"] for e in atlas.eras()}
    by_admin = {era: area_by_admin(era_geometry(atlas, era), atlas) for era in ("range_c2000", "range_present")}
    long, table = charts.compare_frames(by_admin, labels, "en")
    assert (table[["c. 2000", "c. 2015"]].max(axis=1) > 0).all()
    assert "Seoul" not in set(table.iloc[:, 1]) and "Primorsky Krai" in set(table.iloc[:, 1])
    chart = charts.area_by_unit_chart(long, "en").to_dict()
    assert chart["height"] >= 20 * long["name"].nunique()


def test_area_covered_is_shown_in_the_readers_language(atlas: Atlas) -> None:
    population = atlas.tables["population"]
    for lang, expected in (("ru", "юго-запад Приморья"), ("zh", "滨海边疆区西南部"), ("en", "SW Primorye")):
        table = charts.population_table(population, lang)
        assert expected in set(table[t("chart.scope", lang)]), lang
        assert expected in set(charts.population_frame(population, lang)["scope"])


def test_estimate_notes_are_shown_in_the_readers_language(atlas: Atlas) -> None:
    population = atlas.tables["population"]
    row = population[population["id"] == "pop_ru_1990"].index[0]
    for lang, expected in (("ru", "Зима 1990/91 года."), ("zh", "1990-91年冬季。"), ("en", "Winter 1990-91.")):
        assert charts.population_table(population, lang)[t("chart.note", lang)][row] == expected, lang
        assert charts.population_frame(population, lang)["note"][row] == expected
    unnoted = population.copy()
    unnoted.loc[row, ["note", "note_ru"]] = None
    assert charts.population_frame(unnoted, "ru")["note"][row] == ""  # no note: empty, not "nan" or the English


def test_presenter_charts_have_larger_text(atlas: Atlas) -> None:
    population, events = atlas.tables["population"], atlas.tables["events"]
    normal = _spec(charts.population_timeline(population, events, "en"))
    large = _spec(charts.population_timeline(population, events, "en", text_scale=charts.LARGE_TEXT))
    for part, size in (("axis", "labelFontSize"), ("axis", "titleFontSize"), ("legend", "labelFontSize")):
        assert large["config"][part][size] == normal["config"][part][size] * charts.LARGE_TEXT
    numbers = [next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text")
               for spec in (normal, large)]
    assert numbers[1]["mark"]["fontSize"] > numbers[0]["mark"]["fontSize"]
    summary = era_summary(atlas)
    for chart in (charts.area_over_time(summary, "en", text_scale=charts.LARGE_TEXT),):
        assert _spec(chart)["config"]["axis"]["labelFontSize"] == 13 * charts.LARGE_TEXT
