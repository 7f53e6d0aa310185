"""Population: every published estimate over time, by region, never adding Russia and China together."""
from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.core.i18n import sentence_gap, t
from dashboard.core.latest import latest_paragraph
from dashboard.ui import common, state

atlas = cache.atlas()
lang = state.lang()
population = atlas.table("population")
events = atlas.table("events")

st.header(t("population.title", lang), anchor=False)
common.show_problems(atlas.problems, lang, files=["population.csv", "events.csv", "sources.csv"])
st.info(t("population.never_add", lang), icon=":material/info:")



def show_population() -> None:
    """Filters, the timeline, a summary sentence, the table and the download."""
    units, regions = state.population_choices(atlas)
    filters = st.columns(2)
    chosen_units = filters[0].multiselect(t("population.units", lang), units, key=state.UNITS,
                                          format_func=lambda u: t(f"unit.{u}", lang), persist_state="session",
                                          placeholder=t("common.choose", lang),
                                          help=t("population.units_help", lang))
    chosen_regions = filters[1].multiselect(t("population.regions", lang), regions, key=state.REGIONS,
                                            format_func=lambda r: t(f"region.{r}", lang), persist_state="session",
                                            placeholder=t("common.choose", lang))
    shown = population[population["unit"].isin(chosen_units) & population["region"].isin(chosen_regions)]

    highlight = None  # the story highlights its own chart's years; this page shows the whole timeline
    if shown.empty:
        st.warning(t("population.nothing_selected", lang))
    else:
        st.vega_lite_chart(cache.population_spec(chosen_units, chosen_regions, lang, highlight, large=state.presenter()),
                           width="stretch")
        common.event_key(cache.event_key(lang), lang)

    data_year = atlas.release.data_as_of.year if atlas.release else None
    sentence = (t("population.summary", lang, count=len(population), first=int(population["period_start"].min()),
                  last=int(population["period_end"].max())) + sentence_gap(lang)
                + latest_paragraph(population, lang, data_year))
    common.summary_and_table(sentence, cache.population_table(chosen_units, chosen_regions, lang), lang)
    st.download_button(t("population.download", lang), data=lambda: population.to_csv(index=False).encode("utf-8"),
                       file_name="population.csv", mime="text/csv", icon=":material/download:")
    st.caption(t("population.method_note", lang))


if population.empty:
    st.warning(t("population.no_data", lang))
else:
    show_population()
