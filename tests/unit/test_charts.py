"""Chart builders checked on their Vega-Lite spec."""
from __future__ import annotations

from dashboard.core import charts
from dashboard.core.i18n import localized
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


def test_timeline_draws_key_events_as_labelled_rules(atlas: Atlas) -> None:
    spec = _spec(charts.population_timeline(atlas.tables["population"], atlas.tables["events"], "en"))
    text_layers = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "text"]
    assert text_layers, "event labels missing"
    datasets = spec["datasets"]
    titles = [row.get("title") for rows in datasets.values() for row in rows if "title" in row]
    assert any("Land of the Leopard" in str(title) for title in titles)


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
    assert set(long["era_label"]) == {"1970s", "2010s-2020s"}
    assert list(table.columns[:2]) == [t("facts.country", "en"), t("compare.unit", "en")]
    primorye = table[table.iloc[:, 1] == "Primorsky Krai"].iloc[0]
    assert primorye["1970s"] > primorye["2010s-2020s"] > 0
    # the same era on both sides: one column, areas not added twice
    _, same = charts.compare_frames({"range_present": by_admin["range_present"]}, labels, "en")
    assert same["2010s-2020s"].sum() == table["2010s-2020s"].sum()


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
    assert (table[["c. 2000", "2010s-2020s"]].max(axis=1) > 0).all()
    assert "Seoul" not in set(table.iloc[:, 1]) and "Primorsky Krai" in set(table.iloc[:, 1])
    chart = charts.area_by_unit_chart(long, "en").to_dict()
    assert chart["height"] >= 20 * long["name"].nunique()
