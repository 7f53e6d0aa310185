"""Classroom: a guided story from c. 1900 to today, and a myth-or-fact quiz."""
from __future__ import annotations

import json
import random

import streamlit as st

from dashboard import cache
from dashboard.core import quiz
from dashboard.core.i18n import localized, t
from dashboard.core.tables import split_ids
from dashboard.ui import common, era_control, map_component, media_buttons, state
from dashboard.ui.details import citations_markdown

QUIZ_ORDER = "quiz_order"
STORY_MAP_BOX = "story_map_box"
QUIZ_ANSWERS = "quiz_answers"
QUIZ_JUST_ANSWERED = "quiz_just_answered"
QUIZ_RESULT = "quiz_result_"


def focus_on(key: str) -> None:
    """Move keyboard focus to the container with ``key`` (the answer's result), not back to the page's top.

    The answer buttons disappear when the result replaces them, so the browser would drop focus to <body>.
    """
    selector = json.dumps(f".st-key-{key}")
    st.html(f"""<script>
    (function () {{
      var tries = 0;
      (function move() {{
        var box = window.parent.document.querySelector({selector}) || document.querySelector({selector});
        if (box) {{ box.setAttribute("tabindex", "-1"); box.focus({{preventScroll: false}}); return; }}
        if (++tries < 20) {{ setTimeout(move, 50); }}
      }})();
    }})();
    </script>""", unsafe_allow_javascript=True)


atlas = cache.atlas()
lang = state.lang()
presenter = state.presenter()
steps = cache.story()

if not presenter:
    st.header(t("classroom.title", lang), anchor=False)
    common.offline_pack_button(lang, key="pack_classroom", pack=lambda: cache.offline_pack(lang))

    def slides() -> None:
        media_buttons.handout_buttons(lang, key="media_handout")
        media_buttons.animation_buttons(lang, list(state.default_view(atlas).layers), key="media_classroom")

    media_buttons.slides_menu(lang, slides)
common.show_problems(cache.story_problems(), lang)
story_tab, quiz_tab = st.tabs([t("classroom.story", lang), t("classroom.quiz", lang)])


def go_to_step(number: int) -> None:
    """Move the story to step ``number`` (1-based); the map and chart follow the step (its own era,
    layers and years: Explore's era and layers are left as the reader set them)."""
    st.session_state[state.STEP] = max(1, min(len(steps), number))


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
            # shared; the step's era and view are sent apart (unless the browser cannot reach the map frame)
            era_in_map = step.era if era_control.era_sent_with_map() else None
            base = cache.story_base_map(lang, list(step.layers), era_in_map)
            with st.container(key=STORY_MAP_BOX):
                map_component.show(base, [], key="_".join(filter(None, ["story_map", era_in_map])),
                                   height=430 if not presenter else 500,
                                   returned_objects=[], hash_key=cache.map_component_key)
            era_control.show("story_era", [], lang, map_box=STORY_MAP_BOX, era=step.era, view=(*step.center, step.zoom))
        population = atlas.table("population")
        if len(population) and step.highlight:
            units, regions = sorted(set(population["unit"])), sorted(set(population["region"]))
            height = 420 if presenter else 320  # the presenter view's larger legends take more of it
            st.vega_lite_chart(cache.population_spec(units, regions, lang, step.highlight, height=height, large=presenter),
                               width="stretch")
            common.event_key(cache.event_key(lang), lang)
            start, end = step.highlight
            years = str(start) if start == end else f"{start}–{end}"
            common.summary_and_table(t("classroom.chart_summary", lang, years=years),
                                     cache.population_table(units, regions, lang), lang)

with quiz_tab:
    myths = atlas.table("myths")
    if "quiz" in myths:
        myths = myths[myths["quiz"].astype(bool)]
    if myths.empty:
        st.warning(t("classroom.no_quiz", lang))
    else:
        ids = list(myths["id"])
        if sorted(st.session_state.get(QUIZ_ORDER, [])) != sorted(ids):
            st.session_state[QUIZ_ORDER] = random.sample(ids, len(ids))
            st.session_state[QUIZ_ANSWERS] = {}
        answers: dict[str, str] = st.session_state.setdefault(QUIZ_ANSWERS, {})
        if answers:
            state.note_losable("quiz")  # lives only in this session: a restart or reload says it was lost
        by_id = myths.set_index("id")
        verdicts = {myth_id: str(verdict) for myth_id, verdict in by_id["verdict"].items()}
        top = st.columns([0.7, 0.3], vertical_alignment="center")
        top[0].metric(t("quiz.score", lang), f"{quiz.points_text(quiz.total(verdicts, answers))} / {len(answers)}",
                      help=t("quiz.score_help", lang, total=len(ids)))

        def reset_quiz() -> None:
            st.session_state[QUIZ_ORDER] = random.sample(ids, len(ids))
            st.session_state[QUIZ_ANSWERS] = {}
            st.session_state.pop(QUIZ_JUST_ANSWERED, None)

        top[1].button(t("quiz.reset", lang), icon=":material/restart_alt:", on_click=reset_quiz, key="quiz_reset")
        st.markdown(t("quiz.intro", lang))

        def answer(myth_id: str, choice: str) -> None:
            st.session_state[QUIZ_ANSWERS][myth_id] = choice
            st.session_state[QUIZ_JUST_ANSWERED] = myth_id

        just_answered = st.session_state.pop(QUIZ_JUST_ANSWERED, None)
        for number, myth_id in enumerate(st.session_state[QUIZ_ORDER], start=1):
            row = by_id.loc[myth_id]
            with st.container(border=True):
                st.markdown(f"**{number}.** “{common.md(localized(row, 'claim', lang))}”")
                if myth_id in answers and answers[myth_id] in quiz.ANSWERS:
                    result = quiz.score(row["verdict"], answers[myth_id])
                    verdict = t(f"verdict.{row['verdict']}", lang)
                    given, best = (t(f"quiz.answer.{a}", lang) for a in (answers[myth_id], result.right_answer))
                    with st.container(key=f"{QUIZ_RESULT}{myth_id}"):  # focus lands here after answering
                        feedback = {"right": st.success, "half": st.info, "wrong": st.warning}[result.outcome]
                        feedback(t(f"quiz.{result.outcome}", lang, verdict=verdict, answer=given, best=best))
                        st.markdown(common.md(localized(row, "correction", lang)))
                        st.markdown(citations_markdown(split_ids(row["source_ids"]), atlas.table("sources"), lang),
                                    unsafe_allow_html=True)
                    if myth_id == just_answered:
                        focus_on(f"{QUIZ_RESULT}{myth_id}")
                else:
                    buttons = st.columns(len(quiz.ANSWERS))
                    for column, choice in zip(buttons, quiz.ANSWERS):
                        column.button(t(f"quiz.answer.{choice}", lang), key=f"quiz_{myth_id}_{choice}",
                                      on_click=answer, args=(myth_id, choice), width="stretch")
