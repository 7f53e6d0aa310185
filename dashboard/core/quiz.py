"""The myth-or-fact quiz: the answers a student can give, and how each is scored against a claim's verdict.

A claim's verdict (``myths.csv``) is one of six: fact, partly_true, misleading, outdated, myth, no_source.
A student answers with one of four plain choices. Three verdicts share the middle answer "partly true":
a claim that is true but misleading, or true once but out of date, is neither a plain fact nor a plain myth.
Nearby answers earn half a point, so a student who calls a technically true but misleading claim a "fact"
is told why it misleads rather than simply told they are wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

ANSWERS = ("fact", "partly_true", "myth", "no_source")

# verdict -> the answer that is fully right
RIGHT_ANSWER = {
    "fact": "fact",
    "partly_true": "partly_true",
    "misleading": "partly_true",
    "outdated": "partly_true",
    "myth": "myth",
    "no_source": "no_source",
}

# (verdict, answer) pairs worth half a point: the answer is not the best one, but it is not wrong either.
HALF_RIGHT = {
    ("fact", "partly_true"),          # too cautious: the claim holds
    ("partly_true", "fact"),          # part of it is right...
    ("partly_true", "myth"),          # ...and part of it is wrong
    ("misleading", "fact"),           # technically true, but it gives a wrong picture
    ("misleading", "myth"),           # the picture is wrong, but the words are true
    ("outdated", "myth"),             # not true today, but it was once
    ("myth", "partly_true"),          # saw that something is wrong
    ("no_source", "myth"),            # nothing supports it, but nothing disproves it either
}

FULL, HALF, NONE = 1.0, 0.5, 0.0


@dataclass(frozen=True)
class Result:
    """How one answer scored: the points (1, 0.5 or 0), the best answer, and the outcome's name."""

    points: float
    right_answer: str
    outcome: str  # "right", "half" or "wrong"


def score(verdict: str, answer: str) -> Result:
    """Score ``answer`` (one of ANSWERS) against a claim's ``verdict`` (one of the six verdicts).

    Raises ValueError for an unknown verdict or answer: the data and the buttons must agree.
    """
    if verdict not in RIGHT_ANSWER:
        raise ValueError(f"unknown verdict {verdict!r}; expected one of {sorted(RIGHT_ANSWER)}")
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}; expected one of {list(ANSWERS)}")
    right = RIGHT_ANSWER[verdict]
    if answer == right:
        return Result(FULL, right, "right")
    if (verdict, answer) in HALF_RIGHT:
        return Result(HALF, right, "half")
    return Result(NONE, right, "wrong")


def total(verdicts: dict[str, str], answers: dict[str, str]) -> float:
    """The score over every answered question whose claim is known (``verdicts``: claim id -> verdict)."""
    return sum(score(verdicts[claim], answer).points for claim, answer in answers.items()
               if claim in verdicts and answer in ANSWERS)


def points_text(points: float) -> str:
    """``7.5`` -> ``"7½"``, ``8.0`` -> ``"8"``, ``0.5`` -> ``"½"``: how a 12-year-old writes half points."""
    whole, half = int(points), points - int(points) >= 0.5
    if half:
        return f"{whole}½" if whole else "½"
    return str(whole)
