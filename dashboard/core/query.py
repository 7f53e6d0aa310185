"""Shareable view state in the URL, read only through an allow-list.

The page comes from the address's path (``/compare``); ``?page=`` is still read, for links made
before pages had their own addresses. Each page's address carries only that page's view
(``PAGE_PARAMS``) plus the language and the presenter view, which every page shares.

Unknown parameters are ignored; a known parameter with a bad value falls back to its default and
is reported by name (never echoing the value back), so a crafted link can neither crash the app
nor inject anything.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

PAGES = ("explore", "compare", "population", "sources", "classroom")
LANGS = ("en", "ru", "zh")
#: What each page's address carries besides ``lang`` and ``presenter`` (see ``to_params``).
PAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "explore": ("era", "layers"),
    "compare": ("left", "right", "layers"),
    "population": ("units", "regions"),
    "sources": (),
    "classroom": ("step",),
}
SHARED_PARAMS = ("lang", "presenter")
ALWAYS = ("step", "lang")  # in every address that can have them (see ``to_params``)
ALLOWED = ("page", "era", "layers", "left", "right", "units", "regions", "step", "lang", "presenter")
_TOKEN = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_LENGTH = 512
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class ViewState:
    """Everything a reader can set that the address keeps: the page, and each page's view."""

    page: str = "explore"
    era: str = "range_present"
    layers: tuple[str, ...] = ()
    left: str = "range_c1900"
    right: str = "range_present"
    units: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    step: int = 1
    lang: str = "en"
    presenter: bool = False


@dataclass(frozen=True)
class Choices:
    """The values a link may name: era ids, optional layer ids, population units and regions, story steps."""

    eras: Sequence[str] = ()
    layers: Sequence[str] = ()
    units: Sequence[str] = ()
    regions: Sequence[str] = ()
    steps: int = 1
    pages: Sequence[str] = field(default=PAGES)


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value[0] if len(value) and isinstance(value[0], str) else None


def _id_list(value: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
    """A comma-separated list of known ids (``none`` or empty: no id); None if any part is unknown."""
    if value in ("", "none"):
        return ()
    wanted = [part for part in value.split(",") if part]
    if wanted and all(_TOKEN.match(part) and part in allowed for part in wanted):
        return tuple(dict.fromkeys(wanted))
    return None


def _read(name: str, value: str, state: ViewState, choices: Choices) -> ViewState | None:
    """``state`` with parameter ``name`` set from ``value``, or None when the value is not allowed."""
    if name == "page":
        return replace(state, page=value) if value in choices.pages else None
    if name == "lang":
        return replace(state, lang=value) if value in LANGS else None
    if name in ("era", "left", "right"):
        return replace(state, **{name: value}) if value in choices.eras else None
    if name == "presenter":
        return replace(state, presenter=value in _TRUE) if value in _TRUE + _FALSE else None
    if name == "step":
        ok = value.isascii() and value.isdigit() and 1 <= int(value) <= max(choices.steps, 1)
        return replace(state, step=int(value)) if ok else None
    allowed = {"layers": choices.layers, "units": choices.units, "regions": choices.regions}[name]
    ids = _id_list(value, allowed)
    return replace(state, **{name: ids}) if ids is not None else None


def parse_view(params: Mapping[str, str | Sequence[str]], default: ViewState,
               choices: Choices) -> tuple[ViewState, list[str]]:
    """Read the allow-listed parameters; return the view and the names of parameters that were ignored."""
    state = default
    ignored: list[str] = []
    for name in ALLOWED:
        if name not in params:
            continue
        raw = _first(params.get(name))
        value = raw.strip().lower() if isinstance(raw, str) else None
        read = _read(name, value, state, choices) if value is not None and len(value) <= MAX_LENGTH else None
        if read is None:
            ignored.append(name)
        else:
            state = read
    return state, ignored


def _text(name: str, state: ViewState) -> str:
    value = getattr(state, name)
    if isinstance(value, tuple):
        return ",".join(value) or "none"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def to_params(state: ViewState, default: ViewState) -> dict[str, str]:
    """The address parameters of a view: its page's view and the shared ones, only where they differ from
    ``default``, except the story step (the story's place) and the language, which are always there: an
    address always carries a view, so the app can tell it from a page change in the navigation, which
    sends none (``ui.state.init_from_url``). The page itself is the address's path."""
    params = {}
    for name in (*PAGE_PARAMS.get(state.page, ()), *SHARED_PARAMS):
        if getattr(state, name) != getattr(default, name) or name in ALWAYS:
            params[name] = _text(name, state)
    return params
