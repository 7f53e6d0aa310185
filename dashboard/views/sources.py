"""Sources & data: citations, confidence legend, how each layer was drawn, downloads, licences, myth vs fact."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.core.i18n import localized, t
from dashboard.core.paths import data_dir
from dashboard.core.published import published_files
from dashboard.core.release import release_line
from dashboard.core.tables import split_ids
from dashboard.core.validation import CONFIDENCE_LEVELS
from dashboard.ui import common, state
from dashboard.ui.details import citations_markdown

atlas = cache.atlas()
lang = state.lang()

st.header(t("sources.title", lang), anchor=False)
common.show_problems(atlas.problems, lang)

st.subheader(t("sources.confidence", lang), anchor=False)
st.table(pd.DataFrame({t("sources.label", lang): list(CONFIDENCE_LEVELS),
                       t("sources.meaning", lang): [t(f"confidence.{c}.long", lang) for c in CONFIDENCE_LEVELS]}))

st.subheader(t("sources.layers", lang), anchor=False)
st.markdown(t("sources.layers_intro", lang))
ROLE_ORDER = {"range": 0, "protected_area": 1, "points": 2, "basemap": 3}
areas = cache.feature_areas()
rows = []
for layer in sorted(atlas.layers.values(), key=lambda item: ROLE_ORDER.get(item.spec.role, 9)):
    for feature in layer.geojson["features"]:
        props = feature["properties"]
        published = props.get("official_area_km2", props.get("published_area_km2"))
        drawn = areas.get(props["id"])
        rows.append({t("sources.layer", lang): layer.spec.title_in(lang),
                     t("sources.feature", lang): localized(props, "name", lang), "id": props["id"],
                     t("explore.col_drawn", lang): round(drawn) if drawn is not None else None,
                     t("explore.col_published", lang): published,
                     t("chart.confidence", lang): props.get("confidence"),
                     t("sources.method", lang): localized(props, "method", lang),
                     t("chart.sources", lang): ", ".join(props.get("source_ids") or [])})
layer_columns = [t("sources.layer", lang), t("sources.feature", lang), "id", t("explore.col_drawn", lang),
                 t("explore.col_published", lang), t("chart.confidence", lang), t("sources.method", lang),
                 t("chart.sources", lang)]
layers_frame = pd.DataFrame(rows, columns=layer_columns)  # explicit columns: no layers still gives a table
area_columns = (t("explore.col_drawn", lang), t("explore.col_published", lang))
for column in area_columns:  # numbers (None -> NaN), so the grid sorts them as numbers and groups thousands
    layers_frame[column] = pd.to_numeric(layers_frame[column], errors="coerce")
common.data_grid(layers_frame, column_config={t("sources.method", lang): st.column_config.TextColumn(width="large")})

st.subheader(t("sources.myths", lang), anchor=False)
myths = atlas.table("myths")
for myth in myths.to_dict("records"):
    verdict = t(f"verdict.{myth['verdict']}", lang)
    with st.expander(f"{common.md(verdict)}: {common.md(localized(myth, 'claim', lang))}"):
        st.markdown(common.md(localized(myth, "correction", lang)))  # literal text: no links, images or HTML
        st.markdown(citations_markdown(split_ids(myth["source_ids"]), atlas.table("sources"), lang),
                    unsafe_allow_html=True)

st.subheader(t("sources.citations", lang), anchor=False)
sources = atlas.table("sources")
common.data_grid(sources, column_config={"url": st.column_config.LinkColumn("URL")})

st.subheader(t("sources.downloads", lang), anchor=False)
folder = data_dir()
files = [relative for relative in published_files(folder) if relative.suffix in {".geojson", ".csv"}]  # the data
grid = st.columns(3)
for index, relative in enumerate(files):
    mime = "application/geo+json" if relative.suffix == ".geojson" else "text/csv"
    grid[index % 3].download_button(relative.name, data=(folder / relative).read_bytes, file_name=relative.name,
                                    mime=mime, key=f"download_{relative}", icon=":material/download:")

common.offline_pack_button(lang, key="pack_sources", pack=lambda: cache.offline_pack(lang))

st.subheader(t("sources.licences", lang), anchor=False)
st.markdown(t("sources.licences_text", lang))
st.markdown(common.md(release_line(atlas.release, lang)))
