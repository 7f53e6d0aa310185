"""The one place that caches: loaded data and derived statistics, shared by every session.

Cached values are keyed by the data folder so tests can point ATLAS_DATA_DIR at broken copies.
Everything returned here is shared: callers must not mutate it.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from dashboard.core import bounded, charts, maps, stats
from dashboard.core.figures import NumberedEvent
from dashboard.core.i18n import localized
from dashboard.core.maps import layer_collection
from dashboard.core.loaders import Atlas, load_atlas
from dashboard.core.paths import data_dir
from dashboard.core.rendered_map import (RenderedGroup, RenderedMap, component_key, render_dual_map, render_group,
                                         render_map)
from dashboard.core.story import StoryStep, load_story
from dashboard.core.validation import REGION_BOUNDS, Problem


@st.cache_resource(show_spinner=False)
def _atlas_for(folder: str) -> Atlas:
    return load_atlas(Path(folder))


@st.cache_data(show_spinner=False)
def _era_summary(folder: str) -> pd.DataFrame:
    return stats.era_summary(_atlas_for(folder))


@st.cache_data(show_spinner=False)
def _area_by_admin(folder: str, era_id: str) -> pd.DataFrame:
    current = _atlas_for(folder)
    geom = stats.era_geometry(current, era_id)
    return stats.area_by_admin(geom if geom is not None else shapely.Polygon(), current)


def atlas() -> Atlas:
    """Every layer and table, loaded once per data folder and shared read-only across sessions."""
    return _atlas_for(str(data_dir()))


def era_summary() -> pd.DataFrame:
    """Area, share of c. 1900 kept and share protected, one row per era."""
    return _era_summary(str(data_dir()))


def area_by_admin(era_id: str) -> pd.DataFrame:
    """Area of one era in each country and province."""
    return _area_by_admin(str(data_dir()), era_id)


@st.cache_resource(show_spinner=False)
def _story_for(folder: str) -> tuple[list[StoryStep], list[Problem]]:
    current = _atlas_for(folder)
    sources = current.tables.get("sources")
    return load_story(Path(folder), {e["id"] for e in current.eras()}, set(current.layers),
                      set(sources["id"]) if sources is not None else None)


def story() -> list[StoryStep]:
    """The guided story's steps (broken steps left out; see story_problems)."""
    return _story_for(str(data_dir()))[0]


def story_problems() -> list[Problem]:
    return _story_for(str(data_dir()))[1]


@st.cache_data(show_spinner=False, max_entries=3)
def _pack_zip(folder: str, lang: str) -> bytes:
    from dashboard.export import build_pack_zip

    return build_pack_zip(lang=lang, atlas=_atlas_for(folder), data_root=Path(folder))


def offline_pack(lang: str) -> bytes:
    """The static offline pack as a zip (built on first request, then shared)."""
    return _pack_zip(str(data_dir()), lang)


@st.cache_resource(show_spinner=False, max_entries=128)
def _display(folder: str, layer_id: str, feature_ids: tuple[str, ...] | None, lang: str, popups: bool,
             compact: bool) -> dict:
    layer = _atlas_for(folder).layers[layer_id]
    return layer_collection(layer, feature_ids, lang, popups, compact)


def display_collection(layer_id: str, feature_ids: tuple[str, ...] | None, lang: str, popups: bool,
                       compact: bool) -> dict:
    """A layer's display GeoJSON (escaped tooltip/popup HTML, bbox), built once per language and shared.

    Shared and read-only: folium only reads it (our features carry ``properties.id``).
    """
    return _display(str(data_dir()), layer_id, feature_ids, lang, popups, compact)


@st.cache_data(show_spinner=False, max_entries=128)
def _population_spec(folder: str, units: tuple[str, ...], regions: tuple[str, ...], lang: str,
                     highlight: tuple[int, int] | None, height: int, large: bool) -> dict:
    current = _atlas_for(folder)
    population, events = current.table("population"), current.table("events")
    shown = population[population["unit"].isin(units) & population["region"].isin(regions)]
    return charts.population_timeline(shown, events, lang, highlight=highlight, height=height,
                                      text_scale=charts.LARGE_TEXT if large else 1.0).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def _population_table(folder: str, units: tuple[str, ...], regions: tuple[str, ...], lang: str) -> pd.DataFrame:
    population = _atlas_for(folder).table("population")
    return charts.population_table(population[population["unit"].isin(units) & population["region"].isin(regions)],
                                   lang)


def population_table(units: list[str], regions: list[str], lang: str) -> pd.DataFrame:
    """The chosen estimates as a readable table, built once per filter choice and language."""
    return _population_table(str(data_dir()), tuple(units), tuple(regions), lang)


@st.cache_data(show_spinner=False)
def _event_key(folder: str, lang: str) -> list[NumberedEvent]:
    return charts.event_key(_atlas_for(folder).table("events"), lang)


