"""Session state shared by every page, and its mirror in the address (through the allow-list in core.query).

Who owns what (see docs/ARCHITECTURE.md): the session state below is the server's copy of the view.
The address is read when a session starts and when the reader arrives on another page with an address
that carries a view (Back/Forward, a link); it is written by the browser (``era_control.show_address``,
called by the app on every run, and the era element on an era change) with ``history.replaceState``, so
only a page change (Streamlit's own) adds a history entry.

Per page: Explore's era and layers (the layers are also Compare's), Compare's two eras, Population's
filters, the story's step. Shared by every page: language and presenter view. The guided story shows
each step's own era and layers and leaves Explore's alone.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace

import streamlit as st

from dashboard.core.loaders import Atlas
from dashboard.core.query import PAGE_PARAMS, PAGES, SHARED_PARAMS, Choices, ViewState, parse_view, to_params
from dashboard.core.tables import UNITS as UNIT_ORDER

LANG = "w_lang"
ERA = "w_era"
LAYERS = "w_layers"
LEFT, RIGHT = "w_compare_left", "w_compare_right"
UNITS, REGIONS = "w_units", "w_regions"
PRESENTER = "w_presenter"
STEP = "story_step"
PAGE = "current_page"
_INITIALISED = "view_initialised"
_IGNORED = "ignored_params"
_SESSION_ID = "session_id"
_LOSABLE = "losable"
_LOST = "lost_before"
REGION_ORDER = ("russia", "china", "global")
OPTIONAL_ROLES = ("protected_area", "points")

#: ViewState field -> the session-state key that holds it
KEYS = {"era": ERA, "layers": LAYERS, "left": LEFT, "right": RIGHT, "units": UNITS, "regions": REGIONS,
        "step": STEP, "lang": LANG, "presenter": PRESENTER}


def optional_layer_ids(atlas: Atlas) -> list[str]:
    """Layers a user may switch on or off (protected areas and point records)."""
    return [layer.spec.id for layer in atlas.layers.values() if layer.spec.role in OPTIONAL_ROLES]


def population_choices(atlas: Atlas) -> tuple[list[str], list[str]]:
    """The population units and regions the data has, in the page's order."""
    population = atlas.tables.get("population")
    if population is None or population.empty:
        return [], []
    return ([u for u in UNIT_ORDER if u in set(population["unit"])],
            [r for r in REGION_ORDER if r in set(population["region"])])


def choices(atlas: Atlas, steps: int) -> Choices:
    units, regions = population_choices(atlas)
    return Choices(eras=[e["id"] for e in atlas.eras()], layers=optional_layer_ids(atlas), units=units,
                   regions=regions, steps=steps)


def default_view(atlas: Atlas) -> ViewState:
    eras = [e["id"] for e in atlas.eras()]
    era = "range_present" if "range_present" in eras else (eras[-1] if eras else "range_present")
    layers = tuple(layer.spec.id for layer in atlas.layers.values()
                   if layer.spec.role in OPTIONAL_ROLES and layer.spec.default_on)
    units, regions = population_choices(atlas)
    return ViewState(era=era, layers=layers, left=eras[0] if eras else era, right=era,
                     units=tuple(units), regions=tuple(regions))


