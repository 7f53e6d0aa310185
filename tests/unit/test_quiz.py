"""The quiz's scoring: every verdict has one best answer, close answers earn half, and nothing else scores."""
from __future__ import annotations

import pytest

from dashboard.core import quiz
from dashboard.core.tables import VERDICTS


def test_every_verdict_has_a_best_answer_among_the_buttons() -> None:
    assert set(quiz.RIGHT_ANSWER) == set(VERDICTS)
    assert set(quiz.RIGHT_ANSWER.values()) == set(quiz.ANSWERS)


@pytest.mark.parametrize("verdict", VERDICTS)
def test_the_best_answer_scores_one_point(verdict: str) -> None:
    result = quiz.score(verdict, quiz.RIGHT_ANSWER[verdict])
    assert (result.points, result.outcome) == (1.0, "right")


@pytest.mark.parametrize("verdict,answer,points", [
    ("misleading", "fact", 0.5),    # technically true: the student is not simply told they are wrong
    ("misleading", "myth", 0.5),
    ("misleading", "no_source", 0.0),
    ("outdated", "fact", 0.0),      # not true today
    ("outdated", "myth", 0.5),      # but it was once
    ("partly_true", "fact", 0.5),
    ("partly_true", "myth", 0.5),
    ("fact", "partly_true", 0.5),
    ("fact", "myth", 0.0),
    ("fact", "no_source", 0.0),
    ("myth", "fact", 0.0),
    ("myth", "partly_true", 0.5),
    ("no_source", "myth", 0.5),
    ("no_source", "fact", 0.0),
])
def test_close_answers_earn_half_a_point_and_wrong_ones_none(verdict: str, answer: str, points: float) -> None:
    result = quiz.score(verdict, answer)
    assert result.points == points
    assert result.outcome == {1.0: "right", 0.5: "half", 0.0: "wrong"}[points]
    assert result.right_answer == quiz.RIGHT_ANSWER[verdict]


def test_the_scale_is_honest_about_misleading_claims() -> None:
    """The old quiz marked "fact" wrong for a claim its own correction called technically true."""
    assert quiz.score("misleading", "fact").points > quiz.score("myth", "fact").points


@pytest.mark.parametrize("verdict,answer", [("true", "fact"), ("fact", "true"), ("fact", ""), ("roughly_right", "fact")])
def test_unknown_verdicts_and_answers_are_refused(verdict: str, answer: str) -> None:
    with pytest.raises(ValueError):
        quiz.score(verdict, answer)


def test_total_adds_the_answered_questions_and_skips_unknown_ones() -> None:
    verdicts = {"a": "fact", "b": "misleading", "c": "myth"}
    answers = {"a": "fact", "b": "fact", "c": "fact", "gone": "fact", "old": True}
    assert quiz.total(verdicts, answers) == 1.5


@pytest.mark.parametrize("points,text", [(0, "0"), (0.5, "½"), (1, "1"), (7.5, "7½"), (12.0, "12")])
def test_points_are_written_with_a_half_sign(points: float, text: str) -> None:
    assert quiz.points_text(points) == text
