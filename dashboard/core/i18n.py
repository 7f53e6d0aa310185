"""UI strings in English, Russian and Simplified Chinese: one JSON catalog per language.

A key missing from a language falls back to English; ``missing_keys`` lists the gaps (a test fails on any).
``Message`` holds a key and its values for code that must not know the reader's language yet.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
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


def area_text(km2: float, lang: str) -> str:
    """An area with the language's number format and unit: "1,087 km²", "1 087 км²", "1,087 平方千米"."""
    return f"{number(km2, lang)} {t('unit.km2', lang)}"


def percent(fraction: float, lang: str, digits: int = 1) -> str:
    return number(fraction * 100, lang, digits) + ("\u202f%" if lang == "ru" else "%")


PLURAL_FORMS = ("one", "few", "many")


def plural(n: int, lang: str) -> str:
    """The plural form of ``n`` in ``lang``: "one", "few" (Russian 2–4, 22–24 ...) or "many"."""
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        return "few" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "many"
    if lang == "zh":
        return "many"
    return "one" if n == 1 else "many"


@dataclass(frozen=True)
class Message:
    """A catalog key and its values, translated only when shown (``str()`` gives the English text).

    Values that are Messages are translated too, ints get the language's thousands separator, other
    values are shown as they are. With ``count`` the key names a group of plural forms
    (``<key>.one``, ``.few``, ``.many``) and ``{n}`` is the count. ``hint`` is a short technical
    detail added in square brackets and never translated.
    """

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    count: int | None = None
    hint: str = ""

    def render(self, lang: str = DEFAULT_LANGUAGE, escape: Callable[[str], str] = str) -> str:
        """The text in ``lang``; ``escape`` is applied to every value that is data (not to catalog text)."""
        values = {name: self._value(value, lang, escape) for name, value in self.values.items()}
        key = self.key
        if self.count is not None:
            key = f"{key}.{plural(self.count, lang)}"
            values["n"] = escape(str(self.count))
        text = t(key, lang, **values)
        return f"{text} [{escape(self.hint)}]" if self.hint else text

    def __str__(self) -> str:
        return self.render()

    @staticmethod
    def _value(value: Any, lang: str, escape: Callable[[str], str]) -> str:
        if isinstance(value, Message):
            return value.render(lang, escape)
        if isinstance(value, int) and not isinstance(value, bool):
            return escape(number(value, lang))
        return escape(str(value))


MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "ru": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
           "ноябрь", "декабрь"),
}
MONTHS_RU_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                      "октября", "ноября", "декабря")


def date_text(iso: str, lang: str) -> str:
    """A partial ISO date as the language writes it: "2024-04-05" -> "5 April 2024", "5 апреля 2024 года",
    "2024年4月5日"; "2024-04" -> "April 2024"; "2024" -> "2024". Anything else is returned unchanged."""
    parts = str(iso).split("-")
    if not (1 <= len(parts) <= 3 and all(part.isdigit() for part in parts)):
        return str(iso)
    year = parts[0]
    month = int(parts[1]) if len(parts) > 1 else None
    day = int(parts[2]) if len(parts) > 2 else None
    if month is not None and not 1 <= month <= 12:
        return str(iso)
    if lang == "zh":
        return f"{year}年" + (f"{month}月" if month else "") + (f"{day}日" if day else "")
    if lang == "ru":
        if month is None:
            return f"{year} год"
        if day is None:
            return f"{MONTHS['ru'][month - 1]} {year} года"
        return f"{day} {MONTHS_RU_GENITIVE[month - 1]} {year} года"
    if month is None:
        return year
    return f"{MONTHS['en'][month - 1]} {year}" if day is None else f"{day} {MONTHS['en'][month - 1]} {year}"


def sentence_gap(lang: str) -> str:
    """What goes between two sentences: a space, except in Chinese, which writes none."""
    return "" if lang == "zh" else " "
