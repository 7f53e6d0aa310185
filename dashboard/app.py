"""Amur Leopard Atlas: entry point (``streamlit run dashboard/app.py``)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import streamlit as st  # noqa: E402

from dashboard import cache  # noqa: E402
from dashboard.core.i18n import LANGUAGES, t  # noqa: E402
from dashboard.core.query import PAGES  # noqa: E402
from dashboard.ui import common, state  # noqa: E402

log = logging.getLogger("atlas")

st.set_page_config(page_title="Amur Leopard Atlas", page_icon=str(REPO_ROOT / "dashboard" / "assets" / "icon.png"), layout="wide",
                   initial_sidebar_state="expanded")

atlas = cache.atlas()
cache.start_workers()  # once per server: uploads and drawings are read and measured in worker processes
view = state.init_from_url(atlas, steps=len(cache.story()))
lang = state.lang()

PAGE_ICONS = {"explore": ":material/map:", "compare": ":material/compare:", "population": ":material/show_chart:",
              "sources": ":material/menu_book:", "classroom": ":material/school:"}
pages = {key: st.Page(f"views/{key}.py", title=t(f"page.{key}", lang), icon=PAGE_ICONS[key], url_path=key,
                      default=key == "explore")
         for key in PAGES}

presenter = state.presenter()
navigation = st.navigation(list(pages.values()), position="top" if presenter else "sidebar")

# A shared link (?page=compare) opens its page once, on the session's first run.
if not st.session_state.get("_arrived"):
    st.session_state["_arrived"] = True
    if view.page in pages and view.page != (navigation.url_path or "explore"):
        st.switch_page(pages[view.page])

common.base_css()
if presenter:
    common.presenter_css()

if not state.map_first_pass(navigation.url_path or "explore"):  # the map first; these follow at once
    with st.sidebar:
        st.selectbox(t("sidebar.language", lang), list(LANGUAGES), format_func=LANGUAGES.get, key=state.LANG,
                     persist_state="session")
        st.toggle(t("sidebar.presenter", lang), key=state.PRESENTER, help=t("sidebar.presenter_help", lang),
                  persist_state="session")

ignored = state.take_ignored_params()
if ignored:
    st.toast(t("notice.ignored_params", lang, names=", ".join(ignored)), icon=":material/info:")

current_key = navigation.url_path or "explore"
try:
    navigation.run()
except Exception:  # a page failed: say so plainly, keep the traceback in the server log only
    log.exception("page %s failed", current_key)
    st.error(t("error.page_failed", lang))

