"""Session state shared by every page, and its mirror in the URL (through the allow-list in core.query)."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dashboard.core.loaders import Atlas
from dashboard.core.query import ViewState, parse_view, to_params

LANG = "w_lang"
ERA = "w_era"
LAYERS = "w_layers"
PRESENTER = "w_presenter"
STEP = "story_step"
PAGE = "current_page"
_INITIALISED = "view_initialised"
_IGNORED = "ignored_params"


def optional_layer_ids(atlas: Atlas) -> list[str]:
    """Layers a user may switch on or off (protected areas and point records)."""
    return [layer.spec.id for layer in atlas.layers.values() if layer.spec.role in ("protected_area", "points")]


def default_view(atlas: Atlas) -> ViewState:
    eras = [e["id"] for e in atlas.eras()]
    era = "range_present" if "range_present" in eras else (eras[-1] if eras else "range_present")
    layers = tuple(layer.spec.id for layer in atlas.layers.values()
                   if layer.spec.role in ("protected_area", "points") and layer.spec.default_on)
    return ViewState(era=era, layers=layers)


def init_from_url(atlas: Atlas, steps: int) -> ViewState:
    """On a session's first run, seed the widgets from the URL; later runs keep the session's values."""
    default = default_view(atlas)
    if not st.session_state.get(_INITIALISED):
        view, ignored = parse_view(st.query_params.to_dict(), default, [e["id"] for e in atlas.eras()],
                                   optional_layer_ids(atlas), steps)
        st.session_state[LANG] = view.lang
        st.session_state[ERA] = view.era
        st.session_state[LAYERS] = list(view.layers)
        st.session_state[PRESENTER] = view.presenter
        st.session_state[STEP] = view.step
        st.session_state[PAGE] = view.page
        st.session_state[_IGNORED] = ignored
        st.session_state[_INITIALISED] = True
        return view
    return current_view(atlas)


def current_view(atlas: Atlas) -> ViewState:
    default = default_view(atlas)
    return ViewState(page=st.session_state.get(PAGE, default.page), era=st.session_state.get(ERA, default.era),
                     layers=tuple(st.session_state.get(LAYERS, default.layers)),
                     step=int(st.session_state.get(STEP, 1)), lang=st.session_state.get(LANG, default.lang),
                     presenter=bool(st.session_state.get(PRESENTER, False)))


def take_ignored_params() -> list[str]:
    """Names of URL parameters that were ignored on arrival (reported once)."""
    return st.session_state.pop(_IGNORED, [])


def view_params(atlas: Atlas, page: str, **changes: object) -> dict[str, str]:
    """The URL parameters of the current view on ``page``, with ``changes`` (e.g. ``era=...``)."""
    return to_params(replace(current_view(atlas), page=page, **changes), default_view(atlas))


def sync_url(atlas: Atlas, page: str) -> dict[str, str]:
    """Write the current view into the URL so the address bar is always a shareable link."""
    st.session_state[PAGE] = page
    params = view_params(atlas, page)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    return params


def lang() -> str:
    return st.session_state.get(LANG, "en")


def presenter() -> bool:
    """Whether the presenter view (big text for a projector) is on."""
    return bool(st.session_state.get(PRESENTER, False))


MAP_DRAWN = "map_drawn"


def map_first_pass(page: str) -> bool:
    """True on the run that should send the Explore map alone: the session has not drawn it yet.

    A browser draws a page's elements together, so a map sent with a dozen widgets waits for all
    of them (``bench/README.md``). On this pass the page sends its header and its map (in the
    places they keep later) and stops; once the browser reports the map drawn
    (``era_sync.show_era(on_drawn=...)`` calls ``mark_map_drawn``) the whole page follows, and the
    map, sent again with the same arguments, stays as drawn.
    """
    return page == "explore" and not st.session_state.get(MAP_DRAWN)


def mark_map_drawn() -> None:
    st.session_state[MAP_DRAWN] = True
