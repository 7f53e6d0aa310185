"""Explore: one era's range on the map, with parks, legend, details and key figures."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.core import maps
from dashboard.core.figures import KeyFigure, era_panels, figures_html
from dashboard.core.i18n import area_text, localized, number, percent, t
from dashboard.core.legend import legend_html
from dashboard.ui import common, era_control, map_component, media_buttons, state, user_area
from dashboard.ui.details import show_feature_details

SELECTED = "selected_feature"
TILES = "w_tiles"
MAP_BOX = "explore_map_box"
CONTROLS = "explore_controls"

atlas = cache.atlas()
lang = state.lang()
presenter = state.presenter()
eras = atlas.eras()
era_ids = [e["id"] for e in eras]
era_labels = {e["id"]: localized(e, "era_label", lang) for e in eras}

st.header(t("explore.title", lang), anchor=False)
common.show_problems(atlas.problems, lang)

map_first = state.map_first_pass("explore")  # this run sends the map alone (see state.map_first_pass)
with st.container(key=CONTROLS):  # keeps its height on that run, so the map does not move when they come
    controls = st.columns([0.55, 0.45] if not presenter else [0.6, 0.4], vertical_alignment="bottom")
default_era = state.default_view(atlas).era
if era_ids and st.session_state.get(state.ERA) not in era_ids:
    st.session_state[state.ERA] = default_era
era = st.session_state.get(state.ERA) if era_ids else None
era_in_map = era_control.era_sent_with_map()  # the browser cannot reach the map: the era comes with it


def choose_era(_track: str, chosen: str) -> None:
    st.session_state[state.ERA] = chosen


def era_picker(on_drawn: Callable[[], None] | None = None) -> None:
    """The era control with Play. Picking an era shows it at once in the browser (map, legend, key
    figures, address bar and share link: ``ui.era_control``); the server only hears of the choice."""
    media_buttons.remember_era(st.session_state[state.ERA])  # the map-image button follows the choice
    era_control.show(
        "explore_era", [(era_id, era_labels[era_id]) for era_id in era_ids], lang, map_box=MAP_BOX,
        tracks=[era_control.Track("era", t("explore.era", lang), st.session_state[state.ERA], param="era",
                                  default=default_era, panels=True)],
        play=era_control.Play("era"), address=state.view_params(atlas, "explore"), on_change=choose_era,
        on_drawn=on_drawn)
    if era_control.era_sent_with_map() and (not era_in_map or st.session_state[state.ERA] != era):
        st.rerun()  # the browser cannot tell the map: it must be sent again, with the era in it


era_fragment = st.fragment(era_picker)  # a choice reruns only the control: the page has nothing to redraw


optional = state.optional_layer_ids(atlas)
chosen = [layer for layer in st.session_state.get(state.LAYERS, []) if layer in optional]
tiles = [key for key in st.session_state.get(TILES, []) if key in maps.ONLINE_TILES]
with controls[0]:
    if not era_ids:
        st.warning(t("explore.no_range", lang))
    elif map_first:  # not in the fragment: the "drawn" report must bring the whole page
        era_picker(on_drawn=state.mark_map_drawn)
    else:
        era_fragment()
if not map_first:
    with controls[1]:
        st.session_state[state.LAYERS] = chosen
        chosen = st.multiselect(t("explore.layers", lang), optional, key=state.LAYERS, persist_state="session",
                                placeholder=t("common.choose", lang),
                                format_func=lambda layer_id: atlas.layers[layer_id].spec.title_in(lang))
    with st.sidebar:
        user_area.upload_widget(lang)
        tiles = st.multiselect(t("explore.online_tiles", lang), list(maps.ONLINE_TILES), key=TILES,
                               format_func=lambda key: t(f"tiles.{key}", lang), persist_state="session",
                               placeholder=t("common.choose", lang),
                               help=t("explore.online_tiles_help", lang))

options = maps.MapOptions(lang=lang, layers=frozenset(chosen), online_tiles=tuple(tiles), compact_popups=True)
# rendered once, shared by every session; carries every era (shows ``era`` first only in the fallback)
base = cache.explore_base_map(lang, chosen, tiles, era if era_in_map else None)
uploaded, upload_error = user_area.uploaded_frame()
if uploaded is not None:
    state.note_losable("upload")  # lives only in this session: a restart or reload says it was lost
groups = [cache.user_layer_group(uploaded, lang)] if uploaded is not None else []

map_column, side_column = st.columns([0.7, 0.3] if not presenter else [0.78, 0.22])
with map_column:
    with st.container(key=MAP_BOX):  # a map with its era in it needs a key of its own (st_folium keeps a map per key)
        result = map_component.show(base, groups, key="explore_map" + (f"_{era}" if era_in_map else ""),
                                    height=470 if presenter else 480,
                                    returned_objects=["last_object_clicked_tooltip", "all_drawings"],
                                    hash_key=cache.map_component_key)
    result = result if isinstance(result, dict) else {}  # the browser's value: any JSON may arrive
    if map_first:  # the era control reports the map drawn; nothing else is sent yet
        st.stop()
    clicked = maps.clicked_feature_id(result.get("last_object_clicked_tooltip"), atlas.feature_ids())
    if clicked:
        st.session_state[SELECTED] = clicked


def legend(era_label: str | None) -> str:
    """The map key, naming the era of the range (``None``: no era)."""
    return legend_html(t("legend.title", lang), maps.legend_entries(atlas, options, era_label), t("legend.note", lang))


with side_column:
    st.html(era_panels({era_id: legend(era_labels[era_id]) for era_id in era_ids}, era) if era else legend(None))
    show_feature_details(atlas, st.session_state.get(SELECTED), lang)
    if era:
        def slides() -> None:
            media_buttons.map_image_button(lang, era, era_labels[era], chosen, key="media_explore_png")
            media_buttons.animation_buttons(lang, chosen, key="media_explore")

        media_buttons.slides_menu(lang, slides)


def era_figures(era_id: str, row: pd.Series) -> str:
    """One era's key figures and a sentence saying them, as one light HTML block."""
    area, kept, protected = (number(row["area_km2"], lang), percent(row["share_of_c1900"] or 0, lang),
                             percent(row["protected_share"], lang))
    figures = [
        KeyFigure(t("explore.metric_area", lang, era=era_labels[era_id]), area_text(row["area_km2"], lang),
                  t("explore.metric_area_help", lang)),
        KeyFigure(t("explore.metric_kept", lang), kept, t("explore.metric_kept_help", lang)),
        KeyFigure(t("explore.metric_protected", lang), protected, t("explore.metric_protected_help", lang)),
    ]
    sentence = t("explore.summary", lang, era=era_labels[era_id], area=area, kept=kept, protected=protected)
    published = row["published_area_km2"]
    if published is not None and not pd.isna(published):
        sentence += " " + t("explore.summary_published", lang, published=number(published, lang))
    confidence, source_ids = row["confidence"], ", ".join(row["source_ids"] or [])
    provenance = (f"{t('facts.shape', lang)}: {maps.confidence_text(confidence, lang)} ({confidence}) · "
                  f"{t('facts.sources', lang)}: {source_ids}")
    return figures_html(figures, t("explore.figures_title", lang), sentence, provenance)


