"""Map builders checked on their Leaflet HTML/script output (no browser)."""
from __future__ import annotations

import copy
import json
import re
from html import escape

import folium
import pytest

from dashboard.core import maps
from dashboard.core.i18n import t
from dashboard.core.loaders import Atlas, Layer

HOSTILE = '<img src=x onerror=alert(1)></script><script>alert(2)</script>'


def render(fmap) -> str:
    return fmap.get_root().render()


@pytest.fixture(scope="module")
def explore_html(atlas: Atlas) -> str:
    opts = maps.MapOptions(layers=frozenset({"protected_areas_russia", "protected_areas_china"}))
    return render(maps.build_explore_map(atlas, "range_1970s", opts))


def test_explore_map_contains_the_era_parks_context_and_basemap(explore_html: str) -> None:
    for feature_id in ("range_1970s", "range_c1900", "pa_land_of_the_leopard", "pa_hunchun", "basemap_cn_jilin"):
        assert f'"id": "{feature_id}"' in explore_html, feature_id
    assert '"id": "range_present"' not in explore_html  # only the chosen era is drawn


def test_explore_map_is_offline_by_default(explore_html: str) -> None:
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', explore_html)
    assert urls == []
    assert "/app/static/vendor/leaflet/leaflet.js" in explore_html
    # online tile layers exist but are switched off
    assert "tile.openstreetmap.org" in explore_html


def test_layer_control_legend_and_panes(explore_html: str) -> None:
    assert "L.control.layers" in explore_html
    assert "atlas-map-legend" in explore_html
    compact = re.sub(r"\s+", "", explore_html)
    for pane in maps.PANES:
        assert f'createPane("{pane}")' in compact, pane
    assert '"pane":"protected"' in compact and '"pane":"basemap"' in compact


def test_optional_layers_follow_the_options(atlas: Atlas) -> None:
    off = render(maps.build_base_map(atlas, maps.MapOptions(layers=frozenset())))
    on = render(maps.build_base_map(atlas, maps.MapOptions(layers=frozenset({"protected_areas_china"}))))
    assert '"id": "pa_hunchun"' not in off and '"id": "pa_hunchun"' in on
    assert '"id": "pa_land_of_the_leopard"' not in on


def test_era_group_holds_only_that_era(atlas: Atlas) -> None:
    group = maps.build_era_group(atlas, "range_c2000", "en")
    text = json.dumps([child.data for child in group._children.values()])
    assert "range_c2000" in text and "range_present" not in text


def test_basemap_is_drawn_at_three_decimals_and_the_context_once(atlas: Atlas) -> None:
    layer = atlas.layers_with_role("basemap")[0]
    shown = maps.layer_collection(layer, None, "en", False, False)
    coords = json.dumps([f["geometry"]["coordinates"] for f in shown["features"]])
    decimals = {len(number.split(".")[1]) for number in re.findall(r"-?\d+\.\d+", coords)}
    assert decimals and max(decimals) <= maps.BASEMAP_DECIMALS
    source = json.dumps([f["geometry"]["coordinates"] for f in layer.geojson["features"]])
    assert max(len(n.split(".")[1]) for n in re.findall(r"\d+\.\d+", source)) == 5  # the data is untouched
    html = render(maps.build_base_map(atlas, maps.MapOptions()))
    # the c. 1900 outline and its hatch are one layer: one copy of the shape, dashed edge + stripe fill
    assert html.count('"id": "range_c1900"') == 1
    assert re.search(r'"dashArray": "6 4", [^}]*"fillPattern": stripe_pattern_\w+', html)


def _era_switch_script(atlas: Atlas, default: str | None) -> tuple[list[str], str]:
    fmap = maps.build_base_map(atlas, maps.MapOptions())
    era_ids = maps.add_era_switch(fmap, atlas, maps.MapOptions(), default)
    return era_ids, render(fmap)


