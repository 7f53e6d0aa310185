"""The shared pre-rendered maps send the st_folium component exactly what st_folium would, key included.

Each way runs in its own AppTest script with the same widget key, so the component keys (a hash of
the map script and the key) must match too; a drift in streamlit-folium shows up here by name.
"""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core import rendered_map


def _explore(fast: bool) -> None:
    import folium  # noqa: F401  (imports inside: AppTest runs this function's source as a script)
    import geopandas as gpd
    import shapely
    from streamlit_folium import st_folium

    from dashboard import cache
    from dashboard.core import maps
    from dashboard.core.rendered_map import render_group
    from dashboard.ui import map_component

    atlas = cache.atlas()
    layers = ["protected_areas_china", "protected_areas_russia", "records"]
    options = maps.MapOptions(lang="ru", layers=frozenset(layers), compact_popups=True,
                              collections=cache.display_collection)

    def groups():  # feature groups as the page sends them: an era with popups, a user layer with a point
        user = gpd.GeoDataFrame({"name": ["<b>area</b>", "point"]}, crs="EPSG:4326",
                                geometry=[shapely.box(131, 43, 131.5, 43.5), shapely.Point(131.2, 43.2)])
        return [maps.build_era_group(atlas, "range_1970s", "ru", compact=True, collections=cache.display_collection),
                maps.build_user_group(user, "ru")]

    returned = ["last_object_clicked_tooltip", "all_drawings"]
    if fast:
        map_component.show(cache.explore_base_map("ru", layers, []),
                           [render_group(group, idx=i) for i, group in enumerate(groups())],
                           key="explore_map", height=480, returned_objects=returned, hash_key=cache.map_component_key)
    else:
        fresh = maps.build_base_map(atlas, options)
        maps.add_era_switch(fresh, atlas, options)
        maps.add_draw_tool(fresh, options.asset_base)
        st_folium(fresh, key="explore_map", height=480, use_container_width=True, feature_group_to_add=groups(),
                  returned_objects=returned)


def _compare(fast: bool) -> None:
    from streamlit_folium import st_folium

    from dashboard import cache
    from dashboard.core import maps
    from dashboard.ui import map_component

    layers = ["protected_areas_russia"]
    if fast:
        map_component.show(cache.compare_map("zh", layers), [], key="compare_map",
                           height=430, returned_objects=[], hash_key=cache.map_component_key)
    else:
        options = maps.MapOptions(lang="zh", layers=frozenset(layers), collections=cache.display_collection)
        fresh = maps.build_compare_map(cache.atlas(), "range_c1900", "range_present", options, every_era=True)
        st_folium(fresh, key="compare_map", height=430, use_container_width=True, returned_objects=[])


def _sent(script, fast: bool) -> dict:
    at = AppTest.from_function(script, default_timeout=120, args=(fast,)).run()
    assert [e.value for e in at.exception] == []
    [component] = [c for c in at.get("component_instance") if "st_folium" in c.proto.component_name]
    return json.loads(component.proto.json_args)


@pytest.mark.parametrize("script", [_explore, _compare], ids=["explore", "compare"])
def test_every_argument_equals_st_foliums_including_the_key(script) -> None:
    real, fast = _sent(script, fast=False), _sent(script, fast=True)
    assert set(real) == set(fast)
    for name in real:
        assert fast[name] == real[name], name
    assert len(fast["key"]) == 64 and fast["script"]


def test_the_arguments_carry_what_the_page_relies_on() -> None:
    explore = _sent(_explore, fast=True)
    assert "range_1970s" in explore["feature_group"] and "pa_hunchun" in explore["script"]
    assert "feature_group_feature_group_1" in explore["feature_group"]  # the user layer, second
    assert "&lt;b&gt;area&lt;/b&gt;" in json.dumps(explore["feature_group"]) or "\\u003cb" in explore["feature_group"]
    compare = _sent(_compare, fast=True)
    assert "map_div2" in compare["script"] and "range_c1900" in compare["script"]


def test_component_key_is_stable_across_reruns() -> None:
    at = AppTest.from_function(_explore, default_timeout=120, args=(True,)).run()
    first = [json.loads(c.proto.json_args)["key"] for c in at.get("component_instance")]
    at.run()
    assert [json.loads(c.proto.json_args)["key"] for c in at.get("component_instance")] == first


def test_another_streamlit_folium_version_is_refused_with_a_clear_message(monkeypatch) -> None:
    monkeypatch.setattr(rendered_map.importlib.metadata, "version", lambda name: "0.28.0")
    with pytest.raises(rendered_map.StreamlitFoliumVersionError, match=r"0\.28\.0 is installed.*0\.27\.4"):
        rendered_map.check_streamlit_folium_version()
