"""A printable lesson handout (PDF, fpdf2) per language and paper size: the story's steps, each with its
map and three questions, an answer key on its own page, the sources, and the address of the Atlas.

Texts come from the locale catalogs (``story.<step>.title/text/q1..q3/a1..a3``, ``handout.*``) and
``data/story.json``; maps from :mod:`dashboard.core.media.mapimage`. The shipped TrueType subsets are
embedded, so the PDF shows (and its text layer holds) Chinese on any computer.
"""
from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timezone
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from dashboard.core.fonts import PRINT_FONTS, is_web_character, print_text
from dashboard.core.i18n import t
from dashboard.core.loaders import Atlas
from dashboard.core.media.mapimage import DEFAULT_URL, DRAWING, build_scene, era_slide, figure_png
from dashboard.core.story import StoryStep

PAPER_SIZES = ("A4", "Letter")
QUESTIONS_PER_STEP = 3
PRINT_INCHES = (9.0, 5.0625)  # the slide layout on a smaller sheet, with larger text (PRINT_SCALE): printed
PRINT_SCALE = 0.85            # 18 cm wide, its key reads at about 7.5 pt and its title at 16 pt
HANDOUT_DPI = 160  # map images 1440 x 810 px: sharp at 18 cm wide
MARGIN = 15  # mm
FAMILY = "AtlasSans"
KEEP_TOGETHER_MM = 30  # room a step's block of answers needs (title and three answers)
FIXED_DATE = datetime(2020, 1, 1, tzinfo=timezone.utc)

# fpdf2 reports every glyph it subsets at INFO level; keep the server log quiet.
logging.getLogger("fpdf").setLevel(logging.WARNING)


class _Handout(FPDF):
    def __init__(self, paper: str, lang: str, url: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=paper)
        self.atlas_lang = lang  # FPDF.set_lang writes self.lang ("zh-CN")
        self.url = url
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.add_font(FAMILY, "", str(PRINT_FONTS["regular"]))
        self.add_font(FAMILY, "B", str(PRINT_FONTS["bold"]))
        self.set_lang({"en": "en", "ru": "ru", "zh": "zh-CN"}.get(lang, lang))
        self.set_creator("Amur Leopard Atlas")
        self.set_creation_date(FIXED_DATE)  # the same inputs give the same file

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(90, 90, 90)
        left = print_text(f"{t('export.title', self.atlas_lang)} · {self.url}")
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, print_text(t("handout.page", self.atlas_lang, n=self.page_no())), align="R")
        self.set_text_color(0, 0, 0)

    def para(self, text: str, size: float = 10.5, style: str = "", height: float | None = None,
             color: tuple[int, int, int] = (0, 0, 0), indent: float = 0) -> None:
        """A paragraph that wraps (between any two characters in Chinese, between words otherwise)."""
        self.set_font(FAMILY, style, size)
        self.set_text_color(*color)
        self.set_x(self.l_margin + indent)
        text = print_text(text)
        cjk = _mostly_cjk(text)
        if cjk:
            text = "\n".join(self._cjk_lines(text, self.epw - indent))
        self.multi_cell(self.epw - indent, height or size * 0.5, text, align="L",
                        wrapmode=WrapMode.CHAR if cjk else WrapMode.WORD, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def _cjk_lines(self, text: str, width: float) -> list[str]:
        """Chinese text broken to ``width`` between any two characters, except before closing punctuation."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for char in paragraph:
                if line and self.get_string_width(line + char) > width - 0.5:
                    if char in NO_LINE_START and len(line) > 1:
                        lines.append(line[:-1])
                        line = line[-1]
                    else:
                        lines.append(line)
                        line = ""
                line += char
            lines.append(line)
        return lines


#: Characters a Chinese line must not start with (they stay with the character before them).
NO_LINE_START = set("，。、；：？！）》」』”’…—·%")


def _mostly_cjk(text: str) -> bool:
    """Chinese text wraps between any two characters; a Latin citation with a Chinese step number does not."""
    letters = [c for c in text if not c.isspace()]
    return bool(letters) and sum(1 for c in letters if is_web_character(c)) > 0.3 * len(letters)


def _plain(text: str) -> str:
    """Story text as plain words (the catalogs use a little Markdown: **bold**, [label](url))."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\*\*(.+?)\*\*|\*(.+?)\*", lambda m: m.group(1) or m.group(2), text)