def eras_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Every era's figures (the same whatever era is chosen)."""
    return pd.DataFrame({
        t("chart.era", lang): [era_labels.get(era_id, era_id) for era_id in summary["id"]],
        t("explore.col_years", lang): [f"{a}–{b}" for a, b in zip(summary["year_from"], summary["year_to"])],
        t("explore.col_drawn", lang): summary["area_km2"].round(0),
        t("explore.col_published", lang): summary["published_area_km2"],
        t("explore.metric_kept", lang): (summary["share_of_c1900"] * 100).round(1),
        t("explore.metric_protected", lang): (summary["protected_share"] * 100).round(1),
        t("chart.confidence", lang): summary["confidence"],
    })


all_eras = cache.era_summary()
if era and len(all_eras):
    st.html(era_panels({row["id"]: era_figures(row["id"], row) for _, row in all_eras.iterrows()
                        if row["id"] in era_labels}, era))
    common.data_table(eras_table(all_eras), lang)

drawn, drawing_error = user_area.drawn_frame(result)
with st.expander(t("user.title", lang), icon=":material/draw:",
                 expanded=drawn is not None or uploaded is not None or bool(upload_error or drawing_error)):
    st.caption(t("user.intro", lang))
    if upload_error:
        user_area.show_upload_error(upload_error, lang)
    if drawing_error:
        user_area.show_drawing_error(drawing_error, lang)
    if drawn is not None:
        user_area.show_area_panel(atlas, drawn, lang, t("user.drawn", lang))
    if uploaded is not None:
        user_area.show_area_panel(atlas, uploaded, lang, t("user.uploaded", lang))
st.caption(t("explore.method_note", lang))
