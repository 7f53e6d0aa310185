"""Key figures as one small HTML block (a definition list): label, value and what the value means;
and the summary sentence every map and chart has.

One element instead of a row of columns and metric widgets: the browser draws it in a fraction of the
time. ``era_panels`` sends such a block in a version per era, of which the browser shows the era
slider's (so an era change redraws nothing from the server). All text is escaped.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import NamedTuple


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    meaning: str = ""


def figures_html(figures: list[KeyFigure], title: str, sentence: str = "", provenance: str = "") -> str:
    """The figures side by side (labelled for screen readers by ``title``), then where they come from
    (``provenance``: confidence and source ids), then the sentence that says them."""
    items = "".join(
        '<div class="atlas-figure">'
        f'<dt>{escape(figure.label)}</dt><dd class="atlas-figure-value">{escape(figure.value)}</dd>'
        + (f'<dd class="atlas-figure-meaning">{escape(figure.meaning)}</dd>' if figure.meaning else "")
        + "</div>"
        for figure in figures
    )
    source = f'<p class="atlas-figure-meaning">{escape(provenance)}</p>' if provenance else ""
    return (f'<dl class="atlas-figures" aria-label="{escape(title)}">{items}</dl>{source}'
            + (summary_html(sentence) if sentence else ""))


ERA_PANEL_ATTRIBUTE = "data-atlas-era-panel"  # dashboard.ui.era_control shows the panel of the chosen era


def era_panels(panels: Mapping[str, str], current: str) -> str:
    """One block in a version per era (``panels``: era id -> HTML), of which only ``current`` is shown.

    The others are in the page but ``hidden`` (screen readers skip them too): when the era slider
    moves, the browser shows the new era's version at once (``dashboard.ui.era_control``), and the
    server, which sends the same block again on its next full run, has nothing to redraw.
    """
    return "".join(f'<div {ERA_PANEL_ATTRIBUTE}="{escape(era)}"{"" if era == current else " hidden"}>{html}</div>'
                   for era, html in panels.items())


def summary_html(sentence: str) -> str:
    """The one-sentence text summary that goes with every map and chart (escaped)."""
    return f'<p class="atlas-summary">{escape(sentence)}</p>'


# Styles for ``event_key_html``, used by the app's page CSS and the offline pack's.
EVENT_KEY_CSS = """
.atlas-events-title {font-size: 0.9em; font-weight: 600; margin: 0.2em 0 0.1em 0;}
.atlas-events {columns: 2 22em; column-gap: 2em; margin: 0 0 0.8em 0; padding-left: 1.6em; font-size: 0.9em;}
.atlas-events li {break-inside: avoid; margin: 0;}
.atlas-event-date {color: #555; font-variant-numeric: tabular-nums; margin-right: 0.3em;}
.atlas-event-source {color: #555; font-size: 0.9em;}
"""


class NumberedEvent(NamedTuple):
    """One event as a chart's key lists it."""

    number: int
    date: str
    title: str
    sources: str  # source ids, comma-separated
    confidence: str  # the confidence label, in the reader's language


def event_key_html(title: str, events: list[NumberedEvent], sources_label: str) -> str:
    """The numbered events a chart marks, in the chart's numbering: date, title, then the sources and
    confidence (``sources_label``: "Sources"). Every text is escaped."""
    items = "".join(
        f'<li value="{int(event.number)}"><span class="atlas-event-date">{escape(event.date)}</span> '
        f'{escape(event.title)} <span class="atlas-event-source">({escape(sources_label)}: {escape(event.sources)}; '
        f'{escape(event.confidence)})</span></li>'
        for event in events)
    return f'<p class="atlas-events-title">{escape(title)}</p><ol class="atlas-events">{items}</ol>' if items else ""
