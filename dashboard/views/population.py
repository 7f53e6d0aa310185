"""Population: every published estimate over time, by region, never adding Russia and China together."""
from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.core.i18n import number, t
from dashboard.core.tables import UNITS
from dashboard.ui import common, state

UNIT_FILTER = "w_units"
REGION_FILTER = "w_regions"

atlas = cache.atlas()
lang = state.lang()
population = atlas.table("population")
events = atlas.table("events")

st.header(t("population.title", lang), anchor=False)
common.show_problems(atlas.problems, lang, files=["population.csv", "events.csv", "sources.csv"])
st.info(t("population.never_add", lang), icon=":material/info:")



def show_population() -> None:
    """Filters, the timeline, a summary sentence, the table and the download."""
    units = [u for u in UNITS if u in set(population["unit"])]
    regions = [r for r in ("russia", "china", "global") if r in set(population["region"])]
    filters = st.columns(2)
    chosen_units = filters[0].multiselect(t("population.units", lang), units, default=units, key=UNIT_FILTER,
                                          format_func=lambda u: t(f"unit.{u}", lang), persist_state="session",
                                          placeholder=t("common.choose", lang),
                                          help=t("population.units_help", lang))
    chosen_regions = filters[1].multiselect(t("population.regions", lang), regions, default=regions, key=REGION_FILTER,
                                            format_func=lambda r: t(f"region.{r}", lang), persist_state="session",
                                            placeholder=t("common.choose", lang))
    shown = population[population["unit"].isin(chosen_units) & population["region"].isin(chosen_regions)]

    highlight = st.session_state.get("chart_highlight")
    if shown.empty:
        st.warning(t("population.nothing_selected", lang))
    else:
        st.vega_lite_chart(cache.population_spec(chosen_units, chosen_regions, lang, highlight, large=state.presenter()),
                           width="stretch")
        common.event_key(lang)

    latest = {}
    for region in ("russia", "china", "global"):
        rows = population[(population["region"] == region) & population["point"].notna()]
        if len(rows):
            last = rows.sort_values(["period_end", "period_start"]).iloc[-1]
            unit = t("unit." + str(last["unit"]), lang)
            confidence = t("confidence." + str(last["confidence"]), lang)
            latest[region] = (int(last["period_end"]), number(last["point"], lang), f"{unit}; {confidence}")
    parts = [t("population.latest_part", lang, region=t(f"region.{r}", lang), year=y, value=v, unit=u)
             for r, (y, v, u) in latest.items()]
    sentence = t("population.summary", lang, count=len(population), first=int(population["period_start"].min()),
                 last=int(population["period_end"].max())) + " " + "; ".join(parts) + "."
    common.summary_and_table(sentence, cache.population_table(chosen_units, chosen_regions, lang), lang)
    st.download_button(t("population.download", lang), data=lambda: population.to_csv(index=False).encode("utf-8"),
                       file_name="population.csv", mime="text/csv", icon=":material/download:")
    st.caption(t("population.method_note", lang))


if population.empty:
    st.warning(t("population.no_data", lang))
else:
    show_population()
common.finish_page("population")
