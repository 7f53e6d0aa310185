"""Uploading an area on the Explore page: measured, drawn escaped, bad files explained."""
from __future__ import annotations

import json

import pytest
from app_helpers import map_args, no_exceptions, run_app, shown_era

from dashboard.ui.common import md
from dashboard.ui.user_area import drawings_to_frame
from dashboard.upload import UserLayerError, read_user_layer

HOSTILE = "<img src=x onerror=alert(1)>"
VALLEY = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": HOSTILE, "note": "<script>alert(2)</script>"},
    "geometry": {"type": "Polygon", "coordinates": [[[131.0, 42.9], [131.4, 42.9], [131.4, 43.3], [131.0, 43.3], [131.0, 42.9]]]}}]}


def _upload(at, name: str, data: bytes, mime: str = "application/geo+json"):
    at.file_uploader(key="user_file").set_value((name, data, mime)).run()
    return at


def test_uploaded_area_is_measured_and_drawn_escaped() -> None:
    at = _upload(run_app(), "valley.geojson", json.dumps(VALLEY).encode())
    no_exceptions(at)
    labels = [m.label for m in at.metric]
    assert any("uploaded" in label for label in labels)
    size = next(m.value for m in at.metric if "Size" in m.label)
    assert size.endswith("km²") and int(size.split()[0].replace(",", "")) > 1000  # ~0.4° x 0.4° box
    args = map_args(at)
    assert "user_1" in args["feature_group"]
    assert HOSTILE not in args["feature_group"] and "<script>alert(2)" not in args["feature_group"]
    overlap = [df for df in at.dataframe if "Overlap (km²)" in df.value.columns]
    assert overlap and "Land of the Leopard National Park" in set(overlap[0].value.iloc[:, 0])


def test_bad_upload_says_what_is_wrong_and_the_map_stays() -> None:
    at = _upload(run_app(), "broken.geojson", b'{"type": "FeatureCollection", "features": [')
    assert [e.value for e in at.exception] == []
    assert at.error and "Traceback" not in at.error[0].value
    assert "range_present" in map_args(at)["script"] and shown_era(at) == "range_present"


def test_bad_upload_is_explained_in_the_language_of_the_session() -> None:
    data = b'{"type": "FeatureCollection", "features": []}'  # named .zip: "should be a zip file, but ..."
    with pytest.raises(UserLayerError) as info:
        read_user_layer(data, "valley.zip")
    at = _upload(run_app(lang="ru"), "valley.zip", data, "application/zip")
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == [info.value.text.render("ru", md)]
    assert "Имя файла заканчивается на «\\.zip»" in at.error[0].value  # Russian, the value escaped
    at.session_state["w_lang"] = "zh"  # the language box (AppTest shows the sidebar box on the first run only)
    at.run()  # switching the language re-translates the error already shown
    assert [e.value for e in at.error] == [info.value.text.render("zh", md)]
    assert "文件名以" in at.error[0].value


def test_drawings_from_the_browser_go_through_the_hardened_reader() -> None:
    square = {"type": "Feature", "properties": {},
              "geometry": {"type": "Polygon", "coordinates": [[[131, 43], [131.1, 43], [131.1, 43.1], [131, 43]]]}}
    frame = drawings_to_frame([square])
    assert frame is not None and len(frame) == 1 and frame.crs.to_epsg() == 4326
    assert drawings_to_frame([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}]) is None
    assert drawings_to_frame("not a list") is None and drawings_to_frame([]) is None
