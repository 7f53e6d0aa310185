"""'What if we protected this valley?': measure a drawn or uploaded area against the range and the parks.

Uploads and drawings are read, and areas measured, in worker processes with limits
(``dashboard.upload.read_upload``, ``dashboard.core.bounded``), so no file or drawing can hold up
another session. Each is read once: an upload per file id, a drawing per hash of its JSON (both
kept in the session), and a measurement per shape (``cache.measured_area``, shared). Whatever is
refused or left out is said in a plain message, never dropped silently.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.core.i18n import Message, area_text, localized, percent, t
from dashboard.core.loaders import Atlas
from dashboard.ui.common import data_grid, md
from dashboard.ui.map_component import UNREADABLE_VALUE
from dashboard.upload import MAX_UPLOAD_BYTES, UserLayerError, in_region, read_upload

UPLOADED = "user_upload"  # (file id, frame or None, Message or None)
DRAWN = "user_drawings"  # (hash of the drawings' JSON, frame or None, Message or None)
DRAWING_NAME = "drawing.geojson"


def drawings_payload(drawings: Any) -> bytes | Message | None:
    """The map's drawings (untrusted JSON from the browser) as GeoJSON bytes; a Message if they cannot be."""
    if not isinstance(drawings, list) or not drawings:
        return None
    try:
        return json.dumps({"type": "FeatureCollection", "features": drawings}, ensure_ascii=False).encode("utf-8")
    except RecursionError:  # lists nested hundreds deep
        return Message("upload.error.too_deep")
    except (ValueError, TypeError, UnicodeError):  # not JSON data (e.g. lone surrogates)
        return Message("upload.error.damaged", {"format": Message("upload.word.geojson_file")})


def read_drawings(drawings: Any) -> tuple[gpd.GeoDataFrame | None, Message | None]:
    """The drawn areas, through the same bounded reader as uploads, or why they cannot be used."""
    payload = drawings_payload(drawings)
    if payload is None or isinstance(payload, Message):
        return None, payload
    return _read_drawing(payload)


def _read_drawing(payload: bytes) -> tuple[gpd.GeoDataFrame | None, Message | None]:
    try:
        return read_upload(payload, DRAWING_NAME), None
    except UserLayerError as err:
        return None, err.text


def drawn_frame(component_value: Any) -> tuple[gpd.GeoDataFrame | None, Message | None]:
    """The areas drawn on the map (the map component's value), or why they cannot be used.

    Read once per drawing: the result is kept in the session under a hash of the drawings' JSON.
    """
    if isinstance(component_value, dict) and component_value.get(UNREADABLE_VALUE):
        return None, Message("upload.error.too_deep")
    drawings = component_value.get("all_drawings") if isinstance(component_value, dict) else None
    payload = drawings_payload(drawings)
    if payload is None:
        st.session_state.pop(DRAWN, None)
        return None, None
    if isinstance(payload, Message):
        return None, payload
    digest = hashlib.sha256(payload).hexdigest()
    cached = st.session_state.get(DRAWN)
    if cached and cached[0] == digest:
        return cached[1], cached[2]
    frame, error = _read_drawing(payload)
    st.session_state[DRAWN] = (digest, frame, error)
    return frame, error


def upload_widget(lang: str) -> None:
    """File upload; a bad file gives a plain message and the rest of the page keeps working."""
    upload = st.file_uploader(t("user.upload", lang), type=["geojson", "json", "kml", "zip", "gpkg"],
                              help=t("user.upload_help", lang, mb=MAX_UPLOAD_BYTES // (1024 * 1024)),
                              max_upload_size=MAX_UPLOAD_BYTES // (1024 * 1024), key="user_file")
    if upload is None:
        st.session_state.pop(UPLOADED, None)
        return
    cached = st.session_state.get(UPLOADED)
    if cached and cached[0] == upload.file_id:
        return
    try:
        frame = read_upload(upload.getvalue(), upload.name)
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


def show_drawing_error(error: Message, lang: str) -> None:
    """Why the drawing cannot be measured, in the current language."""
    st.error(t("user.drawing_refused", lang, reason=error.render(lang, md)))


_MEASURE_FAILED = {"busy": "user.busy", "failed": "user.measure_failed", "too_complex": "user.too_complex"}


def show_area_panel(atlas: Atlas, frame: gpd.GeoDataFrame, lang: str, source: str) -> None:
    """Size, overlap with every era and protected area, and protection it would add (time-limited)."""
    for note in frame.attrs.get("notes", []):
        st.caption(note.render(lang, md))
    if not in_region(frame):
        st.warning(t("user.outside_region", lang))
    result = cache.measured_area(list(frame.geometry))
    if "error" in result:
        st.error(t(_MEASURE_FAILED.get(result["error"], "user.measure_failed"), lang))
        return
    if result["area_km2"] > cache.region_area_km2():
        st.warning(t("user.implausible_area", lang, area=area_text(result["area_km2"], lang),
                     region=area_text(cache.region_area_km2(), lang)))
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
