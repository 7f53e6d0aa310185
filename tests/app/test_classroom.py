"""Classroom: the whole story, the quiz, shareable links (including random junk ones)."""
from __future__ import annotations

import json

from app_helpers import address, era_data, map_args, no_exceptions, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core import quiz
from dashboard.core.i18n import t
from dashboard.core.paths import REPO_ROOT
from dashboard.core.query import ALLOWED

STEPS = json.loads((REPO_ROOT / "data" / "story.json").read_text(encoding="utf-8"))["steps"]


def _next(at):
    return at.button(key="story_next").click().run()


def test_story_steps_through_every_step_and_drives_the_map() -> None:
    at = run_app(page="classroom")
    no_exceptions(at)
    assert at.button(key="story_prev").disabled
    scripts = set()
    for number, step in enumerate(STEPS, start=1):
        assert at.subheader[0].value == t(f"story.{step['id']}.title", "en"), number
        args = map_args(at)
        shown = era_data(at, "story_era")["map"]
        assert shown["era"] == step["era"], number
        assert shown["view"] == [*step["center"], step["zoom"]], number
        assert address(at) == {"step": str(number), "lang": "en"}, number
        assert f'"id": "{step["era"]}"' in args["script"] and args["zoom"] is None  # the map carries every era
        scripts.add(args["script"])
        if number < len(STEPS):
            at = _next(at)
            no_exceptions(at)
    assert at.button(key="story_next").disabled
    # one shared map per set of layers: a step that only changes era or view sends the map no new arguments
    assert len(scripts) == len({tuple(sorted(step["layers"])) for step in STEPS})
    at = at.button(key="story_prev").click().run()
    assert at.subheader[0].value == t(f"story.{STEPS[-2]['id']}.title", "en")


def test_a_story_chart_comes_with_a_sentence_and_its_data_as_a_table() -> None:
    number = next(i for i, step in enumerate(STEPS, start=1) if step.get("highlight"))
    at = run_app(page="classroom", step=str(number))
    no_exceptions(at)
    start, end = STEPS[number - 1]["highlight"]
    sentence = t("classroom.chart_summary", "en", years=f"{start}–{end}" if start != end else str(start))
    assert any(sentence in h.proto.body for h in at.get("html"))
    assert len(at.get("vega_lite_chart")) == 1 and len(at.dataframe[0].value) > 40  # every estimate


def test_story_step_survives_reruns_and_comes_from_the_link() -> None:
    at = run_app(page="classroom", step="5")
    assert at.subheader[0].value == t(f"story.{STEPS[4]['id']}.title", "en")
    at.run()
    assert at.subheader[0].value == t(f"story.{STEPS[4]['id']}.title", "en")
    assert at.session_state["story_step"] == 5


def test_the_story_leaves_the_explore_era_and_layers_alone() -> None:
    at = run_app(page="classroom")
    era, layers = at.session_state["w_era"], at.session_state["w_layers"]
    at = _next(_next(_next(at)))  # step 4: the 1970s, its own layers
    assert STEPS[3]["era"] != era
    assert at.session_state["w_era"] == era and at.session_state["w_layers"] == layers
    assert era_data(at, "story_era")["map"]["era"] == STEPS[3]["era"]


def test_quiz_scores_and_resets() -> None:
    at = run_app(page="classroom")
    order = at.session_state["quiz_order"]
    assert len(order) >= 10
    first, second = order[0], order[1]
    at = at.button(key=f"quiz_{first}_fact").click().run()
    at = at.button(key=f"quiz_{second}_myth").click().run()
    no_exceptions(at)
    answers = at.session_state["quiz_answers"]
    assert answers == {first: "fact", second: "myth"}
    score = next(m for m in at.metric if m.label == t("quiz.score", "en"))
    assert score.value.endswith("/ 2")
    # verdict feedback shown for each answered question: right, half right or wrong
    assert len(at.success) + len(at.info) + len(at.warning) == 2
    at.run()  # answers survive a rerun
    assert at.session_state["quiz_answers"] == answers
    at = at.button(key="quiz_reset").click().run()
    assert at.session_state["quiz_answers"] == {}
    assert sorted(at.session_state["quiz_order"]) == sorted(order)


def _myths():
    import pandas as pd

    return pd.read_csv(REPO_ROOT / "data" / "tables" / "myths.csv").set_index("id")


def test_quiz_asks_only_the_quiz_claims_and_offers_every_answer() -> None:
    myths = _myths()
    at = run_app(page="classroom")
    assert sorted(at.session_state["quiz_order"]) == sorted(myths.index[myths["quiz"]])
    myth_id = at.session_state["quiz_order"][0]
    for choice in quiz.ANSWERS:
        assert at.button(key=f"quiz_{myth_id}_{choice}").label == t(f"quiz.answer.{choice}", "en")


def test_quiz_answer_key_matches_the_data() -> None:
    myths = _myths()
    at = run_app(page="classroom")
    myth_id = next(i for i in at.session_state["quiz_order"] if myths.loc[i, "verdict"] == "myth")
    at = at.button(key=f"quiz_{myth_id}_myth").click().run()
    score = next(m for m in at.metric if m.label == t("quiz.score", "en"))
    assert score.value == "1 / 1"


def test_fact_for_a_misleading_claim_is_half_right_and_says_why() -> None:
    myths = _myths()
    at = run_app(page="classroom")
    myth_id = next(i for i in at.session_state["quiz_order"] if myths.loc[i, "verdict"] == "misleading")
    at = at.button(key=f"quiz_{myth_id}_fact").click().run()
    no_exceptions(at)
    score = next(m for m in at.metric if m.label == t("quiz.score", "en"))
    assert score.value == "½ / 1"
    assert len(at.info) == 1 and t("verdict.misleading", "en") in at.info[0].value
    text = " ".join(m.value for m in at.markdown)
    from dashboard.ui.common import md
    assert md(myths.loc[myth_id, "correction"]) in text


def test_russian_quiz_shows_the_russian_claims_and_corrections() -> None:
    from dashboard.ui.common import md

    myths = _myths()
    at = run_app(page="classroom", lang="ru")
    no_exceptions(at)
    text = " ".join(m.value for m in at.markdown)
    for myth_id, row in myths[myths["quiz"]].iterrows():
        assert md(row["claim_ru"]) in text, myth_id
        assert md(row["claim"]) not in text, myth_id
    myth_id = at.session_state["quiz_order"][0]
    at = at.button(key=f"quiz_{myth_id}_fact").click().run()
    no_exceptions(at)
    text = " ".join(m.value for m in at.markdown)
    assert md(myths.loc[myth_id, "correction_ru"]) in text
    assert md(myths.loc[myth_id, "correction"]) not in text


def test_offline_pack_is_offered() -> None:
    at = run_app(page="classroom")
    assert t("export.download", "en") in {b.proto.label for b in at.get("download_button")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(list(ALLOWED) + ["zoom", "x"]),
                       st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=6))
def test_random_query_params_never_raise(params: dict[str, str]) -> None:
    at = run_app(query=params)
    assert [e.value for e in at.exception] == []
    assert at.header or era_data(at, "atlas_redirect")  # a page rendered, or an old ?page= link is redirected


def test_valid_params_round_trip_through_the_url() -> None:
    at = run_app(page="compare", lang="zh", layers="protected_areas_china,records", left="range_1970s",
                 right="range_c2000")
    no_exceptions(at)
    assert address(at) == {"left": "range_1970s", "right": "range_c2000", "layers": "protected_areas_china,records",
                           "lang": "zh"}
