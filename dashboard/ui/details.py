"""The details panel for a clicked feature, and citation lists."""
from __future__ import annotations

from collections.abc import Iterable
from html import escape

import pandas as pd
import streamlit as st

from dashboard.core.i18n import localized, t
from dashboard.core.loaders import Atlas
from dashboard.core.maps import feature_facts
from dashboard.core.stats import area_km2, feature_geometry


def citations_markdown(source_ids: Iterable[str], sources: pd.DataFrame, lang: str) -> str:
    """A bulleted list of full citations (escaped) with their confidence."""
    lines = []
    by_id = sources.set_index("id") if len(sources) else None
    for source_id in source_ids:
        if by_id is not None and source_id in by_id.index:
            row = by_id.loc[source_id]
            url = row.get("url")
            link = f' <a href="{escape(url, quote=True)}" target="_blank" rel="noopener">{escape(url)}</a>' \
                if isinstance(url, str) and url.startswith(("http://", "https://")) else ""
            lines.append(f"<li><code>{escape(source_id)}</code> {escape(str(row['citation']))}{link} "
                         f"<small>({escape(t('confidence.' + str(row['confidence']), lang))})</small></li>")
        else:
            lines.append(f"<li><code>{escape(source_id)}</code></li>")
    return f"<ul style='padding-left:1.1rem;margin:0'>{''.join(lines)}</ul>"


def show_feature_details(atlas: Atlas, feature_id: str | None, lang: str) -> None:
    """Name(s), designation, dates, official and drawn area, and sources with confidence."""
    found = atlas.find_feature(feature_id) if feature_id else None
    if found is None:
        st.caption(t("details.hint", lang))
        return
    layer, feature = found
    props = feature["properties"]
    st.markdown(f"**{escape(localized(props, 'name', lang))}**")
    km2 = area_km2(feature_geometry(feature)) if feature["geometry"]["type"] != "Point" else None
    rows = feature_facts(props, lang, km2)
    table = "".join(f"<tr><th style='text-align:left;vertical-align:top;padding-right:8px'>{escape(k)}</th>"
                    f"<td>{escape(v)}</td></tr>" for k, v in rows if k != t("facts.sources", lang))
    st.markdown(f"<table class='atlas-details'>{table}</table>", unsafe_allow_html=True)
    st.markdown(f"**{escape(t('facts.sources', lang))}**", unsafe_allow_html=True)
    st.markdown(citations_markdown(props.get("source_ids") or [], atlas.table("sources"), lang), unsafe_allow_html=True)
    if props.get("confidence") in ("D", "U"):
        st.caption(t("details.approximate", lang))
