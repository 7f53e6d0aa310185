"""Uploading an area on the Explore page: measured, drawn escaped, bad files explained."""
from __future__ import annotations

import json
import re

import pytest
from app_helpers import map_args, no_exceptions, run_app, shown_era

from dashboard.core.i18n import t
from dashboard.ui.common import md
from dashboard.ui.user_area import read_drawings
from dashboard.upload import UserLayerError, read_user_layer

HOSTILE = "<img src=x onerror=alert(1)>"
VALLEY = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": HOSTILE, "note": "<script>alert(2)</script>"},
    "geometry": {"type": "Polygon", "coordinates": [[[131.0, 42.9], [131.4, 42.9], [131.4, 43.3], [131.0, 43.3], [131.0, 42.9]]]}}]}


def _upload(at, name: str, data: bytes, mime: str = "application/geo+json"):
    at.file_uploader(key="user_file").set_value((name, data, mime)).run()
    return at


def _user_layer_html(feature_group: str) -> tuple[str, str]:
    """The tooltip and popup HTML of the uploaded area, as the browser gets them (JSON strings decoded)."""
    strings = {key: json.loads(value) for key, value in
               re.findall(r'"(_tooltip|_popup)":\s*("(?:[^"\\]|\\.)*")', feature_group)}
    return strings["_tooltip"], strings["_popup"]


def test_uploaded_area_is_measured_and_drawn_escaped() -> None:
    at = _upload(run_app(), "valley.geojson", json.dumps(VALLEY).encode())
    no_exceptions(at)
    labels = [m.label for m in at.metric]
    assert any("uploaded" in label for label in labels)
    size = next(m.value for m in at.metric if "Size" in m.label)
    assert size.endswith("km²") and int(size.split()[0].replace(",", "")) > 1000  # ~0.4° x 0.4° box
    args = map_args(at)
    assert "user_1" in args["feature_group"]
    tooltip, popup = _user_layer_html(args["feature_group"])
    assert tooltip == "<b>&lt;img src=x onerror=alert(1)&gt;</b>"  # the name, escaped: shown as text
    assert "<td>&lt;script&gt;alert(2)&lt;/script&gt;</td>" in popup and "<script>" not in popup
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
    frame, error = read_drawings([square])
    assert error is None and len(frame) == 1 and frame.crs.to_epsg() == 4326
    frame, error = read_drawings([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}])
    assert frame is None and error.key == "upload.error.only_points_lines"  # said, not dropped
    assert read_drawings("not a list") == (None, None) and read_drawings([]) == (None, None)


def test_crafted_drawings_get_a_message_not_a_failed_page() -> None:
    """F7: drawings nested 500 deep made json.dumps raise RecursionError; a huge one was dropped silently."""
    nested: list = []
    for depth in range(1, 5001):
        nested = [nested]
        if depth == 500:  # deep, but json.dumps copes here: the reader says the shape is not written right
            assert read_drawings([nested])[1].key == "upload.error.bad_feature"
    assert read_drawings([nested])[1].key == "upload.error.too_deep"  # too deep for json.dumps
    big = {"type": "Feature", "properties": {"pad": "x" * (11 * 1024 * 1024)},
           "geometry": {"type": "Polygon", "coordinates": [[[131, 43], [131.1, 43], [131.1, 43.1], [131, 43]]]}}
    assert read_drawings([big])[1].key == "upload.error.too_big"
    assert read_drawings(["\ud800"])[1].key == "upload.error.damaged"  # a lone surrogate: not JSON text


def test_an_area_bigger_than_the_whole_region_is_flagged() -> None:
    """F8: an implausible size says so (here 100-170 E, 10-70 N: far more than the atlas region)."""
    huge = {"type": "Polygon", "coordinates": [[[100, 10], [170, 10], [170, 70], [100, 70], [100, 10]]]}
    at = _upload(run_app(), "huge.geojson", json.dumps({"type": "Feature", "properties": {}, "geometry": huge}).encode())
    no_exceptions(at)
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("This area measures") and "more than the whole region" in w for w in warnings)
    assert any("Size" in m.label for m in at.metric)  # still measured and shown


def test_a_rerun_neither_reads_nor_measures_the_upload_again(monkeypatch) -> None:
    """F2: every click used to re-measure an upload (8 s and a worker kill for a complex one)."""
    from dashboard.core import bounded

    calls: list[str] = []
    real_run = bounded.WorkerPool.run

    def counting_run(self, function, *args, **kwargs):
        calls.append(function.__name__)
        return real_run(self, function, *args, **kwargs)

    monkeypatch.setattr(bounded.WorkerPool, "run", counting_run)
    ring = [[131.05, 42.95], [131.35, 42.95], [131.35, 43.25], [131.05, 43.25], [131.05, 42.95]]  # a shape no
    valley = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}  # other test measures
    at = _upload(run_app(), "valley.geojson", json.dumps(valley).encode())
    assert sorted(calls) == ["measure", "read_user_layer"]
    at.session_state["w_lang"] = "ru"  # a rerun in another language: the same upload, the same shape
    at.run()
    no_exceptions(at)
    assert sorted(calls) == ["measure", "read_user_layer"]
    assert any("км²" in m.value for m in at.metric)