def _citations(atlas: Atlas, steps: Sequence[StoryStep]) -> list[tuple[str, str, list[int]]]:
    """(id, citation with its address, step numbers) for every source a step names, in first-use order."""
    sources = atlas.table("sources")
    by_id = {str(r["id"]): r for r in sources.to_dict("records")} if len(sources) else {}
    used: dict[str, list[int]] = {}
    for number, step in enumerate(steps, start=1):
        for source_id in step.source_ids:
            used.setdefault(source_id, []).append(number)
    rows = []
    for source_id, numbers in used.items():
        row = by_id.get(source_id, {})
        citation = str(row.get("citation") or source_id)
        url = row.get("url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            citation += f" {url}"
        rows.append((source_id, citation, numbers))
    return rows


def handout_pdf(atlas: Atlas, steps: Sequence[StoryStep], lang: str, paper: str = "A4", url: str = DEFAULT_URL,
                dpi: float = HANDOUT_DPI) -> bytes:
    """The handout as PDF bytes. ``paper``: "A4" or "Letter"; ``dpi`` of the map images."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper size {paper!r}; expected one of {', '.join(PAPER_SIZES)}")
    if not steps:
        raise ValueError("the story has no steps to put in a handout")
    pdf = _Handout(paper, lang, url)
    pdf.set_title(print_text(t("handout.title", lang)))
    scenes = {}
    pdf.add_page()
    pdf.para(t("handout.title", lang), size=19, style="B", height=9)
    pdf.ln(2)
    pdf.para(t("handout.name_line", lang), size=10.5, height=7)
    pdf.ln(1)
    pdf.para(t("handout.intro", lang), size=10.5, height=5.2)
    pdf.para(t("handout.address", lang, url=url), size=10.5, height=5.2, style="B")
    pdf.ln(3)
    for number, step in enumerate(steps, start=1):
        if number > 1:
            pdf.add_page()
        title = f"{t('handout.step', lang, n=number)}: {t(step.title_key, lang)}"
        pdf.para(title, size=14, style="B", height=7)
        pdf.ln(1)
        pdf.para(_plain(t(step.text_key, lang)), size=10.5, height=5.2)
        pdf.ln(2)
        key = tuple(sorted(step.layers))
        if key not in scenes:
            scenes[key] = build_scene(atlas, lang, key)
        if step.era in scenes[key].eras:
            with DRAWING:
                image = figure_png(era_slide(scenes[key], step.era, url, inches=PRINT_INCHES, scale=PRINT_SCALE), dpi)
            pdf.image(io.BytesIO(image), x=pdf.l_margin, w=pdf.epw, h=pdf.epw * 9 / 16)
            pdf.ln(2)
        pdf.para(t("handout.questions", lang), size=12, style="B", height=6.5)
        for q in range(1, QUESTIONS_PER_STEP + 1):
            pdf.para(f"{q}. {t(f'story.{step.id}.q{q}', lang)}", size=10.5, height=5.2)
            pdf.set_draw_color(150, 150, 150)
            for _ in range(2):
                y = pdf.get_y() + 6.5
                pdf.line(pdf.l_margin + 5, y, pdf.l_margin + pdf.epw, y)
                pdf.set_y(y)
            pdf.ln(2)
    pdf.add_page()
    pdf.para(t("handout.answer_key", lang), size=17, style="B", height=8)
    pdf.para(t("handout.answer_key_note", lang), size=10, height=5, color=(70, 70, 70))
    pdf.ln(2)
    for number, step in enumerate(steps, start=1):
        if pdf.get_y() + KEEP_TOGETHER_MM > pdf.page_break_trigger:  # a step's answers stay under its title
            pdf.add_page()
        pdf.para(f"{t('handout.step', lang, n=number)}: {t(step.title_key, lang)}", size=11, style="B", height=5.6)
        for q in range(1, QUESTIONS_PER_STEP + 1):
            pdf.para(f"{q}. {t(f'story.{step.id}.a{q}', lang)}", size=10, height=5, indent=4)
        pdf.ln(1.5)
    pdf.add_page()
    pdf.para(t("handout.sources", lang), size=17, style="B", height=8)
    pdf.para(t("handout.sources_intro", lang), size=10, height=5, color=(70, 70, 70))
    pdf.ln(2)
    for source_id, citation, numbers in _citations(atlas, steps):
        steps_text = ", ".join(str(n) for n in numbers)
        pdf.para(f"[{source_id}] {citation} ({t('handout.step', lang, n=steps_text)})", size=9, height=4.6)
        pdf.ln(1)
    pdf.ln(3)
    pdf.para(t("handout.address", lang, url=url), size=10.5, style="B", height=5.4)
    return bytes(pdf.output())
