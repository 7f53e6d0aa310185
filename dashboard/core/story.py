"""The guided classroom story: steps live in data/story.json, their words in the locale catalogs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.core.validation import Problem, parse_json


@dataclass(frozen=True)
class StoryStep:
    """One step: which era and layers to show, where to look, what part of the chart to highlight."""

    id: str
    era: str
    layers: tuple[str, ...]
    center: tuple[float, float]
    zoom: int
    highlight: tuple[int, int] | None
    source_ids: tuple[str, ...]

    @property
    def title_key(self) -> str:
        return f"story.{self.id}.title"

    @property
    def text_key(self) -> str:
        return f"story.{self.id}.text"


def _step(raw: dict[str, Any]) -> StoryStep:
    highlight = raw.get("highlight")
    return StoryStep(id=str(raw["id"]), era=str(raw["era"]), layers=tuple(raw.get("layers", [])),
                     center=(float(raw["center"][0]), float(raw["center"][1])), zoom=int(raw["zoom"]),
                     highlight=(int(highlight[0]), int(highlight[1])) if highlight else None,
                     source_ids=tuple(raw.get("source_ids", [])))


def load_story(root: Path, known_eras: set[str] | None = None, known_layers: set[str] | None = None,
               known_sources: set[str] | None = None) -> tuple[list[StoryStep], list[Problem]]:
    """Read ``story.json``; a broken step is reported and left out."""
    filename = "story.json"
    try:
        raw = (root / filename).read_bytes()
    except OSError as err:
        return [], [Problem(filename, "", "", f"cannot read the story: {err.strerror}")]
    obj, problems = parse_json(raw, filename)
    if obj is None:
        return [], problems
    steps: list[StoryStep] = []
    for index, entry in enumerate(obj.get("steps", []) if isinstance(obj, dict) else []):
        where = f"step #{index + 1}"
        try:
            step = _step(entry)
        except (KeyError, TypeError, ValueError, IndexError) as err:
            problems.append(Problem(filename, where, "", f"malformed step: {err}"))
            continue
        bad = []
        if known_eras is not None and step.era not in known_eras:
            bad.append(Problem(filename, where, "era", f"unknown era '{step.era}'"))
        for layer in step.layers:
            if known_layers is not None and layer not in known_layers:
                bad.append(Problem(filename, where, "layers", f"unknown layer '{layer}'"))
        for source in step.source_ids:
            if known_sources is not None and source not in known_sources:
                bad.append(Problem(filename, where, "source_ids", f"unknown source id '{source}'"))
        problems += bad
        if not bad:
            steps.append(step)
    return steps, problems
