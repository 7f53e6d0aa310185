"""Upload refusals and notes are catalog keys with values, shown in the reader's language (en, ru, zh)."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from dashboard.core.i18n import LANGUAGES, Message, catalog, plural
from dashboard.ui.common import md
from dashboard.upload import MAX_FEATURES, MAX_UPLOAD_BYTES, UserLayerError, read_user_layer

RING = [[131.0, 43.0], [131.5, 43.0], [131.5, 43.5], [131.0, 43.5], [131.0, 43.0]]
BOWTIE = [[130.0, 42.0], [131.0, 43.0], [131.0, 42.0], [130.0, 43.0], [130.0, 42.0]]
PLACEHOLDER = re.compile(r"{\w*}")


def geojson(*features: dict, **extra) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features), **extra}).encode()


def feature(geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def zipped(**members: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name.replace("_", "."), payload)
    return buf.getvalue()


def nested(depth: int) -> dict:
    geom: dict = {"type": "Polygon", "coordinates": [RING]}
    for _ in range(depth):
        geom = {"type": "GeometryCollection", "geometries": [geom]}
    return geom


BAD_UPLOADS = {  # case: (data, file name, expected key)
    "too big": (b"{" + b" " * MAX_UPLOAD_BYTES, "big.geojson", "upload.error.too_big"),
    "empty": (b"", "empty.geojson", "upload.error.empty_file"),
    "nothing received": (None, "x.geojson", "upload.error.no_file"),
    "unknown extension": (b"{}", "notes.txt", "upload.error.unknown_extension"),
    "no extension": (b"{}", "README", "upload.error.unknown_kind"),
    "zip name, JSON inside": (b"{}", "areas.zip", "upload.error.mismatch"),
    "zip name, unknown inside": (b"hello", "areas.zip", "upload.error.mismatch"),
    "kml name, unknown inside": (b"hello", "areas.kml", "upload.error.mismatch"),
    "not JSON": (b'{"type": "FeatureCollection", "features": [', "a.geojson", "upload.error.not_json"),
    "not UTF-8": (b'{"name": "\xff"}', "a.geojson", "upload.error.geojson_not_utf8"),
    "not GeoJSON": (b'{"type": "Banana"}', "a.geojson", "upload.error.json_type"),
    "no feature list": (b'{"type": "FeatureCollection"}', "a.geojson", "upload.error.no_feature_list"),
    "bad feature": (geojson(feature(None), 5), "a.geojson", "upload.error.bad_feature"),
    "too deep": (geojson(feature(nested(12))), "a.geojson", "upload.error.too_deep"),
    "too many shapes": (geojson(*[feature(None)] * (MAX_FEATURES + 1)), "a.geojson", "upload.error.too_many_features"),
    "CRS member broken": (geojson(feature(None), crs=5), "a.geojson", "upload.error.crs_unreadable"),
    "CRS unknown": (geojson(feature(None), crs={"type": "name", "properties": {"name": "EPSG:999999"}}),
                    "a.geojson", "upload.error.crs_unreadable"),
    "no shapes": (geojson(), "a.geojson", "upload.error.no_shapes"),
    "only points": (geojson(feature({"type": "Point", "coordinates": [131, 43]})), "a.geojson",
                    "upload.error.only_points_lines"),
    "not on Earth": (geojson(feature({"type": "Polygon", "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]]})),
                     "a.geojson", "upload.error.out_of_range"),
    "not numbers": (b'{"type": "Polygon", "coordinates": [[[1e999, 0], [1, 0], [1, 1], [0, 0]]]}', "a.geojson",
                    "upload.error.not_numbers"),
    "KML with DOCTYPE": (b'<?xml version="1.0"?><!DOCTYPE kml><kml/>', "a.kml", "upload.error.kml_doctype"),
    "broken zip": (b"PK\x03\x04broken", "a.zip", "upload.error.damaged"),
    "zip without shapefile": (zipped(readme_txt=b"hi"), "a.zip", "upload.error.zip_no_shapefile"),
    "shapefile without .shx and .dbf": (zipped(a_shp=b"x"), "a.zip", "upload.error.shapefile_missing_parts"),
    "shapefile without .dbf": (zipped(a_shp=b"x", a_shx=b"x"), "a.zip", "upload.error.shapefile_missing_part"),
}


def keys_in(message: Message) -> set[str]:
    """The catalog keys a message is made of (nested messages included; plural groups as their forms)."""
    own = {f"{message.key}.{form}" for form in ("one", "few", "many")} if message.count is not None else {message.key}
    return own.union(*(keys_in(v) for v in message.values.values() if isinstance(v, Message)))


def assert_translated(message: Message) -> None:
    for key in keys_in(message):
        assert all(key in catalog(lang) for lang in LANGUAGES), key
    english = message.render("en")
    for lang in LANGUAGES:
        assert not PLACEHOLDER.search(message.render(lang)), (lang, message.render(lang))
        if lang != "en":
            assert message.render(lang) != english, (lang, english)


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_every_refusal_is_a_key_translated_into_every_language(case: str) -> None:
    data, filename, key = BAD_UPLOADS[case]
    with pytest.raises(UserLayerError) as info:
        read_user_layer(data, filename)
    error = info.value
    assert error.text.key == key
    assert str(error) == error.message("en") == str(error.text)
    assert_translated(error.text)
    assert re.search("[а-яё]", error.message("ru")) and re.search("[\u4e00-\u9fff]", error.message("zh"))


def test_values_are_filled_in_and_numbers_written_for_the_language() -> None:
    error = UserLayerError("upload.error.too_many_features", limit=MAX_FEATURES)
    assert "more than 5,000" in str(error) and "5\u202f000" in error.message("ru") and "5,000" in error.message("zh")
    error = UserLayerError("upload.error.crs_unreadable", hint="EPSG:999999")
    assert all(error.message(lang).endswith(" [EPSG:999999]") for lang in LANGUAGES)
    assert "“.txt”" in UserLayerError("upload.error.unknown_extension", ext=".txt",
                                      accepted=Message("upload.word.accepted_types")).message("zh")


def test_notes_are_translated_with_plural_forms() -> None:
    columns = {f"c{i}": "x" for i in range(25)}
    data = geojson(
        feature({"type": "Polygon", "coordinates": [RING]}, long="y" * 300, **columns),
        feature({"type": "Polygon", "coordinates": [BOWTIE]}),
        feature({"type": "Polygon", "coordinates": [[[131, 43], [132, 43], [131, 43]]]}),
        feature({"type": "Point", "coordinates": [131, 43]}),
        feature(None),
        feature(None),
    )
    notes = read_user_layer(data, "a.geojson").attrs["notes"]
    keys = {note.key for note in notes}
    assert {"upload.note.repaired", "upload.note.not_area", "upload.note.no_shape", "upload.note.too_few_corners",
            "upload.note.truncated", "upload.note.dropped_columns"} <= keys
    for note in notes:
        assert_translated(note)
    assert "2 entries had no shape and were left out." in [str(note) for note in notes]


@pytest.mark.parametrize(("n", "ru", "en"), [(1, "one", "one"), (2, "few", "many"), (4, "few", "many"),
                                              (5, "many", "many"), (11, "many", "many"), (12, "many", "many"),
                                              (21, "one", "many"), (22, "few", "many"), (111, "many", "many"),
                                              (0, "many", "many")])
def test_plural_forms(n: int, ru: str, en: str) -> None:
    assert (plural(n, "ru"), plural(n, "en"), plural(n, "zh")) == (ru, en, "many")


def test_russian_counts_agree_with_their_noun() -> None:
    shown = [Message("upload.note.repaired", count=n).render("ru") for n in (1, 3, 5, 21)]
    assert [text.split(" ", 2)[:2] for text in shown] == [["1", "фигура"], ["3", "фигуры"], ["5", "фигур"],
                                                          ["21", "фигура"]]


def test_values_and_hints_are_escaped_for_markdown_but_catalog_text_is_not() -> None:
    hostile = "[click](javascript:alert(1)) <b>*x*</b> :red[y]"
    message = Message("upload.error.unknown_extension", {"ext": hostile, "accepted": Message("upload.word.accepted_types")},
                      hint=hostile)
    for lang in LANGUAGES:
        shown = message.render(lang, md)
        assert "](" not in shown and "<b>" not in shown and ":red[" not in shown
        assert "GeoJSON" in shown and ".geojson" in shown  # our own text is left as it is