def event_key(lang: str) -> list[NumberedEvent]:
    """The events the population timeline marks, in its numbering, with their sources and confidence."""
    return _event_key(str(data_dir()), lang)


def population_spec(units: list[str], regions: list[str], lang: str, highlight: tuple[int, int] | None = None,
                    height: int = 380, large: bool = False) -> dict:
    """The population timeline as a Vega-Lite spec, built and validated once per filter choice.
    ``large``: the presenter view's larger text (``charts.LARGE_TEXT``)."""
    return _population_spec(str(data_dir()), tuple(units), tuple(regions), lang,
                            tuple(highlight) if highlight else None, height, large)


@st.cache_resource(show_spinner=False, max_entries=128)
def _era_map(folder: str, lang: str, layers: tuple[str, ...], tiles: tuple[str, ...], explore: bool,
             era: str | None) -> RenderedMap:
    # Explore: short popups (its details panel has the full record) and the draw tool; the story: neither
    options = maps.MapOptions(lang=lang, layers=frozenset(layers), online_tiles=tiles, compact_popups=explore,
                              collections=display_collection)
    current = _atlas_for(folder)
    fmap = maps.build_base_map(current, options)
    maps.add_era_switch(fmap, current, options, era)
    if explore:
        maps.add_draw_tool(fmap, options.asset_base)
    return render_map(fmap)


def explore_base_map(lang: str, layers: list[str], tiles: list[str], era: str | None = None) -> RenderedMap:
    """The Explore map with every era (the page picks one in the browser) and the draw tool.

    Rendered once per language, layers and tiles: an era change sends the browser nothing new.
    ``era``: the era it shows before the browser picks one (only when the browser cannot reach the map
    frame: ``era_control.era_sent_with_map``; the newest otherwise).
    """
    return _era_map(str(data_dir()), lang, tuple(sorted(layers)), tuple(tiles), True, era)


def story_base_map(lang: str, layers: list[str], era: str | None = None) -> RenderedMap:
    """The guided story's map with every era (each step picks era and view in the browser), rendered once
    per language and layers."""
    return _era_map(str(data_dir()), lang, tuple(sorted(layers)), (), False, era)


@st.cache_resource(show_spinner=False, max_entries=64)
def _compare(folder: str, lang: str, layers: tuple[str, ...], left: str | None, right: str | None) -> RenderedMap:
    options = maps.MapOptions(lang=lang, layers=frozenset(layers), collections=display_collection)
    current = _atlas_for(folder)
    eras = [era["id"] for era in current.eras()]
    return render_dual_map(maps.build_compare_map(current, left or eras[0], right or eras[-1], options, every_era=True))


def compare_map(lang: str, layers: list[str], left: str | None = None, right: str | None = None) -> RenderedMap:
    """The two synchronised Compare maps, each with every era (the page picks them in the browser),
    rendered once per language and layers. ``left``/``right``: the eras they show before the browser
    picks (only when it cannot reach the map frame; else the oldest and the newest)."""
    return _compare(str(data_dir()), lang, tuple(sorted(layers)), left, right)


@st.cache_data(show_spinner=False, max_entries=128)
def _compare_figures(folder: str, left: str, right: str, lang: str, large: bool) -> tuple[pd.DataFrame, dict, dict]:
    labels = {era["id"]: localized(era, "era_label", lang) for era in _atlas_for(folder).eras()}
    both, table = charts.compare_frames({era_id: _area_by_admin(folder, era_id) for era_id in (left, right)},
                                        labels, lang)
    scale = charts.LARGE_TEXT if large else 1.0
    return (table, charts.area_by_unit_chart(both, lang, text_scale=scale).to_dict(),
            charts.area_over_time(_era_summary(folder), lang, text_scale=scale).to_dict())


def compare_figures(left: str, right: str, lang: str, large: bool = False) -> tuple[pd.DataFrame, dict, dict]:
    """Area by country and province for two eras as a table, and the two Compare charts as Vega-Lite specs
    (built and validated once per pair of eras and language). ``large``: the presenter view's larger text."""
    return _compare_figures(str(data_dir()), left, right, lang, large)


@st.cache_resource(show_spinner=False, max_entries=256)
def map_component_key(script: str, key: str) -> str:
    """st_folium's component key for a map script (a hash of ~300 kB, so worth keeping)."""
    return component_key(script, key)


@st.cache_resource(show_spinner=False)
def _feature_areas(folder: str) -> dict[str, float]:
    current = _atlas_for(folder)
    return {f["properties"]["id"]: stats.area_km2(stats.feature_geometry(f))
            for layer in current.layers.values() if layer.spec.role in ("range", "protected_area")
            for f in layer.geojson["features"]}


def feature_areas() -> dict[str, float]:
    """Drawn area (km², equal-area) of every range era and protected area, computed once."""
    return _feature_areas(str(data_dir()))