def test_era_switch_ships_every_era_but_draws_one(atlas: Atlas) -> None:
    era_ids, html = _era_switch_script(atlas, "range_1970s")
    assert era_ids == [era["id"] for era in atlas.eras()] and len(era_ids) == 5
    for era_id in era_ids:
        assert f'"id": "{era_id}"' in html, era_id
    switch = html[html.index("switches[side] = "):]
    assert re.search(r"var map = map_\w+;", html)
    group = re.search(r"(feature_group_\w+)\.addTo\(map\);\s*\}\)\(\);", switch)
    assert group, "the era group joins the map at the end of the switch"
    # ... and only there: while folium adds the eras to it, the group is off the map (nothing drawn)
    assert html.count(f"{group.group(1)}.addTo(") == 1
    assert html.index("layer.clearLayers();") < html.index(f"{group.group(1)}.addTo(")
    assert 'var first = "range_1970s",' in html
    assert "frame.getAttribute(attribute)" in html  # the embedding page may ask for another era ...
    assert 'frame.getAttribute("data-atlas-view")' in html and "window.atlasShowView = " in html  # ... and view


def test_era_switch_falls_back_to_the_newest_era(atlas: Atlas) -> None:
    _, html = _era_switch_script(atlas, "range_3000")
    assert 'var first = "range_present",' in html


def test_era_switch_without_a_range_layer_adds_nothing(atlas: Atlas) -> None:
    bare = copy.deepcopy(atlas)
    bare.layers = {k: v for k, v in bare.layers.items() if v.spec.role != "range"}
    fmap = maps.build_base_map(bare, maps.MapOptions())
    assert maps.add_era_switch(fmap, bare, maps.MapOptions()) == []
    assert "atlasShowEra" not in render(fmap)


def _poisoned(atlas: Atlas) -> Atlas:
    poisoned = copy.deepcopy(atlas)
    layer: Layer = poisoned.layers["protected_areas_china"]
    for feature in layer.geojson["features"]:
        feature["properties"]["name_en"] = HOSTILE
        feature["properties"]["designation"] = HOSTILE
    return poisoned


def test_strings_from_data_are_escaped(atlas: Atlas) -> None:
    html = render(maps.build_base_map(_poisoned(atlas), maps.MapOptions(layers=frozenset({"protected_areas_china"}))))
    assert "<img src=x" not in html
    assert "<script>alert(2)</script>" not in html
    # the escaped text is there (inside JSON, where Jinja's tojson writes & as \u0026),
    # so the browser shows it literally
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_tooltip_carries_a_traceable_id() -> None:
    tooltip = maps.tooltip_html({"id": "pa_hunchun", "name_en": "Hunchun"}, "en")
    text = re.sub(r"<[^>]+>", "", tooltip)  # what the browser's textContent would give
    assert maps.clicked_feature_id(text, {"pa_hunchun"}) == "pa_hunchun"
    assert maps.clicked_feature_id("Hunchun|pa_unknown", {"pa_hunchun"}) is None
    assert maps.clicked_feature_id(None, {"pa_hunchun"}) is None


def test_popup_lists_the_facts_with_sources_and_confidence(atlas: Atlas) -> None:
    _, feature = atlas.find_feature("pa_land_of_the_leopard")
    html = maps.popup_html(feature["properties"], "en", 2800.0)
    assert "2,799 km²" in html and "2,800 km²" in html
    assert "wiki_llnp" in html and "Published area" in html


def _facts(props: dict, lang: str) -> dict[str, str]:
    return dict(maps.feature_facts(props, lang, None))


def _english_only(props: dict) -> dict:
    """The feature as it would be without its Russian and Chinese texts."""
    return {k: v for k, v in props.items() if not k.endswith(("_ru", "_zh"))}


def _assert_facts_show(props: dict, lang: str, fields: tuple[str, ...], text_lang: str) -> None:
    """Each field's row in the facts (read in ``lang``) shows the field's ``text_lang`` text."""
    facts = _facts(props if text_lang == lang else _english_only(props), lang)
    for field in fields:
        assert facts[t(f"facts.{field}", lang)] == props[field if text_lang == "en" else f"{field}_{text_lang}"]


