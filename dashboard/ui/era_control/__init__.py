"""The era control: the one owner of the chosen era in the browser (a components.v2 element).

``show`` draws the control (a labelled radio group of eras per :class:`Track`, keyboard and touch,
and optionally a Play button) and, when the reader picks an era, shows it at once on the map, in the
blocks sent in a version per era (``core.figures.era_panels``), in the address bar and in the share
link; then it reports the choice to Python, which stores it in session state through the track's
``on_change``. The map is never sent again for an era change: it carries every era
(``core.maps.add_era_switch``).

Without tracks the same element only shows an era and a view on a map (the story), reports that the
map was drawn (``on_drawn``), or keeps the address bar equal to the view (``show_address``, called by
the app on every run). Its JavaScript and CSS are ``index.js`` and ``style.css`` beside this file.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.core.i18n import t

log = logging.getLogger("atlas")
_HERE = Path(__file__).resolve().parent
NAME = "atlas_era_control"
_component = st.components.v2.component(NAME, js=(_HERE / "index.js").read_text(encoding="utf-8"),
                                        css=(_HERE / "style.css").read_text(encoding="utf-8"))

PROBLEM = "problem"  # state value the browser sets when it cannot reach the map (see ``era_sent_with_map``)
DRAWN = "drawn"  # trigger: the map has drawn its first shapes
PREVIOUS_SESSION = "previous_session"  # trigger: this tab's earlier session held what a restart loses
_ERA_IN_MAP = "era_sent_with_map"
ADDRESS_BOX = "atlas_address"


@dataclass(frozen=True)
class Track:
    """One era the reader chooses: Explore has one ("era"), Compare two ("left", "right").

    ``name``: the value's name in Python (and the ``on_change`` argument); ``side``: which era switch
    of the map shows it (``"main"``; Compare's ``"left"``/``"right"``; ``""``: none); ``param`` and
    ``default``: its address parameter, left out for the default era; ``panels``: this track picks
    which version of the page's ``era_panels`` blocks is shown.
    """

    name: str
    label: str
    value: str
    side: str = "main"
    param: str | None = None
    default: str | None = None
    panels: bool = False


@dataclass(frozen=True)
class Play:
    """A Play button beside ``track``: it steps through the eras with ``pause_ms`` on each and stops at
    the last; pressed again it pauses. ``after``: start after this track's era (Compare plays the
    right-hand era from the one after the left-hand era). With reduced motion each press shows the
    next era and nothing moves by itself."""

    track: str
    after: str | None = None
    pause_ms: int = 1600


def _strings(lang: str) -> dict[str, str]:
    return {name: t(f"era_control.{name}", lang) for name in ("play", "pause", "step", "play_help")}


def era_sent_with_map() -> bool:
    """True once the browser said it cannot reach the map frame: pages then build the map with its
    era in it (sent again on every era change) instead of telling the map in the browser."""
    return bool(st.session_state.get(_ERA_IN_MAP))


def _on_problem(key: str) -> None:
    code = (st.session_state.get(key) or {}).get(PROBLEM)
    if code and not era_sent_with_map():
        log.warning("era control: %s; the map is sent with its era from now on in this session", code)
        st.session_state[_ERA_IN_MAP] = True


def show(key: str, eras: Sequence[tuple[str, str]], lang: str, *, tracks: Sequence[Track] = (),
         map_box: str | None = None, era: str | None = None, view: tuple[float, float, int] | None = None,
         play: Play | None = None, address: Mapping[str, str] | None = None,
         on_change: Callable[[str, str], None] | None = None, on_drawn: Callable[[], None] | None = None) -> None:
    """Mount the era element.

    ``eras``: (id, label) in order. ``tracks``: the controls to draw (none: nothing is drawn).
    ``map_box``: the ``st.container(key=...)`` holding the map the eras are shown on; ``era`` and
    ``view`` (lat, lng, zoom): what that map shows besides the tracks' eras (the story step's).
    ``address``: the address parameters of the current view (``state.view_params``), in order; the
    tracks' parameters are kept up to date in it. ``on_change(track name, era)`` runs when the
    reader picks an era; ``on_drawn()`` once the map has drawn its first shapes.
    """
    data: dict[str, object] = {
        "eras": [{"id": era_id, "label": label} for era_id, label in eras],
        "tracks": [{"name": tr.name, "label": tr.label, "value": tr.value, "side": tr.side, "param": tr.param,
                    "default": tr.default, "panels": tr.panels} for tr in tracks],
        "strings": _strings(lang),
    }
    if map_box is not None:
        data["map"] = {"box": map_box, "era": era,
                       "view": [float(view[0]), float(view[1]), int(view[2])] if view is not None else None}
    if play is not None:
        data["play"] = {"track": play.track, "after": play.after, "pause_ms": play.pause_ms}
    if address is not None:
        data["address"] = {"params": dict(address), "order": list(address)}
    callbacks: dict[str, Callable[[], None]] = {f"on_{PROBLEM}_change": lambda: _on_problem(key)}
    for track in tracks:
        callbacks[f"on_{track.name}_change"] = _track_callback(key, track.name, on_change)
    if on_drawn is not None:
        data["report_drawn"] = True
        callbacks[f"on_{DRAWN}_change"] = on_drawn
    _component(key=key, data=data, **callbacks)


def _track_callback(key: str, name: str, on_change: Callable[[str, str], None] | None) -> Callable[[], None]:
    def changed() -> None:
        value = (st.session_state.get(key) or {}).get(name)
        if on_change is not None and isinstance(value, str):
            on_change(name, value)
    return changed


def show_address(params: Mapping[str, str], session: str, losable: Sequence[str],
                 on_previous_session: Callable[[list[str]], None]) -> None:
    """Keep the address bar (and the share link) equal to the view ``params`` without adding a history
    entry; and tell ``on_previous_session`` what this tab's earlier server session held that a new
    session does not (``losable``: what this session holds, e.g. "quiz", "upload")."""
    key = "atlas_address_element"

    def previous() -> None:
        lost = (st.session_state.get(key) or {}).get(PREVIOUS_SESSION)
        if isinstance(lost, list):
            on_previous_session([str(item) for item in lost][:10])

    with st.container(key=ADDRESS_BOX):
        _component(key=key, data={"address": {"params": dict(params), "order": list(params)},
                                  "session": {"id": session, "losable": list(losable)}},
                   **{f"on_{PREVIOUS_SESSION}_change": previous})


def redirect(page: str, params: Mapping[str, str]) -> None:
    """Open ``page`` at its own address with ``params``, replacing the current history entry (an old
    ``?page=`` link)."""
    with st.container(key=ADDRESS_BOX):
        _component(key="atlas_redirect", data={"redirect": {"page": page, "params": dict(params)}})
