"""The Atlas's own Chinese font: which characters it needs, and where the shipped subsets live.

No CJK font can be assumed on a classroom computer, so the Atlas ships subsets of Noto Sans SC (SIL Open
Font License, from the npm package named in ``scripts/build_fonts.py``) cut to the characters its texts
use: a WOFF2 for web pages (Streamlit page, map frames, charts, export pack) and TrueType files with
Latin and Cyrillic too, for the images and PDFs drawn on the server. ``used_characters`` scans every text
the app shows; a test fails when one of them is missing from a subset (rebuild: ``make fonts``).

Pure module: must not import streamlit.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dashboard.core.paths import LOCALES_DIR, PACKAGE_DIR, REPO_ROOT, STATIC_DIR

#: The vendored font folder (the OFL licence is its LICENSE file).
FONT_DIR_NAME = "noto-sans-sc"
FONT_DIR: Path = STATIC_DIR / "vendor" / FONT_DIR_NAME

#: CSS family name of the web subset (declared in ``atlas-cjk.css`` and the Streamlit theme).
WEB_FAMILY = "Atlas CJK"
WEB_FONT: Path = FONT_DIR / "atlas-cjk.woff2"
#: ``@font-face`` rules for pages that are not the Streamlit page (map frames, export pack), relative to
#: the vendor folder; the font file sits beside it, so the rule works wherever the folder is served.
WEB_CSS_REL = f"{FONT_DIR_NAME}/atlas-cjk.css"
WEB_CSS: Path = FONT_DIR / "atlas-cjk.css"
#: TrueType subsets (Latin, Cyrillic and the Chinese the Atlas uses) for server-drawn images and PDFs;
#: kept apart from the web folder, which the export pack copies whole. The OFL text is beside them too.
PRINT_FONT_DIR: Path = PACKAGE_DIR / "assets" / "fonts"
PRINT_FONTS: dict[str, Path] = {
    "regular": PRINT_FONT_DIR / "NotoSansSC-Atlas-Regular.ttf",
    "bold": PRINT_FONT_DIR / "NotoSansSC-Atlas-Bold.ttf",
}

#: What the web face is used for: CJK symbols and punctuation, kana, the unified ideographs and their
#: extension A, compatibility ideographs, full-width forms. Latin and Cyrillic stay with the page's font.
WEB_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)

#: In the print subsets whatever the texts say today, where Noto Sans SC has them: printable ASCII,
#: Latin-1, Russian Cyrillic, general punctuation and a few symbols numbers and units use.
PRINT_BASE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0401, 0x0401), (0x0410, 0x044F), (0x0451, 0x0451), (0x2010, 0x2027),
    (0x2030, 0x203A), (0x2190, 0x2193), (0x2116, 0x2116), (0x2212, 0x2212), (0x2264, 0x2265),
)

#: Characters Noto Sans SC lacks, and what server-drawn text uses instead (Russian numbers group digits
#: with a narrow no-break space).
PRINT_SUBSTITUTES: dict[str, str] = {"\u202f": "\u00a0", "\u2009": "\u00a0"}
_PRINT_TABLE = str.maketrans(PRINT_SUBSTITUTES)

#: The text files the app shows words from (relative to the repository), besides the data folder.
_DATA_SUFFIXES = (".json", ".geojson", ".csv")


def font_stack(*fallbacks: str) -> str:
    """A CSS ``font-family`` list with the web subset first: it only covers CJK code points, so every
    other character goes on to ``fallbacks`` (default ``sans-serif``)."""
    return ", ".join((f'"{WEB_FAMILY}"', *(fallbacks or ("sans-serif",))))


def unicode_range_css(ranges: Iterable[tuple[int, int]] = WEB_RANGES) -> str:
    """``U+2E80-2FDF, U+3000-30FF, ...`` for a CSS ``unicode-range`` descriptor."""
    return ", ".join(f"U+{lo:04X}-{hi:04X}" if lo != hi else f"U+{lo:04X}" for lo, hi in ranges)


def is_web_character(char: str) -> bool:
    """True for a character the web face draws (see ``WEB_RANGES``)."""
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in WEB_RANGES)


def text_sources(data_root: Path | None = None) -> list[Path]:
    """Every file whose text the Atlas shows: locale catalogs, data files, and the app's Python code
    (a few labels, like the language names, are written there)."""
    root = data_root if data_root is not None else REPO_ROOT / "data"
    files = sorted(LOCALES_DIR.glob("*.json"))
    files += sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _DATA_SUFFIXES)
    files += sorted(p for p in PACKAGE_DIR.rglob("*.py") if p.is_file())
    return files


def used_characters(data_root: Path | None = None) -> dict[str, list[Path]]:
    """Each character outside printable ASCII that the Atlas's texts use, with the files it occurs in."""
    found: dict[str, list[Path]] = {}
    for path in text_sources(data_root):
        for char in set(path.read_text(encoding="utf-8")):
            if ord(char) > 0x7E:
                found.setdefault(char, []).append(path)
    return found


def web_characters(chars: Iterable[str]) -> set[str]:
    """The characters of ``chars`` that the web subset must hold."""
    return {c for c in chars if is_web_character(c)}


def print_text(text: str) -> str:
    """``text`` as server-drawn images and PDFs write it (``PRINT_SUBSTITUTES`` applied)."""
    return text.translate(_PRINT_TABLE)


def print_characters(chars: Iterable[str]) -> set[str]:
    """The characters of ``chars`` (as ``print_text`` writes them) that the print subsets must hold."""
    return {c for c in print_text("".join(chars)) if c.isprintable() and not c.isspace()}


def print_base_characters() -> set[str]:
    """The ``PRINT_BASE_RANGES``: kept in the print subsets where the source font has them."""
    return {chr(code) for lo, hi in PRINT_BASE_RANGES for code in range(lo, hi + 1)}


def font_codepoints(path: Path) -> frozenset[int]:
    """The code points a font file maps to glyphs (read with fontTools)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_characters(path: Path, chars: Iterable[str]) -> list[str]:
    """The characters of ``chars`` that the font at ``path`` has no glyph for (sorted)."""
    have = font_codepoints(path)
    return sorted(c for c in set(chars) if ord(c) not in have and not c.isspace())
