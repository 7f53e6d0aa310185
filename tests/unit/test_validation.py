"""Every shipped file validates, and every kind of bad input gets a message naming file, item and field."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard.core.loaders import load_atlas
from dashboard.core.tables import SCHEMAS, load_table
from dashboard.core.validation import Problem, validate_feature_collection

EXPECTED_LAYERS = {"basemap", "range", "protected_areas_russia", "protected_areas_china"}
EXPECTED_FEATURES = {"range_c1900", "range_1950s", "range_1970s", "range_c2000", "range_present",
                     "pa_land_of_the_leopard", "pa_kedrovaya_pad", "pa_ne_china_tiger_leopard", "pa_hunchun",
                     "pa_wangqing", "pa_laoyeling", "pa_huangnihe"}


def test_shipped_data_has_no_problems(atlas) -> None:
    assert [str(p) for p in atlas.problems] == []


def test_every_expected_layer_and_feature_loads(atlas) -> None:
    assert EXPECTED_LAYERS <= set(atlas.layers)
    assert EXPECTED_FEATURES <= atlas.feature_ids()
    assert set(SCHEMAS) <= set(atlas.tables)


def test_ids_are_unique_across_layers(atlas) -> None:
    ids = [f["properties"]["id"] for layer in atlas.layers.values() for f in layer.geojson["features"]]
    assert len(ids) == len(set(ids))


def test_every_feature_cites_known_sources_and_says_how_sure_we_are(atlas) -> None:
    known = set(atlas.tables["sources"]["id"])
    for layer in atlas.layers.values():
        for feature in layer.geojson["features"]:
            props = feature["properties"]
            assert props["source_ids"] and set(props["source_ids"]) <= known, props["id"]
            assert props["confidence"] in {"V", "V2", "U", "D"}, props["id"]
            assert props["method"].strip(), props["id"]


def test_population_never_sums_regions(atlas) -> None:
    # there is no "russia+china" region: world totals only come from joint estimates
    assert set(atlas.tables["population"]["region"]) <= {"russia", "china", "global"}


# --- negative cases: one per kind of bad input, each asserting the message -----------------------

def _write_layer(data: Path, name: str, obj: object) -> None:
    (data / "geo" / name).write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")


def _messages(problems: list[Problem], file: str) -> list[str]:
    return [str(p) for p in problems if p.file == file]


def _pa_collection(data: Path) -> dict:
    return json.loads((data / "geo" / "protected_areas_china.geojson").read_text(encoding="utf-8"))


def test_invalid_json_is_reported_with_its_position_and_other_layers_still_load(data_copy: Path) -> None:
    _write_layer(data_copy, "protected_areas_china.geojson", '{"type": "FeatureCollection", "features": [')
    atlas = load_atlas(data_copy)
    messages = _messages(atlas.problems, "protected_areas_china.geojson")
    assert len(messages) == 1 and "invalid JSON" in messages[0] and "line 1" in messages[0]
    assert "protected_areas_china" not in atlas.layers
    assert {"basemap", "range", "protected_areas_russia"} <= set(atlas.layers)


def test_invalid_geometry_names_the_feature(data_copy: Path) -> None:
    collection = _pa_collection(data_copy)
    bowtie = {"type": "Polygon", "coordinates": [[[130, 43], [131, 44], [131, 43], [130, 44], [130, 43]]]}
    collection["features"][0]["geometry"] = bowtie
    bad_id = collection["features"][0]["properties"]["id"]
    _write_layer(data_copy, "protected_areas_china.geojson", collection)
    atlas = load_atlas(data_copy)
    messages = _messages(atlas.problems, "protected_areas_china.geojson")
    assert any(f"feature '{bad_id}'" in m and "'geometry'" in m and "invalid geometry" in m for m in messages)
    # the other features of the same file still load
    assert bad_id not in atlas.feature_ids()
    assert len(atlas.layers["protected_areas_china"].geojson["features"]) == len(collection["features"]) - 1


def test_missing_field_names_feature_and_field(data_copy: Path) -> None:
    collection = _pa_collection(data_copy)
    del collection["features"][1]["properties"]["confidence"]
    bad_id = collection["features"][1]["properties"]["id"]
    _write_layer(data_copy, "protected_areas_china.geojson", collection)
    messages = _messages(load_atlas(data_copy).problems, "protected_areas_china.geojson")
    assert messages == [f"protected_areas_china.geojson: feature '{bad_id}', field 'confidence': missing or empty"]


def test_translations_are_optional_text(data_copy: Path) -> None:
    collection = _pa_collection(data_copy)
    collection["features"][0]["properties"]["method_ru"] = ["not", "text"]
    bad_id = collection["features"][0]["properties"]["id"]
    del collection["features"][1]["properties"]["method_zh"]  # a missing translation is fine: English is shown
    _write_layer(data_copy, "protected_areas_china.geojson", collection)
    messages = _messages(load_atlas(data_copy).problems, "protected_areas_china.geojson")
    assert messages == [f"protected_areas_china.geojson: feature '{bad_id}', field 'method_ru': must be text or null"]


def test_protected_area_translations_are_optional_text(data_copy: Path) -> None:
    collection = _pa_collection(data_copy)
    collection["features"][0]["properties"]["designation_zh"] = 7
    collection["features"][1]["properties"]["changes_ru"] = {"text": "нет"}
    ids = [f["properties"]["id"] for f in collection["features"][:2]]
    del collection["features"][2]["properties"]["changes_zh"]  # missing: English is shown
    collection["features"][2]["properties"]["designation_ru"] = None
    _write_layer(data_copy, "protected_areas_china.geojson", collection)
    messages = _messages(load_atlas(data_copy).problems, "protected_areas_china.geojson")
    assert messages == [f"protected_areas_china.geojson: feature '{ids[0]}', field 'designation_zh': must be text or null",
                        f"protected_areas_china.geojson: feature '{ids[1]}', field 'changes_ru': must be text or null"]


def test_myth_translations_are_optional(data_copy: Path) -> None:
    path = data_copy / "tables" / "myths.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "claim_ru"] = ""
    frame.drop(columns=["correction_zh"]).to_csv(path, index=False)
    table, problems = load_table("myths", data_copy / "tables")
    assert problems == [] and table is not None
    assert pd.isna(table.loc[0, "claim_ru"]) and "correction_zh" not in table


def test_unknown_source_id_is_reported(data_copy: Path) -> None:
    collection = _pa_collection(data_copy)
    collection["features"][0]["properties"]["source_ids"] = ["no_such_source"]
    _write_layer(data_copy, "protected_areas_china.geojson", collection)
    messages = _messages(load_atlas(data_copy).problems, "protected_areas_china.geojson")
    assert any("field 'source_ids'" in m and "unknown source id 'no_such_source'" in m for m in messages)


def test_coordinates_outside_the_region_are_reported() -> None:
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [11, 51], [10, 50]]]},
               "properties": {"id": "pa_far_away", "name_en": "Far", "source_ids": ["x"], "confidence": "D", "method": "m",
                              "designation": "d", "country": "China", "status": "current", "established": "2000",
                              "established_precision": "year"}}
    good, problems = validate_feature_collection({"type": "FeatureCollection", "features": [feature]},
                                                 "test.geojson", "protected_area", known_sources={"x"})
    assert good == []
    assert len(problems) == 1
    assert "feature 'pa_far_away'" in str(problems[0]) and "outside the region" in str(problems[0])
    assert "lon 10.00–11.00" in str(problems[0])


def test_low_above_high_names_the_row_and_fields(data_copy: Path) -> None:
    path = data_copy / "tables" / "population.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    joint = next(i for i, line in enumerate(lines) if line.startswith("pop_gl_2014_joint,"))
    cells = lines[joint].split(",")
    cells[header.index("low")], cells[header.index("high")] = "108", "70"
    lines[joint] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, problems = load_table("population", data_copy / "tables")
    assert frame is None
    assert [str(p) for p in problems] == [
        f"population.csv: row {joint + 1}, field 'low/point/high': low ≤ point ≤ high is not true (low=108, point=84, high=70)"]
    # the rest of the app still loads
    atlas = load_atlas(data_copy)
    assert "population" not in atlas.tables and "range" in atlas.layers


def test_bad_date_and_unknown_category_in_a_table(data_copy: Path) -> None:
    path = data_copy / "tables" / "events.csv"
    text = path.read_text(encoding="utf-8").replace("2012-04-05", "5 April 2012", 1)
    path.write_text(text, encoding="utf-8")
    _, problems = load_table("events", data_copy / "tables")
    assert any(p.field == "date" and "5 April 2012" in p.message for p in problems)


def test_missing_column_is_reported(data_copy: Path) -> None:
    path = data_copy / "tables" / "sources.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("confidence", "confidnce", 1), encoding="utf-8")
    _, problems = load_table("sources", data_copy / "tables")
    assert [str(p) for p in problems if p.where == "header"] == ["sources.csv: header, field 'confidence': required column is missing"]


def test_a_missing_file_is_reported_not_raised(data_copy: Path) -> None:
    (data_copy / "geo" / "range.geojson").unlink()
    atlas = load_atlas(data_copy)
    assert any(p.file == "range.geojson" and "cannot read" in p.message for p in atlas.problems)
    assert atlas.eras() == [] and "basemap" in atlas.layers


@pytest.mark.parametrize("payload", ["[]", '{"type": "Feature"}', '{"type": "FeatureCollection", "features": 3}'])
def test_wrong_structure_is_reported(payload: str) -> None:
    good, problems = validate_feature_collection(json.loads(payload), "x.geojson", "range")
    assert good == [] and problems and problems[0].file == "x.geojson"