def test_facts_use_the_readers_language_with_english_fallback(atlas: Atlas) -> None:
    _, feature = atlas.find_feature("range_c1900")
    props = feature["properties"]
    for lang in ("ru", "zh"):
        _assert_facts_show(props, lang, ("description",), lang)
        assert _facts(props, lang)[t("facts.shape", lang)].endswith(" — " + props[f"method_{lang}"])
    _assert_facts_show(props, "ru", ("description",), "en")
    assert _facts(_english_only(props), "ru")[t("facts.shape", "ru")].endswith(" — " + props["method"])
    html = maps.popup_html(props, "zh", None)
    assert escape(props["method_zh"]) in html and escape(props["method"]) not in html


def test_protected_area_facts_use_the_readers_language(atlas: Atlas) -> None:
    _, feature = atlas.find_feature("pa_land_of_the_leopard")
    props = feature["properties"]
    for lang in ("ru", "zh"):
        _assert_facts_show(props, lang, ("designation", "changes"), lang)
        html = maps.popup_html(props, lang, None)
        assert escape(props[f"changes_{lang}"]) in html and escape(props["changes"]) not in html
        compact = maps.popup_html(props, lang, None, compact=True)
        assert escape(props[f"designation_{lang}"]) in compact
    _assert_facts_show(props, "en", ("designation", "changes"), "en")
    _assert_facts_show(props, "zh", ("designation", "changes"), "en")


def test_protected_area_translations_are_escaped(atlas: Atlas) -> None:
    _, feature = atlas.find_feature("pa_hunchun")
    props = {**feature["properties"], "designation_ru": HOSTILE, "changes_ru": HOSTILE}
    html = maps.popup_html(props, "ru", None)
    assert "<img" not in html and "<script>alert" not in html and escape(HOSTILE) in html


def test_compare_map_is_a_synced_dual_map(atlas: Atlas) -> None:
    dual = maps.build_compare_map(atlas, "range_c1900", "range_present", maps.MapOptions())
    html = render(dual)
    assert ".sync(" in html
    assert '"id": "range_present"' in html
    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []


def test_compare_map_with_every_era_has_a_switch_per_side(atlas: Atlas) -> None:
    dual = maps.build_compare_map(atlas, "range_1970s", "range_present", maps.MapOptions(), every_era=True)
    html = render(dual)
    for era in atlas.eras():
        assert html.count(f'"id": "{era["id"]}"') >= 2, era["id"]  # every era on both maps
    assert 'side = "left"' in html and 'side = "right"' in html
    assert 'var first = "range_1970s",' in html and 'var first = "range_present",' in html


def test_every_optional_layer_builds_offline(atlas: Atlas) -> None:
    everything = frozenset(layer.spec.id for layer in atlas.layers.values() if layer.spec.role in ("protected_area", "points"))
    html = render(maps.build_explore_map(atlas, "range_present", maps.MapOptions(layers=everything)))
    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []
    for feature in atlas.layers["records"].geojson["features"]:
        assert f'"id": "{feature["properties"]["id"]}"' in html


def test_compact_popup_keeps_only_key_facts(atlas: Atlas) -> None:
    _, feature = atlas.find_feature("pa_hunchun")
    full = maps.popup_html(feature["properties"], "en", 1095.0)
    short = maps.popup_html(feature["properties"], "en", 1095.0, compact=True)
    assert "Published area" in short and "Sources" not in short and len(short) < len(full)


def test_bounded_geojson_renders_like_folium_geojson(atlas: Atlas) -> None:
    data = maps.display_collection(atlas.layers["protected_areas_china"].geojson["features"], "en")
    outputs = []
    for cls in (folium.GeoJson, maps.BoundedGeoJson):
        fmap = folium.Map(tiles=None)
        layer = cls(data, style_function=lambda f: {"color": "#000"},
                    tooltip=folium.GeoJsonTooltip(fields=["_tooltip"], labels=False))
        layer._id = "fixed"  # same variable names in both outputs
        layer.add_to(fmap)
        fmap._id = "fixed"
        html = fmap.get_root().render()
        outputs.append(re.sub(r"_[0-9a-f]{32}", "_ID", html))
        assert layer.get_bounds() == [[data["bbox"][1], data["bbox"][0]], [data["bbox"][3], data["bbox"][2]]]
    assert outputs[0] == outputs[1]


