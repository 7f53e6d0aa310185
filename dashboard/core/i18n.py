"""UI strings in English, Russian and Simplified Chinese: one JSON catalog per language.

A key missing from a language falls back to English; ``missing_keys`` lists the gaps (a test fails on any).
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from dashboard.core.paths import LOCALES_DIR

LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "zh": "中文"}
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flat key -> text catalog of one language (empty if the file is missing)."""
    path = LOCALES_DIR / f"{lang}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """Translate ``key`` into ``lang`` (English fallback, then the key itself), filling ``{name}`` slots."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def missing_keys(lang: str) -> list[str]:
    """Keys present in English but missing or empty in ``lang``."""
    other = catalog(lang)
    return sorted(k for k in catalog(DEFAULT_LANGUAGE) if not other.get(k))


def localized(props: dict[str, Any], field: str, lang: str) -> str:
    """``props['<field>_<lang>']`` with English fallback, e.g. ``localized(p, 'name', 'ru')``."""
    for key in (f"{field}_{lang}", f"{field}_{DEFAULT_LANGUAGE}", field):
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with thousands separators suited to the language."""
    text = f"{value:,.{digits}f}"
    if lang == "ru":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def percent(fraction: float, lang: str, digits: int = 1) -> str:
    return number(fraction * 100, lang, digits) + ("\u202f%" if lang == "ru" else "%")
