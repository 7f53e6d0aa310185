"""Altair chart builders (pure: no streamlit). Russia, China and joint estimates stay separate series."""
from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.core.figures import NumberedEvent
from dashboard.core.fonts import font_stack
from dashboard.core.i18n import date_text, localized, t
from dashboard.core.latest import cubs_count
from dashboard.core.tables import split_ids

REGION_COLORS = {"russia": "#0072B2", "china": "#009E73", "global": "#D55E00"}
YEAR_SCALE = alt.Scale(domain=[1968, 2027], nice=False, zero=False)  # to the last event (2026)
METHOD_SHAPES = {"snow-track": "triangle-up", "camera-trap": "circle", "genetic": "diamond", "expert": "square",
                 "compilation": "cross", "sign-survey": "triangle-down"}


def population_frame(population: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Chart-ready rows: one mark value per estimate (the published point, or the minimum when only a floor is given)."""
    frame = population.copy()
    frame["year"] = (frame["period_start"].astype(float) + frame["period_end"].astype(float)) / 2
    frame["period"] = [f"{a}" if a == b else f"{a}–{b}" for a, b in zip(frame["period_start"], frame["period_end"])]
    if "season_basis" in frame:  # only the announcement is known: the chart places it there, but no season is claimed
        unknown = frame["season_basis"] == "announcement_year"
        frame.loc[unknown, "period"] = t("chart.season_not_stated", lang)
    only_floor = frame["point"].isna() & frame["low"].notna() & frame["high"].isna()
    only_ceiling = frame["point"].isna() & frame["low"].isna() & frame["high"].notna()
    frame["value"] = frame["point"].where(frame["point"].notna(),
                                          frame["low"].where(only_floor, frame["high"].where(only_ceiling)))
    frame["value_kind"] = [t("chart.minimum", lang) if floor else t("chart.maximum", lang) if ceiling else ""
                           for floor, ceiling in zip(only_floor, only_ceiling)]
    frame["span_start"] = frame["period_start"].astype(float)
    frame["span_end"] = frame["period_end"].astype(float) + 1
    frame["region_label"] = [t(f"region.{r}", lang) for r in frame["region"]]
    frame["method_label"] = [t(f"method.{m}", lang) for m in frame["method"]]
    frame["unit_label"] = [t(f"unit.{u}", lang) for u in frame["unit"]]
    frame["confidence_label"] = [t(f"confidence.{c}", lang) for c in frame["confidence"]]
    frame["sources"] = [", ".join(split_ids(s)) for s in frame["source_ids"]]
    announced = frame["announced"] if "announced" in frame else pd.Series([None] * len(frame), index=frame.index)
    frame["announced_text"] = [date_text(a, lang) if isinstance(a, str) and a else "" for a in announced]
    rows = frame.to_dict("records")
    frame["cubs_text"] = [cubs_count(row, lang) for row in rows]
    frame["range_text"] = [
        "" if pd.isna(lo) and pd.isna(hi) else f"{'' if pd.isna(lo) else int(lo)}–{'' if pd.isna(hi) else int(hi)}"
        for lo, hi in zip(frame["low"], frame["high"])]
    rows = frame.to_dict("records")
    frame["note"] = [localized(row, "note", lang) for row in rows]
    frame["scope"] = [localized(row, "scope", lang) for row in rows]
    return frame


def population_table(population: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The estimates as a readable table (the chart's data, for screen readers and everyone)."""
    frame = population_frame(population, lang) if len(population) else population
    columns = {"chart.period": "period", "chart.announced": "announced_text", "chart.region": "region_label",
               "chart.scope": "scope", "chart.low": "low", "chart.estimate": "point", "chart.high": "high",
               "chart.unit": "unit_label", "chart.cubs": "cubs_text",
               "chart.method": "method_label", "chart.sources": "sources", "chart.confidence": "confidence",
               "chart.note": "note"}
    return pd.DataFrame({t(key, lang): frame.get(field, []) for key, field in columns.items()})


def _tooltip(lang: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("period:N", title=t("chart.period", lang)),
        alt.Tooltip("announced_text:N", title=t("chart.announced", lang)),
        alt.Tooltip("region_label:N", title=t("chart.region", lang)),
        alt.Tooltip("scope:N", title=t("chart.scope", lang)),
        alt.Tooltip("value:Q", title=t("chart.estimate", lang), format=",.0f"),
        alt.Tooltip("value_kind:N", title=""),
        alt.Tooltip("range_text:N", title=t("chart.range", lang)),
        alt.Tooltip("unit_label:N", title=t("chart.unit", lang)),
        alt.Tooltip("cubs_text:N", title=t("chart.cubs", lang)),
        alt.Tooltip("method_label:N", title=t("chart.method", lang)),
        alt.Tooltip("sources:N", title=t("chart.sources", lang)),
        alt.Tooltip("confidence_label:N", title=t("chart.confidence", lang)),
        alt.Tooltip("note:N", title=t("chart.note", lang)),
    ]


#: Chart text: the shipped Chinese font for CJK (machines without a CJK font show boxes otherwise), then
#: Streamlit's font (in the app), then the system's sans-serif (in the export pack).
CHART_FONT = font_stack('"Source Sans"', "sans-serif")
LARGE_TEXT = 1.45  # presenter view: every chart's text this many times larger, readable across a classroom


def _text_sizes(chart, scale: float = 1.0):
    """Axis and legend text of a chart, ``scale`` times the normal size."""
    return chart.configure(font=CHART_FONT).configure_axis(
        labelFontSize=13 * scale, titleFontSize=14 * scale, labelLimit=200 * scale,
    ).configure_legend(labelFontSize=13 * scale, titleFontSize=13 * scale, labelLimit=320 * scale, symbolSize=100 * scale)


EVENT_BADGE_TOP = 11  # px above the top of the plot (clear of every estimate) to the first row of event numbers
EVENT_BADGE_STEP = 19  # px between rows
EVENT_BADGES_ROWS = 2
EVENT_MIN_GAP_YEARS = 2.0  # closer events go to the next row, so their numbers do not overlap


def chart_events(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The key events the timeline marks, oldest first, numbered from 1, each with a badge row.

    The chart shows the numbers; the page lists them with their dates and titles (``event_key``),
    so no title is ever cut short on the chart.
    """
    chosen = events[events["chart"].astype(bool)] if "chart" in events and len(events) else events.iloc[0:0]
    if not len(chosen):
        return pd.DataFrame(columns=["number", "year", "date", "title", "sources", "confidence_label", "row"])
    frame = pd.DataFrame({
        "year": [int(str(d)[:4]) + (int(str(d)[5:7]) - 0.5) / 12 if len(str(d)) >= 7 else int(str(d)[:4]) + 0.5
                 for d in chosen["date"]],
        "date": [str(d) for d in chosen["date"]],
        "title": [localized(row, "title", lang) for row in chosen.to_dict("records")],
        "sources": [", ".join(split_ids(s)) for s in chosen["source_ids"]],
        "confidence_label": [t(f"confidence.{c}", lang) for c in chosen["confidence"]],
    }).sort_values(["year", "date"], kind="stable", ignore_index=True)
    frame.insert(0, "number", range(1, len(frame) + 1))
    last_year = [float("-inf")] * EVENT_BADGES_ROWS  # the latest event placed in each row
    rows = []
    for year in frame["year"]:
        free = [row for row, last in enumerate(last_year) if year - last >= EVENT_MIN_GAP_YEARS]
        row = free[0] if free else min(range(EVENT_BADGES_ROWS), key=last_year.__getitem__)
        last_year[row] = year
        rows.append(row)
    frame["row"] = rows
    return frame


def event_key(events: pd.DataFrame, lang: str) -> list[NumberedEvent]:
    """Each event the timeline marks, in the chart's numbering, with its sources and confidence."""
    frame = chart_events(events, lang)
    return [NumberedEvent(int(row["number"]), row["date"], row["title"], row["sources"], row["confidence_label"])
            for row in frame.to_dict("records")]


def population_timeline(population: pd.DataFrame, events: pd.DataFrame, lang: str,
                        highlight: tuple[int, int] | None = None, height: int = 380,
                        text_scale: float = 1.0) -> alt.LayerChart:
    """Estimates over time: marks for published points, bars for low–high, numbered rules for key events
    (their titles are listed beside the chart: ``event_key``). ``text_scale``: see ``LARGE_TEXT``."""
    if "repeat_of" in population:  # a figure repeated by another source is one estimate: plot it once
        population = population[population["repeat_of"].isna()]
    data = population_frame(population, lang)
    regions = [r for r in REGION_COLORS if r in set(data["region"])]
    color = alt.Color("region_label:N", title=t("chart.region", lang),
                      scale=alt.Scale(domain=[t(f"region.{r}", lang) for r in regions],
                                      range=[REGION_COLORS[r] for r in regions]),
                      legend=alt.Legend(orient="top", columns=3))
    methods = [m for m in METHOD_SHAPES if m in set(data["method"])]
    shape = alt.Shape("method_label:N", title=t("chart.method", lang),
                      scale=alt.Scale(domain=[t(f"method.{m}", lang) for m in methods],
                                      range=[METHOD_SHAPES[m] for m in methods]),
                      legend=alt.Legend(orient="top", columns=3))  # wraps: in one row it overran the chart
    x = alt.X("year:Q", title=t("chart.year", lang), scale=YEAR_SCALE, axis=alt.Axis(format="d", tickCount=12))
    base = alt.Chart(data)
    bars = base.transform_filter("isValid(datum.low) && isValid(datum.high)").mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=x, y=alt.Y("low:Q"), y2="high:Q", color=color, tooltip=_tooltip(lang))
    points = base.transform_filter("isValid(datum.value)").mark_point(size=110, filled=True, opacity=0.95).encode(
        x=x, y=alt.Y("value:Q", title=t("chart.leopards", lang)), color=color, shape=shape, tooltip=_tooltip(lang))
    spans = base.transform_filter("isValid(datum.value) && datum.span_end - datum.span_start > 2").mark_rule(
        strokeWidth=2, opacity=0.5, strokeDash=[2, 2]).encode(x=alt.X("span_start:Q", scale=YEAR_SCALE), x2="span_end:Q", y="value:Q",
                                                             color=color, tooltip=_tooltip(lang))
    layers: list[alt.Chart] = []
    if highlight is not None:
        band = pd.DataFrame([{"start": highlight[0] - 0.5, "end": highlight[1] + 0.5}])
        layers.append(alt.Chart(band).mark_rect(color="#F0E442", opacity=0.35).encode(
            x=alt.X("start:Q", scale=YEAR_SCALE), x2="end:Q"))
    key = chart_events(events, lang)
    if len(key):
        ev_tooltip = [alt.Tooltip("number:Q", title="#"), alt.Tooltip("date:N", title=t("chart.date", lang)),
                      alt.Tooltip("title:N", title=t("chart.event", lang)),
                      alt.Tooltip("sources:N", title=t("chart.sources", lang)),
                      alt.Tooltip("confidence_label:N", title=t("chart.confidence", lang))]
        ev = key.assign(badge_y=[-(EVENT_BADGE_TOP + row * EVENT_BADGE_STEP) * text_scale for row in key["row"]])
        rules = alt.Chart(ev).mark_rule(color="#777777", strokeDash=[4, 3]).encode(
            x=alt.X("year:Q", scale=YEAR_SCALE), tooltip=ev_tooltip)
        badge_position = {"x": alt.X("year:Q", scale=YEAR_SCALE), "y": alt.Y("badge_y:Q", scale=None, axis=None)}
        badges = alt.Chart(ev).mark_circle(size=260 * text_scale ** 2, color="white", stroke="#444444", strokeWidth=1.2, opacity=1).encode(
            **badge_position, tooltip=ev_tooltip)
        numbers = alt.Chart(ev).mark_text(fontSize=11 * text_scale, fontWeight="bold", color="#222222").encode(
            **badge_position, text="number:Q", tooltip=ev_tooltip)
        layers += [rules, badges, numbers]
    layers += [spans, bars, points]
    return _text_sizes(alt.layer(*layers).properties(height=height, width="container"), text_scale)


def area_over_time(summary: pd.DataFrame, lang: str, height: int = 300, text_scale: float = 1.0) -> alt.Chart:
    """Computed range area of every era, with the published figure where one exists."""
    data = summary.copy()
    data["era_label"] = [localized(row, "era_label", lang) for row in summary.to_dict("records")]
    data["kind"] = t("chart.drawn_area", lang)
    published = data.dropna(subset=["published_area_km2"]).copy()
    published["area_km2"] = published["published_area_km2"]
    published["kind"] = t("chart.published_area", lang)
    both = pd.concat([data, published], ignore_index=True)
    chronological = list(data.sort_values("year_from")["era_label"])  # not alphabetical ("c. 1900" after "2010s")
    return _text_sizes(alt.Chart(both).mark_bar().encode(
        x=alt.X("era_label:N", sort=chronological, title=t("chart.era", lang), axis=alt.Axis(labelAngle=0)),
        xOffset="kind:N",
        y=alt.Y("area_km2:Q", title=t("unit.km2", lang)),
        color=alt.Color("kind:N", title="", scale=alt.Scale(range=["#D55E00", "#999999"]), legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("era_label:N", title=t("chart.era", lang)), alt.Tooltip("kind:N", title=""),
                 alt.Tooltip("area_km2:Q", title=t("unit.km2", lang), format=",.0f")],
    ).properties(height=height, width="container"), text_scale)


def area_by_unit_chart(frame: pd.DataFrame, lang: str, height: int = 300, text_scale: float = 1.0) -> alt.Chart:
    """Area of two eras in each country/province: ``frame`` has columns name, era_label, area_km2.

    Tall enough for every province's name (Vega-Lite would drop labels that overlap).
    """
    height = max(height, int(26 * text_scale) * frame["name"].nunique() + 90)  # + legend and axis
    return _text_sizes(alt.Chart(frame).mark_bar().encode(
        y=alt.Y("name:N", sort="-x", title=""),
        x=alt.X("area_km2:Q", title=t("unit.km2", lang)),
        yOffset="era_label:N",
        color=alt.Color("era_label:N", title=t("chart.era", lang), scale=alt.Scale(range=["#999999", "#D55E00"]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("name:N", title=""), alt.Tooltip("era_label:N", title=t("chart.era", lang)),
                 alt.Tooltip("area_km2:Q", title=t("unit.km2", lang), format=",.0f")],
    ).properties(height=height, width="container"), text_scale)


def compare_frames(by_admin: dict[str, pd.DataFrame], era_labels: dict[str, str],
                   lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two eras' area by country and province: long (for the chart) and side by side (for the table).

    ``by_admin`` maps each era id to its ``stats.area_by_admin`` frame, in the order to show them.
    """
    frames = []
    for era_id, by_unit in by_admin.items():
        by_unit = by_unit.copy()
        by_unit["name"] = [localized(r, "name", lang) for r in by_unit.to_dict("records")]
        by_unit["era_label"] = era_labels[era_id]
        frames.append(by_unit)
    both = pd.concat(frames, ignore_index=True)
    # provinces neither era reaches are left out (the c. 1900 range alone spans about twenty)
    reached = both.groupby(["country", "name"])["area_km2"].transform("max") > 0.5
    both = both[reached]
    table = both.pivot_table(index=["country", "name"], columns="era_label", values="area_km2", aggfunc="sum",
                             fill_value=0.0).round(0).reset_index()
    table["country"] = [t(f"country.{str(c).lower()}", lang) for c in table["country"]]
    table = table.rename(columns={"country": t("facts.country", lang), "name": t("compare.unit", lang)})
    return both[["name", "era_label", "area_km2"]], table
