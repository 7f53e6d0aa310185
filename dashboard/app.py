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
from dashboard.core.query import LANGS, PAGES  # noqa: E402
from dashboard.core.release import release_line  # noqa: E402
from dashboard.ui import common, era_control, state  # noqa: E402

log = logging.getLogger("atlas")

st.set_page_config(page_title="Amur Leopard Atlas", page_icon=str(REPO_ROOT / "dashboard" / "assets" / "icon.png"), layout="wide",
                   initial_sidebar_state="expanded")

atlas = cache.atlas()
cache.start_workers()  # once per server: uploads and drawings are read and measured in worker processes
steps = len(cache.story())
params = st.query_params.to_dict()
linked_lang = str(params.get("lang", "")).strip().lower()
title_lang = linked_lang if linked_lang in LANGS else state.lang()  # the page titles' language on this run

PAGE_ICONS = {"explore": ":material/map:", "compare": ":material/compare:", "population": ":material/show_chart:",
              "sources": ":material/menu_book:", "classroom": ":material/school:"}
pages = {key: st.Page(f"views/{key}.py", title=t(f"page.{key}", title_lang), icon=PAGE_ICONS[key], url_path=key,
                      default=key == "explore")
         for key in PAGES}

navigation = st.navigation(list(pages.values()), position="top" if state.presenter() else "sidebar")
page = navigation.url_path or "explore"  # the page comes from the address's path

# A link from before pages had their own addresses (/?page=compare): open that page at its own address,
# in place of this history entry, so Back does not return to a link that opens another page.
linked = state.linked_page(params)
if linked is not None and linked != page:
    era_control.redirect("" if linked == "explore" else linked,
                         {k: v for k, v in params.items() if k != "page" and isinstance(v, str)})
    st.stop()

view = state.init_from_url(atlas, steps, page, params)
lang = view.lang
presenter = view.presenter

common.base_css()
if presenter:
    common.presenter_css()

if not state.map_first_pass(page):  # the map first; these follow at once
    with st.sidebar:
        st.selectbox(t("sidebar.language", lang), list(LANGUAGES), format_func=LANGUAGES.get, key=state.LANG,
                     persist_state="session")
        st.toggle(t("sidebar.presenter", lang), key=state.PRESENTER, help=t("sidebar.presenter_help", lang),
                  persist_state="session")

ignored = state.take_ignored_params()
if ignored:
    st.toast(t("notice.ignored_params", lang, names=", ".join(ignored)), icon=":material/info:")
lost = state.take_lost()
if lost:
    st.info(t("notice.lost", lang, what=", ".join(t(f"notice.lost_{item}", lang) for item in lost
                                                   if item in ("quiz", "upload"))), icon=":material/history:")

try:
    navigation.run()
except Exception:  # a page failed: say so plainly, keep the traceback in the server log only
    log.exception("page %s failed", page)
    st.error(t("error.page_failed", lang))
else:
    # The address bar and the share link show the view as the page left it (set explicitly here, not
    # as a side effect of drawing a widget), then the end-of-page marker.
    address = state.sync_url(atlas, page)
    common.share_link(t("sidebar.link", lang), page, address)
    common.finish_page(lang, presenter, exit_presenter=lambda: st.session_state.update({state.PRESENTER: False}),
                       release=release_line(atlas.release, lang))
