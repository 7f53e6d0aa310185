"""Classroom: a guided story from c. 1900 to today, and a myth-or-fact quiz."""
from __future__ import annotations

import random

import streamlit as st

from dashboard import cache
from dashboard.core.i18n import localized, t
from dashboard.core.tables import split_ids
from dashboard.ui import common, era_sync, fast_map, state
from dashboard.ui.details import citations_markdown

QUIZ_ORDER = "quiz_order"
STORY_MAP_BOX = "story_map_box"
QUIZ_ANSWERS = "quiz_answers"

atlas = cache.atlas()
lang = state.lang()
presenter = state.presenter()
steps = cache.story()

if not presenter:
    st.header(t("classroom.title", lang), anchor=False)
    common.offline_pack_button(lang, key="pack_classroom")
common.show_problems(cache.story_problems(), lang)
story_tab, quiz_tab = st.tabs([t("classroom.story", lang), t("classroom.quiz", lang)])


def go_to_step(number: int) -> None:
    """Move the story to step ``number`` (1-based) and make the map and chart follow it."""
    number = max(1, min(len(steps), number))
    step = steps[number - 1]
    st.session_state[state.STEP] = number
    st.session_state[state.ERA] = step.era
    st.session_state[state.LAYERS] = list(step.layers)
    st.session_state["chart_highlight"] = step.highlight


with story_tab:
    if not steps:
        st.warning(t("classroom.no_story", lang))
    else:
        current = max(1, min(len(steps), int(st.session_state.get(state.STEP, 1))))
        step = steps[current - 1]
        nav = st.columns([0.2, 0.6, 0.2], vertical_alignment="center")
        nav[0].button(t("classroom.previous", lang), icon=":material/arrow_back:", disabled=current == 1,
                      on_click=go_to_step, args=(current - 1,), key="story_prev", width="stretch")
        nav[1].progress(current / len(steps), text=t("classroom.step_of", lang, step=current, total=len(steps)))
        nav[2].button(t("classroom.next", lang), icon=":material/arrow_forward:", disabled=current == len(steps),
                      on_click=go_to_step, args=(current + 1,), key="story_next", width="stretch")
        text_column, map_column = st.columns([0.36, 0.64] if not presenter else [0.32, 0.68])
        with text_column:
            st.subheader(t(step.title_key, lang), anchor=False)
            st.markdown(t(step.text_key, lang))
            with st.expander(t("facts.sources", lang)):
                st.markdown(citations_markdown(step.source_ids, atlas.table("sources"), lang), unsafe_allow_html=True)
        with map_column:
            base = cache.story_base_map(lang, list(step.layers))  # shared; the step's era and view are sent apart
            with st.container(key=STORY_MAP_BOX):
                fast_map.show(base, [], key="story_map", height=430 if not presenter else 500, returned_objects=[],
                              hash_key=cache.map_component_key)
            era_sync.show_era(STORY_MAP_BOX, step.era, base.map_id, view=(*step.center, step.zoom))
        population = atlas.table("population")
        if len(population) and step.highlight:
            units, regions = sorted(set(population["unit"])), sorted(set(population["region"]))
            height = 420 if presenter else 320  # the presenter view's larger legends take more of it
            st.vega_lite_chart(cache.population_spec(units, regions, lang, step.highlight, height=height, large=presenter),
                               width="stretch")
            common.event_key(lang)
            start, end = step.highlight
            years = str(start) if start == end else f"{start}–{end}"
            common.summary_and_table(t("classroom.chart_summary", lang, years=years),
                                     cache.population_table(units, regions, lang), lang)

with quiz_tab:
    myths = atlas.table("myths")
    if myths.empty:
        st.warning(t("classroom.no_quiz", lang))
    else:
        ids = list(myths["id"])
        if sorted(st.session_state.get(QUIZ_ORDER, [])) != sorted(ids):
            st.session_state[QUIZ_ORDER] = random.sample(ids, len(ids))
            st.session_state[QUIZ_ANSWERS] = {}
        answers: dict[str, bool] = st.session_state.setdefault(QUIZ_ANSWERS, {})
        by_id = myths.set_index("id")
        correct = sum(1 for myth_id, answer in answers.items() if myth_id in by_id.index
                      and bool(by_id.loc[myth_id, "is_fact"]) == answer)
        top = st.columns([0.7, 0.3], vertical_alignment="center")
        top[0].metric(t("quiz.score", lang), f"{correct} / {len(answers)}",
                      help=t("quiz.score_help", lang, total=len(ids)))

        def reset_quiz() -> None:
            st.session_state[QUIZ_ORDER] = random.sample(ids, len(ids))
            st.session_state[QUIZ_ANSWERS] = {}

        top[1].button(t("quiz.reset", lang), icon=":material/restart_alt:", on_click=reset_quiz, key="quiz_reset")

        def answer(myth_id: str, is_fact: bool) -> None:
            st.session_state[QUIZ_ANSWERS][myth_id] = is_fact

        for number, myth_id in enumerate(st.session_state[QUIZ_ORDER], start=1):
            row = by_id.loc[myth_id]
            with st.container(border=True):
                st.markdown(f"**{number}.** “{common.md(localized(row, 'claim', lang))}”")
                if myth_id in answers:
                    right = bool(row["is_fact"]) == answers[myth_id]
                    (st.success if right else st.warning)(
                        t("quiz.right" if right else "quiz.wrong", lang, verdict=t(f"verdict.{row['verdict']}", lang)))
                    st.markdown(common.md(localized(row, "correction", lang)))
                    st.markdown(citations_markdown(split_ids(row["source_ids"]), atlas.table("sources"), lang),
                                unsafe_allow_html=True)
                else:
                    buttons = st.columns(2)
                    buttons[0].button(t("quiz.myth", lang), key=f"quiz_{myth_id}_myth", on_click=answer,
                                      args=(myth_id, False), width="stretch")
                    buttons[1].button(t("quiz.fact", lang), key=f"quiz_{myth_id}_fact", on_click=answer,
                                      args=(myth_id, True), width="stretch")
common.finish_page("classroom")
