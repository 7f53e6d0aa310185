"""Text for server-drawn images and PDFs: the shipped font, line wrapping (Chinese wraps between any two
characters), and short source names."""
from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from dashboard.core.fonts import PRINT_FONTS, is_web_character, print_text

_MEASURE = TextToPath()


def font(weight: str = "regular") -> FontProperties:
    """The shipped font (Latin, Cyrillic and the Atlas's Chinese) as a matplotlib font."""
    return FontProperties(fname=str(PRINT_FONTS[weight]))


def sized(size: float, weight: str = "regular") -> FontProperties:
    prop = font(weight).copy()
    prop.set_size(size)
    return prop


def width_pt(text: str, prop: FontProperties) -> float:
    """Width of ``text`` in points at ``prop``'s size."""
    if not text:
        return 0.0
    width, _height, _descent = _MEASURE.get_text_width_height_descent(print_text(text), prop, ismath=False)
    return float(width) * 1.04  # drawn text runs up to ~3 % wider than the outlines measure (hinting, kerning)


def _tokens(text: str) -> list[str]:
    """Words with their trailing space; each Chinese character (with any punctuation after it) on its own."""
    return re.findall(r"[\u2e80-\u9fff\uf900-\ufaff](?:[\u3000-\u303f\uff00-\uffef])*|[^\s\u2e80-\u9fff\uf900-\ufaff]+\s*|\s+",
                      text)


def wrap(text: str, prop: FontProperties, max_pt: float, max_lines: int | None = None) -> list[str]:
    """``text`` broken into lines no wider than ``max_pt`` (a word longer than that gets a line of its own).

    With ``max_lines`` the last line kept ends in an ellipsis when text was left out.
    """
    lines: list[str] = []
    for paragraph in print_text(text).split("\n"):
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if line and width_pt(candidate.rstrip(), prop) > max_pt:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line = candidate
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and width_pt(last + "…", prop) > max_pt:
            last = last[:-1]
        kept[-1] = last.rstrip(" ,;") + "…"
        return kept
    return lines


def has_cjk(text: str) -> bool:
    return any(is_web_character(c) for c in text)


_AUTHOR = re.compile(r"^([A-Z][\w'’\-]+(?: [a-z]{1,3} [A-Z][\w'’\-]+)?) (?:[A-Z]\.[\s\-]?)+")


def short_citation(row: dict) -> str:
    """A source as a slide can carry it: "Jiang et al. 2015", "Jackson & Nowell 2008" or "Uphyrkina 2003" for
    papers, else the citation up to its first colon (at most 50 characters, cut between words)."""
    citation = str(row.get("citation") or row.get("id") or "").strip()
    year = row.get("year")
    year_text = "" if year is None or pd.isna(year) else str(int(year))
    et_al = re.match(r"^([A-Z][\w'’\-]+) et al\.", citation)
    if et_al and year_text:
        return f"{et_al.group(1)} et al. {year_text}"
    match = _AUTHOR.match(citation)
    if match and year_text:
        head = citation.split("(", 1)[0]
        surnames = re.findall(r"([A-Z][\w'’\-]+) (?:[A-Z]\.[\s\-]?)+", head)
        if "et al" in head or len(surnames) > 2:
            return f"{match.group(1)} et al. {year_text}"
        return f"{' & '.join(surnames[:2]) or match.group(1)} {year_text}"
    short = citation.split(":", 1)[0].strip()
    if len(short) <= 50:
        return short
    return short[:50].rsplit(" ", 1)[0].rstrip(" ,;(") + "…"


def source_names(source_ids: Iterable[str], sources: pd.DataFrame) -> list[str]:
    """Short names of the sources, in order, without repeats (unknown ids as they are)."""
    by_id = {str(r["id"]): r for r in sources.to_dict("records")} if len(sources) else {}
    names: list[str] = []
    for source_id in source_ids:
        name = short_citation(by_id[source_id]) if source_id in by_id else source_id
        if name not in names:
            names.append(name)
    return names