# --- slides and handouts (built when a download button is clicked, then shared) ----------------------------

@st.cache_data(show_spinner=False, max_entries=32)
def _map_png(folder: str, era: str, layers: tuple[str, ...], lang: str, url: str) -> bytes:
    from dashboard.core.media import MapView, map_png

    return map_png(_atlas_for(folder), MapView(era, layers, lang), url=url)


def map_png(era: str, layers: list[str], lang: str, url: str) -> bytes:
    """A slide-ready PNG of one era's map with these layers (title, key, scale, note and sources burned in)."""
    return _map_png(str(data_dir()), era, tuple(sorted(layers)), lang, url)


@st.cache_data(show_spinner=False, max_entries=16)
def _compare_png(folder: str, left: str, right: str, layers: tuple[str, ...], lang: str, url: str) -> bytes:
    from dashboard.core.media import compare_png

    return compare_png(_atlas_for(folder), left, right, lang, layers, url=url)


def compare_png(left: str, right: str, layers: list[str], lang: str, url: str) -> bytes:
    """The two Compare eras side by side on one frame, as a slide-ready PNG."""
    return _compare_png(str(data_dir()), left, right, tuple(sorted(layers)), lang, url)


@st.cache_data(show_spinner=False, max_entries=12)
def _animation(folder: str, kind: str, layers: tuple[str, ...], lang: str, url: str) -> bytes:
    from dashboard.core.media import range_gif, range_mp4

    build = range_mp4 if kind == "mp4" else range_gif
    return build(_atlas_for(folder), lang, layers, url=url)


def range_animation(kind: str, layers: list[str], lang: str, url: str) -> bytes:
    """The range contraction, every era on one frame: ``kind`` "gif" or "mp4"."""
    return _animation(str(data_dir()), kind, tuple(sorted(layers)), lang, url)


@st.cache_data(show_spinner=False, max_entries=6)
def _handout(folder: str, lang: str, paper: str, url: str) -> bytes:
    from dashboard.core.media import handout_pdf

    return handout_pdf(_atlas_for(folder), _story_for(folder)[0], lang, paper, url=url)


def handout(lang: str, paper: str, url: str) -> bytes:
    """The printable lesson handout (story steps, maps, questions, answer key, sources) as a PDF."""
    return _handout(str(data_dir()), lang, paper, url)


# --- work on user input (in worker processes, see core/bounded.py) ----------------------------------
@st.cache_resource(show_spinner=False)
def _workers_started(folder: str) -> bool:
    # in the background: the first page is not held up while the workers start and load the atlas
    threading.Thread(target=bounded.warm, args=(folder,), daemon=True, name="atlas-warm-workers").start()
    return True


def start_workers() -> None:
    """Start the worker processes (each loads the atlas) once per server, before anyone needs them."""
    _workers_started(str(data_dir()))


@st.cache_data(show_spinner=False, max_entries=256)
def _measured(folder: str, digest: str, _payload: bytes) -> dict[str, Any]:
    try:
        return bounded.default_pool().run(bounded.measure, _payload, folder, limits=bounded.MEASURE_LIMITS)
    except (bounded.TooSlow, bounded.OutOfMemory):
        return {"error": "too_complex"}  # kept: the same shape would be refused again


def measured_area(geoms: list[shapely.Geometry]) -> dict[str, Any]:
    """Size, overlaps and added protection of a user's area, measured once per shape (in a worker).

    ``{"error": "too_complex" | "busy" | "failed"}`` when it could not be measured; only
    "too_complex" is kept, the others are worth trying again.
    """
    payload = bounded.area_payload(geoms)
    try:
        return _measured(str(data_dir()), hashlib.sha256(payload).hexdigest(), payload)
    except bounded.Busy:
        return {"error": "busy"}
    except bounded.Crashed:
        return {"error": "failed"}


@st.cache_resource(show_spinner=False, max_entries=16)
def _user_layer_group(digest: str, lang: str, _frame: Any) -> RenderedGroup:
    return render_group(maps.build_user_group(_frame, lang), idx=0)


def user_layer_group(frame: Any, lang: str) -> RenderedGroup:
    """An uploaded layer as the map's extra feature group, rendered once per upload and language
    (the largest upload the reader accepts takes about a second of the server's time to render)."""
    digest = hashlib.sha256()
    for wkb in shapely.to_wkb(frame.geometry.values):
        digest.update(wkb)
    digest.update(frame.drop(columns=frame.geometry.name).to_json(orient="split").encode("utf-8"))
    return _user_layer_group(digest.hexdigest(), lang, frame)


@st.cache_resource(show_spinner=False)
def region_area_km2() -> float:
    """Area of the atlas region (115–145 E, 33–55 N): a user's area larger than this is implausible."""
    return stats.area_km2(shapely.box(*REGION_BOUNDS))