def test_hatch_pattern_reference_is_resolved_in_saved_html(atlas: Atlas) -> None:
    html = render(maps.build_explore_map(atlas, "range_present", maps.MapOptions()))
    assert "{{" not in html  # folium's second-pass placeholders are all resolved
    assert re.search(r'"fillPattern": stripe_pattern_[0-9a-f]{32}', html)


def test_only_the_era_is_in_leaflets_default_pane(atlas: Atlas) -> None:
    everything = frozenset(layer.spec.id for layer in atlas.layers.values() if layer.spec.role in ("protected_area", "points"))
    compact = re.sub(r"\s+", "", render(maps.build_base_map(atlas, maps.MapOptions(layers=everything))))
    point_layers = compact.count("newL.CircleMarker(latlng,opts)")
    assert point_layers == 2  # place labels and records
    assert compact.count("layer.options.pane='points';") == point_layers


def test_basemap_credits_openstreetmap_for_the_borders(explore_html: str) -> None:
    """The state borders come from OpenStreetMap (ODbL): the map's attribution line must say so."""
    assert '"attribution": "Natural Earth; borders CN/RU/KP \\u00a9 OpenStreetMap contributors (ODbL)"' \
        in explore_html


@pytest.mark.parametrize("value", [["|", "x"], 12345, {"|": 1}, 1.5, True])
def test_a_clicked_tooltip_that_is_not_text_is_no_feature(value) -> None:
    """F7: the browser sends the map's value; a crafted one used to fail the page (AttributeError)."""
    assert maps.clicked_feature_id(value, {"pa_hunchun", "x"}) is None


def test_user_layer_popups_keep_column_names_and_escape_everything() -> None:
    """F11: itertuples renamed "Area (ha)" to _1; M4: an unescaped popup value must fail this test."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"name": ["<b>valley</b>"], "Area (ha)": ["12"], "2020": ["<script>x()</script>"],
                              "class": ["a&b"], "def": ["ok"]}, geometry=[shapely.box(131, 43, 131.1, 43.1)],
                             crs=4326)
    props = maps.user_collection(frame, "en")["features"][0]["properties"]
    headers = re.findall(r"<th[^>]*>(.*?)</th>", props["_popup"])
    cells = re.findall(r"<td>(.*?)</td>", props["_popup"])
    assert headers == ["Area (ha)", "2020", "class", "def"]
    assert cells == ["12", "&lt;script&gt;x()&lt;/script&gt;", "a&amp;b", "ok"]
    assert props["_tooltip"] == "<b>&lt;b&gt;valley&lt;/b&gt;</b>"


def test_user_layer_popups_stop_listing_values_past_their_budget(monkeypatch) -> None:
    """5,000 shapes x 20 long values would make a 20 MB map message: later popups carry the name only."""
    import geopandas as gpd
    import shapely

    monkeypatch.setattr(maps, "USER_POPUP_BUDGET", 150)
    frame = gpd.GeoDataFrame({"name": ["a", "b", "c"], "note": ["x" * 40] * 3},
                             geometry=[shapely.box(131, 43, 131.1, 43.1)] * 3, crs=4326)
    popups = [f["properties"]["_popup"] for f in maps.user_collection(frame, "en")["features"]]
    assert ["x" * 40 in popup for popup in popups] == [True, False, False]
    assert all(f">{name}</h4>" in popup for name, popup in zip("abc", popups))


def test_a_huge_uploaded_outline_is_drawn_simplified_but_keeps_its_shape() -> None:
    """A 199,000-corner upload used to be an 8 MB map script rendered in the server on every upload."""
    import geopandas as gpd
    import numpy as np
    import shapely

    angles = np.linspace(0, 2 * np.pi, 199_000, endpoint=False)
    circle = shapely.Polygon(np.column_stack([131.5 + 0.5 * np.cos(angles), 43.5 + 0.4 * np.sin(angles)]))
    frame = gpd.GeoDataFrame({"name": ["c"]}, geometry=[circle], crs=4326)
    drawn = shapely.geometry.shape(maps.user_collection(frame, "en")["features"][0]["geometry"])
    assert shapely.get_num_coordinates(drawn) < 5_000
    assert drawn.symmetric_difference(circle).area < 1e-4 * circle.length  # at most ~10 m off along the outline
