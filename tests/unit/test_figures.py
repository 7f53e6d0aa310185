"""The key-figures block: escaped, labelled, one definition-list item per figure."""
from __future__ import annotations

from dashboard.core.figures import KeyFigure, era_panels, figures_html


def test_figures_are_a_labelled_definition_list_with_the_sentence_after() -> None:
    html = figures_html([KeyFigure("Range area, 1970s", "68,137 km²", "Area of our drawing."),
                         KeyFigure("Share protected", "41%")], "Key figures", "In the 1970s ...")
    assert html.startswith('<dl class="atlas-figures" aria-label="Key figures">')
    assert html.count('<div class="atlas-figure">') == 2
    assert "<dt>Range area, 1970s</dt>" in html and '<dd class="atlas-figure-value">68,137 km²</dd>' in html
    assert html.count("atlas-figure-meaning") == 1  # a figure without a meaning gets no empty line
    assert html.endswith('</dl><p class="atlas-summary">In the 1970s ...</p>')


def test_figure_text_from_data_is_escaped() -> None:
    html = figures_html([KeyFigure('<img src=x onerror="alert(1)">', "<b>1</b>", "a & b")], 'x" onload="y')
    assert "<img" not in html and "<b>" not in html and 'onload="y"' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "a &amp; b" in html


def test_no_sentence_no_paragraph() -> None:
    assert "atlas-summary" not in figures_html([KeyFigure("a", "1")], "t")


def test_provenance_comes_between_the_figures_and_the_sentence_escaped() -> None:
    html = figures_html([KeyFigure("a", "1")], "t", "The sentence.", "Shape: derived (D) · Sources: <x>")
    assert html.index("</dl>") < html.index("Shape: derived (D) · Sources: &lt;x&gt;") < html.index("The sentence.")


def test_event_key_is_a_numbered_list_in_the_chart_numbering_escaped() -> None:
    from dashboard.core.figures import event_key_html

    from dashboard.core.figures import NumberedEvent

    events = [NumberedEvent(1, "1972", "First count", "alta", "weak source"),
              NumberedEvent(2, "2012-04-05", "<script>x</script>", "a, b", "verified")]
    html = event_key_html("Events <b>", events, "Sources")
    assert ('<li value="1"><span class="atlas-event-date">1972</span> First count '
            '<span class="atlas-event-source">(Sources: alta; weak source)</span></li>') in html
    assert "&lt;script&gt;" in html and "<script>" not in html and "Events &lt;b&gt;" in html
    assert event_key_html("Events", [], "Sources") == ""


def test_era_panels_show_only_the_current_era_and_escape_ids() -> None:
    html = era_panels({"range_c1900": "<p>old</p>", 'x"><script>': "<p>odd</p>", "range_present": "<p>now</p>"},
                      "range_present")
    assert html.startswith('<div data-atlas-era-panel="range_c1900" hidden><p>old</p></div>')
    assert html.endswith('<div data-atlas-era-panel="range_present"><p>now</p></div>')
    assert 'data-atlas-era-panel="x&quot;&gt;&lt;script&gt;" hidden>' in html and "<script>" not in html
    assert html.count(" hidden>") == 2


def test_era_panels_without_the_current_era_hide_them_all() -> None:
    assert era_panels({"a": "1", "b": "2"}, "c").count(" hidden>") == 2
    assert era_panels({}, "a") == ""
