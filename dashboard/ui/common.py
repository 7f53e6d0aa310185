"""Small pieces every page uses: data-problem notices, accessible summaries, presenter styling."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from html import escape
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from dashboard.core.figures import EVENT_KEY_CSS, NumberedEvent, event_key_html, summary_html
from dashboard.core.i18n import number, t
from dashboard.core.validation import Problem

READY_SENTINEL = "atlas-ready"


def show_problems(problems: Iterable[Problem], lang: str, files: Iterable[str] | None = None) -> None:
    """A clear warning naming each broken file, row/feature and field; the rest of the page still works."""
    wanted = set(files) if files is not None else None
    chosen = [p for p in problems if wanted is None or p.file in wanted]
    if not chosen:
        return
    broken = sorted({p.file for p in chosen})
    with st.expander(t("problems.title", lang, count=len(chosen), files=", ".join(broken)), expanded=False,
                     icon=":material/warning:"):
        st.caption(t("problems.explain", lang))
        st.text("\n".join(str(p) for p in chosen[:200]))


def summary_and_table(summary: str, table: pd.DataFrame | None, lang: str) -> None:
    """A one-sentence text summary for screen readers and everyone, and the data behind it as a table."""
    summary_sentence(summary)
    if table is not None:
        data_table(table, lang)


def summary_sentence(summary: str) -> None:
    st.html(summary_html(summary))


def event_key(events: list[NumberedEvent], lang: str) -> None:
    """Under a population timeline: what each numbered event on it is (``cache.event_key``)."""
    html = event_key_html(t("chart.events_title", lang), events, t("facts.sources", lang))
    if html:
        st.html(html)


WIDE_TABLE_COLUMNS = 8


def data_table(table: pd.DataFrame, lang: str) -> None:
    """The data in a closed expander: a real HTML <table> (read by screen readers, no grid to load) with
    rows labelled by the first column; a table too wide for the page gets the scrollable data grid."""
    with st.expander(t("common.data_as_table", lang)):
        if len(table.columns) > WIDE_TABLE_COLUMNS:
            data_grid(table)
            return
        shown = readable_numbers(table, lang)
        st.table(shown.set_index(shown.columns[0]) if len(shown.columns) > 1 else shown)


MISSING = "–"  # what a grid shows for a value that is not known (Streamlit's default is a grey "None")


def data_grid(table: pd.DataFrame, column_config: dict | None = None) -> None:
    """A scrollable, sortable data grid: a dash where a value is missing, decimals with grouped
    thousands and no trailing ".0" (in the browser's number format; a pandas Styler in the page's
    language cost ~25 ms of server time per run). The cells keep their numbers, so they sort as numbers."""
    numbers = {column: st.column_config.NumberColumn(format="localized") for column in table.columns
               if pd.api.types.is_float_dtype(table[column])}
    st.dataframe(table, hide_index=True, width="stretch", column_config={**numbers, **(column_config or {})},
                 placeholder=MISSING)


def readable_numbers(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Decimal columns as text the way the page writes numbers: whole numbers without decimals, else one."""
    shown = table.copy()
    for column in shown.columns:
        values = shown[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        known = values.dropna()
        digits = 0 if (known == known.round()).all() else 1
        shown[column] = [number(v, lang, digits) if pd.notna(v) else "" for v in values]
    return shown


def presenter_css() -> None:
    """Big text, no sidebar chrome, high contrast: readable from the back of a classroom."""
    st.markdown("""<style>
        [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none !important;}
        html, body, [data-testid="stAppViewContainer"] {font-size: 20px;}
        [data-testid="stMarkdownContainer"] p, li, label, .atlas-summary {font-size: 1.15rem !important; color: #000;}
        h1 {font-size: 2.1rem !important;}
        h2 {font-size: 1.6rem !important; padding: 0 0 0.3rem 0 !important;}
        [data-testid="stMetricValue"], .atlas-figure-value {font-size: 2.2rem !important; color: #000;}
        .atlas-figure dt, .atlas-figure-meaning {font-size: 1rem !important; color: #000;}
        button[kind] {font-size: 1.15rem !important; min-height: 2.8rem;}
        .block-container {padding-top: 2rem !important; padding-left: 1.2rem; padding-right: 1.2rem;
                          max-width: 100% !important;}
        </style>""", unsafe_allow_html=True)


def base_css() -> None:
    st.markdown("""<style>
        .block-container {padding-top: 2.6rem; padding-bottom: 1rem;}
        .atlas-summary {margin: 0.2rem 0 0.4rem 0; color: #222;}
        .atlas-legend li {font-size: 0.95rem;}
        .atlas-details {width: 100%; table-layout: fixed;}
        .atlas-details th {width: 45%; font-size: 0.9rem;}
        .atlas-details th, .atlas-details td {overflow-wrap: anywhere; hyphens: auto;}
        .atlas-figures {display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; margin: 0.4rem 0 0.7rem 0; padding: 0 !important;}
        .atlas-figure {flex: 1 1 12rem; min-width: 0;}
        .atlas-figure dt {font-size: 0.875rem; font-weight: 400; color: #31333f;}
        .atlas-figure dd {margin: 0;}
        .atlas-figure-value {font-size: 2.25rem; line-height: 1.25; color: #31333f;}
        .atlas-figure-meaning {font-size: 0.8rem; line-height: 1.35; color: #555;}
        .atlas-sentinel {display: none;}
        .st-key-atlas_address {display: none;}
        .st-key-explore_controls {min-height: 4.6rem;}
        .atlas-share, .atlas-hint {font-size: 0.875rem; color: rgba(49, 51, 63, 0.6);}  /* as st.caption */
        .atlas-share, .atlas-details-panel {border-top: 1px solid rgba(49, 51, 63, 0.2);}  /* as st.divider */
        .atlas-share {overflow-wrap: anywhere; padding-top: 1.2rem; margin-top: 0.4rem;}
        .atlas-details-panel {padding-top: 1rem; margin-top: 0.6rem;}
        .atlas-details-panel p {margin: 0 0 0.5rem 0;}
        .atlas-details-title {font-weight: 600;}
        .atlas-share code {display: block; margin-top: 0.15rem; padding: 0.1rem 0.3rem; border-radius: 0.25rem;
                           background: rgba(172, 177, 195, 0.25); color: #1f2d3d; font-size: 0.8rem;}
        """ + EVENT_KEY_CSS + "</style>", unsafe_allow_html=True)


def share_link(label: str, page: str, params: Mapping[str, str]) -> None:
    """The view's address in the sidebar, to copy and share. The browser keeps it equal to the address
    bar when the view changes there (``era_control``: it rewrites every ``data-atlas-share-link``)."""
    origin = urlsplit(st.context.url or "http://localhost:8501/")
    path = "/" if page == "explore" else f"/{page}"
    url = f"{origin.scheme}://{origin.netloc}{path}" + (f"?{urlencode(params)}" if params else "")
    st.sidebar.html(f'<div class="atlas-share"><span>{escape(label)}</span>'
                    f'<code data-atlas-share-link>{escape(url)}</code></div>')


def finish_page(lang: str, presenter: bool, exit_presenter: Callable[[], None], release: str) -> None:
    """End every page the same way: the data release a citation names (``release``, a sentence), in
    presenter view its exit button, then the ready marker."""
    st.caption(md(release))
    if presenter:
        st.button(t("sidebar.exit_presenter", lang), icon=":material/close_fullscreen:", key="exit_presenter",
                  on_click=exit_presenter)
    st.markdown(f'<span class="atlas-sentinel">{READY_SENTINEL}</span>', unsafe_allow_html=True)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md(text: object) -> str:
    """Escape a data string for st.markdown so it shows literally (no links, images, HTML or formatting)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def offline_pack_button(lang: str, key: str, pack: Callable[[], bytes]) -> None:
    """Download the self-contained offline pack (maps, chart, sources, data) for classrooms without internet;
    ``pack`` builds it (``lambda: cache.offline_pack(lang)``) when the reader asks for it."""
    st.download_button(t("export.download", lang), data=pack,
                       file_name=f"amur-leopard-atlas-{lang}.zip", mime="application/zip",
                       icon=":material/download_for_offline:", key=key, help=t("export.download_help", lang))
