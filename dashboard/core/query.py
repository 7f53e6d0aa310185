"""Shareable view state in the URL, read only through an allow-list.

Unknown parameters are ignored; a known parameter with a bad value falls back to its default and
is reported by name (never echoing the value back), so a crafted link can neither crash the app
nor inject anything.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

PAGES = ("explore", "compare", "population", "sources", "classroom")
LANGS = ("en", "ru", "zh")
ALLOWED = ("page", "era", "layers", "step", "lang", "presenter")
_TOKEN = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_LENGTH = 512


@dataclass(frozen=True)
class ViewState:
    page: str = "explore"
    era: str = "range_present"
    layers: tuple[str, ...] = ()
    step: int = 1
    lang: str = "en"
    presenter: bool = False


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value[0] if len(value) else None


def parse_view(params: Mapping[str, str | Sequence[str]], default: ViewState, eras: Sequence[str],
               layers: Sequence[str], steps: int) -> tuple[ViewState, list[str]]:
    """Read the allow-listed parameters; return the view and the names of parameters that were ignored."""
    state = default
    ignored: list[str] = []
    for name in ALLOWED:
        raw = _first(params.get(name)) if name in params else None
        if raw is None:
            continue
        value = raw.strip().lower() if isinstance(raw, str) else ""
        if len(value) > MAX_LENGTH:
            ignored.append(name)
            continue
        if name == "page" and value in PAGES:
            state = replace(state, page=value)
        elif name == "lang" and value in LANGS:
            state = replace(state, lang=value)
        elif name == "era" and value in eras:
            state = replace(state, era=value)
        elif name == "presenter" and value in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            state = replace(state, presenter=value in ("1", "true", "yes", "on"))
        elif name == "step" and value.isascii() and value.isdigit() and 1 <= int(value) <= max(steps, 1):
            state = replace(state, step=int(value))
        elif name == "layers":
            wanted = [part for part in value.split(",") if part]
            if wanted and all(_TOKEN.match(p) and p in layers for p in wanted):
                state = replace(state, layers=tuple(dict.fromkeys(wanted)))
            elif value in ("", "none"):
                state = replace(state, layers=())
            else:
                ignored.append(name)
        else:
            ignored.append(name)
    return state, ignored


def to_params(state: ViewState, default: ViewState) -> dict[str, str]:
    """The URL parameters for a view (only values that differ from the default, plus page)."""
    params = {"page": state.page}
    if state.era != default.era:
        params["era"] = state.era
    if state.layers != default.layers:
        params["layers"] = ",".join(state.layers) or "none"
    if state.page == "classroom" or state.step != default.step:
        params["step"] = str(state.step)
    if state.lang != default.lang:
        params["lang"] = state.lang
    if state.presenter:
        params["presenter"] = "1"
    return params
