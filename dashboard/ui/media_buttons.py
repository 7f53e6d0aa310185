"""Download buttons for slides and handouts: each file is drawn on the server only when its button is
clicked (``dashboard.cache`` keeps it for the next teacher), so the page itself stays light."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import streamlit as st

from dashboard import cache
from dashboard.core.i18n import t
from dashboard.core.media import PAPER_SIZES, mp4_available

#: Session-state key of the view the map image shows. The Explore era slider reruns only its fragment, so
#: the button (drawn by the last full run) reads the era from here when clicked: the fragment updates it.
LIVE_VIEW = "media_live_view"


def atlas_address() -> str:
    """The address this Atlas is served at (printed on slides and handouts)."""
    parts = urlsplit(st.context.url or "http://localhost:8501/")
    return f"{parts.scheme}://{parts.netloc}/"


def remember_era(era: str) -> None:
    """Call where the era is chosen (also in a fragment): the map-image button follows it."""
    st.session_state.setdefault(LIVE_VIEW, {})["era"] = era


def _download(label: str, build: Callable[[], bytes], file_name: str, mime: str, key: str, help_text: str,
              icon: str) -> None:
    st.download_button(label, data=build, file_name=file_name, mime=mime, key=key, help=help_text, icon=icon,
                       on_click="ignore", width="stretch")


def map_image_button(lang: str, era: str, era_label: str, layers: list[str], key: str) -> None:
    """The current Explore view (era, layers, language) as a PNG for a slide."""
    remember_era(era)
    live = st.session_state[LIVE_VIEW]
    url = atlas_address()
    _download(t("media.map_png", lang), lambda: cache.map_png(live.get("era", era), layers, lang, url),
              f"amur-leopard-map-{lang}.png", "image/png", key, t("media.map_png_help", lang, era=era_label),
              ":material/image:")


def compare_image_button(lang: str, left: str, right: str, label: str, layers: list[str], key: str) -> None:
    url = atlas_address()
    _download(t("media.map_png", lang), lambda: cache.compare_png(left, right, layers, lang, url),
              f"amur-leopard-{left}-{right}-{lang}.png", "image/png", key, t("media.map_png_help", lang, era=label),
              ":material/image:")


def animation_buttons(lang: str, layers: list[str], key: str) -> None:
    """The range change as an animated GIF and, where ffmpeg is at hand, an MP4 video."""
    url = atlas_address()
    _download(t("media.gif", lang), lambda: cache.range_animation("gif", layers, lang, url),
              f"amur-leopard-range-change-{lang}.gif", "image/gif", f"{key}_gif", t("media.animation_help", lang),
              ":material/animation:")
    if mp4_available():
        _download(t("media.mp4", lang), lambda: cache.range_animation("mp4", layers, lang, url),
                  f"amur-leopard-range-change-{lang}.mp4", "video/mp4", f"{key}_mp4",
                  t("media.animation_help", lang), ":material/movie:")


def handout_buttons(lang: str, key: str) -> None:
    """The printable handout on A4 and on Letter paper."""
    url = atlas_address()
    for paper in PAPER_SIZES:
        _download(t(f"media.handout_{paper.lower()}", lang), lambda paper=paper: cache.handout(lang, paper, url),
                  f"amur-leopard-handout-{lang}-{paper.lower()}.pdf", "application/pdf", f"{key}_{paper.lower()}",
                  t("media.handout_help", lang), ":material/print:")


def slides_menu(lang: str, body: Callable[[], None]) -> None:
    """A small "Slides and handouts" menu holding the buttons ``body`` draws (one line on the page)."""
    with st.popover(t("media.title", lang), icon=":material/slideshow:"):
        st.caption(t("media.intro", lang))
        body()
