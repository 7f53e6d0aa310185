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


def details_html(atlas: Atlas, feature_id: str | None, lang: str) -> str:
    """The details panel as one HTML block (escaped): its title, then the feature's name, facts (designation,
    established, official and drawn area, ...) and sources with their confidence; or a hint to click one."""
    parts = [f'<p class="atlas-details-title">{escape(t("details.title", lang))}</p>']
    found = atlas.find_feature(feature_id) if feature_id else None
    if found is None:
        parts.append(f'<p class="atlas-hint">{escape(t("details.hint", lang))}</p>')
    else:
        _, feature = found
        props = feature["properties"]
        km2 = area_km2(feature_geometry(feature)) if feature["geometry"]["type"] != "Point" else None
        rows = "".join(f"<tr><th style='text-align:left;vertical-align:top;padding-right:8px'>{escape(k)}</th>"
                       f"<td>{escape(v)}</td></tr>" for k, v in feature_facts(props, lang, km2)
                       if k != t("facts.sources", lang))
        parts += [f"<p><strong>{escape(localized(props, 'name', lang))}</strong></p>",
                  f"<table class='atlas-details'>{rows}</table>",
                  f"<p><strong>{escape(t('facts.sources', lang))}</strong></p>",
                  citations_markdown(props.get("source_ids") or [], atlas.table("sources"), lang)]
        if props.get("confidence") in ("D", "U"):
            parts.append(f'<p class="atlas-hint">{escape(t("details.approximate", lang))}</p>')
    return f'<div class="atlas-details-panel">{"".join(parts)}</div>'


def show_feature_details(atlas: Atlas, feature_id: str | None, lang: str) -> None:
    """The details panel, one light element (see ``details_html``)."""
    st.html(details_html(atlas, feature_id, lang))
