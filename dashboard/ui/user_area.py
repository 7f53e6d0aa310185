"""'What if we protected this valley?': measure a drawn or uploaded area against the range and the parks."""
from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard.core.bounded import AreaTooComplexError, measure_area
from dashboard.core.i18n import Message, area_text, localized, percent, t
from dashboard.core.loaders import Atlas
from dashboard.core.paths import data_dir
from dashboard.ui.common import data_grid, md
from dashboard.upload import MAX_UPLOAD_BYTES, UserLayerError, in_region, read_user_layer

UPLOADED = "user_upload"
DRAWN = "user_drawings"


def drawings_to_frame(drawings: Any) -> gpd.GeoDataFrame | None:
    """The map's drawings (untrusted JSON from the browser) through the same hardened reader as uploads."""
    if not isinstance(drawings, list) or not drawings:
        return None
    payload = json.dumps({"type": "FeatureCollection", "features": drawings}).encode("utf-8")
    try:
        return read_user_layer(payload, "drawing.geojson")
    except UserLayerError:
        return None


def upload_widget(lang: str) -> None:
    """File upload; a bad file gives a plain message and the rest of the page keeps working."""
    upload = st.file_uploader(t("user.upload", lang), type=["geojson", "json", "kml", "zip", "gpkg"],
                              help=t("user.upload_help", lang, mb=MAX_UPLOAD_BYTES // (1024 * 1024)),
                              key="user_file")
    if upload is None:
        st.session_state.pop(UPLOADED, None)
        return
    cached = st.session_state.get(UPLOADED)
    if cached and cached[0] == upload.file_id:
        return
    try:
        frame = read_user_layer(upload.getvalue(), upload.name)
    except UserLayerError as err:
        st.session_state[UPLOADED] = (upload.file_id, None, err.text)  # the Message: no traceback kept
    else:
        st.session_state[UPLOADED] = (upload.file_id, frame, None)


def uploaded_frame() -> tuple[gpd.GeoDataFrame | None, Message | None]:
    """The uploaded layer, or why the upload was refused (translate it with show_upload_error)."""
    cached = st.session_state.get(UPLOADED)
    return (cached[1], cached[2]) if cached else (None, None)


def show_upload_error(error: Message, lang: str) -> None:
    """Why the upload was refused, in the current language; its values are escaped for Markdown."""
    st.error(error.render(lang, md))


def show_area_panel(atlas: Atlas, frame: gpd.GeoDataFrame, lang: str, source: str) -> None:
    """Size, overlap with every era and protected area, and protection it would add (time-limited)."""
    for note in frame.attrs.get("notes", []):
        st.caption(note.render(lang, md))
    if not in_region(frame):
        st.warning(t("user.outside_region", lang))
    try:
        result = measure_area(list(frame.geometry), str(data_dir()))
    except AreaTooComplexError:
        st.error(t("user.too_complex", lang))
        return
    cols = st.columns(2)
    cols[0].metric(t("user.size", lang, source=source), area_text(result['area_km2'], lang))
    cols[1].metric(t("user.added", lang), area_text(result['added_km2'], lang), help=t("user.added_help", lang))
    report = pd.DataFrame(result["report"])
    report = report[report["overlap_km2"] > 0.05] if len(report) else report
    if report.empty:
        st.info(t("user.no_overlap", lang))
        return
    table = pd.DataFrame({
        t("user.feature", lang): [localized(r, "name", lang) for r in report.to_dict("records")],
        t("user.overlap_km2", lang): report["overlap_km2"].round(1),
        t("user.share_of_area", lang): [percent(s, lang) for s in report["share_of_area"]],
    })
    data_grid(table)
    st.caption(t("user.method", lang))