def _store(view: ViewState, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(view, name)
        st.session_state[KEYS[name]] = list(value) if isinstance(value, tuple) else value


def init_from_url(atlas: Atlas, steps: int, page: str, params: Mapping[str, object]) -> ViewState:
    """Bring the session's view in line with the address ``params`` of ``page``; returns the view.

    On a session's first run the whole view comes from the address (a link, a bookmark, a reload, a
    restarted server). Later, the address is read again only when the reader arrives on another page
    with an address that carries a view (Back/Forward): that page's view and the shared settings come
    from it, a parameter left out meaning its default. A page change from the navigation sends no
    parameters, and the session's view stays.
    """
    default = default_view(atlas)
    first = not st.session_state.get(_INITIALISED)
    arrived = st.session_state.get(PAGE) != page and bool(params)
    if first or arrived:
        base = default if first else replace(current_view(atlas), **{name: getattr(default, name) for name in
                                                                     (*PAGE_PARAMS.get(page, ()), *SHARED_PARAMS)})
        view, ignored = parse_view(dict(params), replace(base, page=page), choices(atlas, steps))
        _store(view, list(KEYS) if first else [*PAGE_PARAMS.get(page, ()), *SHARED_PARAMS])
        st.session_state[_IGNORED] = ignored
    if first:
        st.session_state[_INITIALISED] = True
        st.session_state[_SESSION_ID] = uuid.uuid4().hex
    st.session_state[PAGE] = page
    return current_view(atlas)


def linked_page(params: Mapping[str, object]) -> str | None:
    """The page an old-style link names (``?page=compare``), if it names a known one."""
    value = params.get("page")
    value = value[0] if isinstance(value, list) and value else value
    return value.strip().lower() if isinstance(value, str) and value.strip().lower() in PAGES else None


def current_view(atlas: Atlas) -> ViewState:
    default = default_view(atlas)
    values = {}
    for field in fields(ViewState):
        if field.name == "page":
            values["page"] = st.session_state.get(PAGE, default.page)
            continue
        value = st.session_state.get(KEYS[field.name], getattr(default, field.name))
        values[field.name] = tuple(value) if isinstance(getattr(default, field.name), tuple) else value
    values["step"] = int(values["step"])
    values["presenter"] = bool(values["presenter"])
    return ViewState(**values)


def take_ignored_params() -> list[str]:
    """Names of URL parameters that were ignored on arrival (reported once)."""
    return st.session_state.pop(_IGNORED, [])


def view_params(atlas: Atlas, page: str, **changes: object) -> dict[str, str]:
    """The address parameters of the current view on ``page``, with ``changes`` (e.g. ``era=...``)."""
    return to_params(replace(current_view(atlas), page=page, **changes), default_view(atlas))


def sync_url(atlas: Atlas, page: str) -> dict[str, str]:
    """Show the current view in the address bar (in the browser, replacing the current history entry),
    and note what this session holds that a new one would not have; returns the address parameters."""
    from dashboard.ui import era_control

    params = view_params(atlas, page)
    era_control.show_address(params, st.session_state.get(_SESSION_ID, ""), sorted(st.session_state.get(_LOSABLE, ())),
                             on_previous_session=_lost_before)
    return params


def note_losable(what: str) -> None:
    """Say that this session holds ``what`` (e.g. "quiz", "upload"), which lives only in the session: if
    the server restarts or the tab reloads, the next session tells the reader it was lost."""
    held = set(st.session_state.get(_LOSABLE, ()))
    held.add(what)
    st.session_state[_LOSABLE] = sorted(held)


def _lost_before(what: list[str]) -> None:
    st.session_state[_LOST] = what


def take_lost() -> list[str]:
    """What this tab's previous session held that this one does not (reported once)."""
    return st.session_state.pop(_LOST, [])


def lang() -> str:
    return st.session_state.get(LANG, "en")


def presenter() -> bool:
    """Whether the presenter view (big text for a projector) is on."""
    return bool(st.session_state.get(PRESENTER, False))


MAP_DRAWN = "map_drawn"


def map_first_pass(page: str) -> bool:
    """True on the run that should send the Explore map alone: the session has not drawn it yet.

    A browser draws a page's elements together, so a map sent with a dozen widgets waits for all
    of them (``bench/README.md``). On this pass the page sends its header, its era control and its map
    (in the places they keep later) and stops; once the browser reports the map drawn (the era
    control's ``on_drawn`` calls ``mark_map_drawn``) the whole page follows, and the map, sent again
    with the same arguments, stays as drawn.
    """
    return page == "explore" and not st.session_state.get(MAP_DRAWN)


def mark_map_drawn() -> None:
    st.session_state[MAP_DRAWN] = True
