"""Compare: any two eras side by side on synchronised maps, with area by country and province.

The two eras are chosen with the era element (``ui.era_control``): the maps carry every era, so a
new pair shows at once in the browser and only the figures below come from the server. Play steps
the right-hand map through the eras after the left-hand one (then -> now), stopping at the newest.
"""
from __future__ import annotations

import streamlit as st

from dashboard import cache
from dashboard.core import maps
from dashboard.core.i18n import area_text, localized, number, percent, t
from dashboard.core.legend import legend_html
from dashboard.ui import common, era_control, map_component, media_buttons, state

MAP_BOX = "compare_map_box"

atlas = cache.atlas()
lang = state.lang()
eras = atlas.eras()
era_ids = [e["id"] for e in eras]
era_labels = {e["id"]: localized(e, "era_label", lang) for e in eras}

st.header(t("compare.title", lang), anchor=False)
common.show_problems(atlas.problems, lang)


def show_comparison() -> None:
    """Both maps, the figures, the charts and the table for the two chosen eras."""
    for key, fallback in ((state.LEFT, era_ids[0]), (state.RIGHT, era_ids[-1])):
        if st.session_state.get(key) not in era_ids:
            st.session_state[key] = fallback
    left, right = st.session_state[state.LEFT], st.session_state[state.RIGHT]
    default = state.default_view(atlas)
    era_control.show(
        "compare_eras", [(era_id, era_labels[era_id]) for era_id in era_ids], lang, map_box=MAP_BOX,
        tracks=[era_control.Track("left", t("compare.left", lang), left, side="left", param="left",
                                  default=default.left),
                era_control.Track("right", t("compare.right", lang), right, side="right", param="right",
                                  default=default.right)],
        play=era_control.Play("right", after="left"), address=state.view_params(atlas, "compare"),
        on_change=lambda name, era: st.session_state.update({state.LEFT if name == "left" else state.RIGHT: era}))

    layers = list(st.session_state.get(state.LAYERS, []))
    options = maps.MapOptions(lang=lang, layers=frozenset(layers))
    # rendered once per language and layers with every era, and shared by every session: a new pair of
    # eras is shown by the browser (unless it cannot reach the map frame: then the pair is sent with it)
    pair = (left, right) if era_control.era_sent_with_map() else (None, None)
    with st.container(key=MAP_BOX):
        map_component.show(cache.compare_map(lang, layers, *pair), [],
                           key="_".join(["compare", lang, *filter(None, pair)]), height=430,
                           returned_objects=[], hash_key=cache.map_component_key)
    st.html(legend_html(t("legend.title", lang), maps.legend_entries(atlas, options), t("legend.note", lang),
                        inline=True))

    def slides() -> None:
        label = t("export.compare_title", lang, left=era_labels[left], right=era_labels[right])
        media_buttons.compare_image_button(lang, left, right, label, layers, key="media_compare_png")
        media_buttons.animation_buttons(lang, layers, key="media_compare")

    media_buttons.slides_menu(lang, slides)

    summary = cache.era_summary().set_index("id")
    left_km2, right_km2 = summary.loc[left, "area_km2"], summary.loc[right, "area_km2"]
    metrics = st.columns(3)
    metrics[0].metric(era_labels[left], area_text(left_km2, lang))
    metrics[1].metric(era_labels[right], area_text(right_km2, lang),
                      delta=area_text(right_km2 - left_km2, lang), delta_color="off")
    ratio = right_km2 / left_km2 if left_km2 else 0.0
    metrics[2].metric(t("compare.ratio", lang, right=era_labels[right], left=era_labels[left]), percent(ratio, lang))

    table, by_unit_spec, over_time_spec = cache.compare_figures(left, right, lang, large=state.presenter())
    columns = st.columns([0.55, 0.45])
    with columns[0]:
        st.subheader(t("compare.by_unit", lang), anchor=False)
        st.vega_lite_chart(by_unit_spec, width="stretch")
    with columns[1]:
        st.subheader(t("compare.over_time", lang), anchor=False)
        st.vega_lite_chart(over_time_spec, width="stretch")

    sentence = t("compare.summary", lang, left=era_labels[left], right=era_labels[right], left_km2=number(left_km2, lang),
                 right_km2=number(right_km2, lang), ratio=percent(ratio, lang))
    common.summary_and_table(sentence, table, lang)
    st.caption(t("compare.note", lang))


if len(era_ids) < 2:
    st.warning(t("compare.need_two", lang))
else:
    show_comparison()
