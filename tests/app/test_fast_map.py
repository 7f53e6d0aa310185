"""The shared pre-rendered Explore map sends the component exactly what st_folium would."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def _both_ways() -> None:
    import folium  # noqa: F401  (imports inside: AppTest runs this function's source as a script)
    from streamlit_folium import st_folium

    from dashboard import cache
    from dashboard.core import maps
    from dashboard.ui import fast_map

    atlas = cache.atlas()
    layers = ["protected_areas_china", "protected_areas_russia"]
    options = maps.MapOptions(lang="ru", layers=frozenset(layers), compact_popups=True,
                              collections=cache.display_collection)
    fresh = maps.build_base_map(atlas, options)
    maps.add_era_switch(fresh, atlas, options)
    maps.add_draw_tool(fresh, options.asset_base)

    def group():  # any feature group (the page sends an uploaded layer this way)
        return maps.build_era_group(atlas, "range_1970s", "ru", compact=True, collections=cache.display_collection)

    returned = ["last_object_clicked_tooltip", "all_drawings"]
    st_folium(fresh, key="real", height=480, use_container_width=True, feature_group_to_add=[group()],
              returned_objects=returned)
    fast_map.show(cache.explore_base_map("ru", layers, []), [fast_map.render_group(group(), idx=0)],
                  key="fast", height=480, returned_objects=returned, hash_key=cache.map_component_key)


def _fast_args_equal_st_foliums(script) -> dict:
    """Run ``script`` (st_folium first, then fast_map) and check both sent the same arguments."""
    at = AppTest.from_function(script, default_timeout=120).run()
    assert [e.value for e in at.exception] == []
    real, fast = (json.loads(c.proto.json_args) for c in at.get("component_instance"))
    real.pop("key"), fast.pop("key")
    assert set(real) == set(fast)
    for name in real:
        assert fast[name] == real[name], name
    return fast


def test_fast_map_arguments_equal_st_folium() -> None:
    fast = _fast_args_equal_st_foliums(_both_ways)
    assert "range_1970s" in fast["feature_group"] and "pa_hunchun" in fast["script"]


def test_component_key_is_stable_across_reruns() -> None:
    at = AppTest.from_function(_both_ways, default_timeout=120).run()
    first = [json.loads(c.proto.json_args)["key"] for c in at.get("component_instance")]
    at.run()
    assert [json.loads(c.proto.json_args)["key"] for c in at.get("component_instance")] == first


def _dual_both_ways() -> None:
    from streamlit_folium import st_folium

    from dashboard import cache
    from dashboard.core import maps
    from dashboard.ui import fast_map

    layers = ["protected_areas_russia"]
    options = maps.MapOptions(lang="zh", layers=frozenset(layers), collections=cache.display_collection)
    fresh = maps.build_compare_map(cache.atlas(), "range_c1900", "range_present", options)
    st_folium(fresh, key="compare_real", height=430, use_container_width=True, returned_objects=[])
    fast_map.show(cache.compare_map("range_c1900", "range_present", "zh", layers), [], key="compare_fast",
                  height=430, returned_objects=[], hash_key=cache.map_component_key)


def test_shared_compare_maps_send_what_st_folium_sends() -> None:
    fast = _fast_args_equal_st_foliums(_dual_both_ways)
    assert "map_div2" in fast["script"] and "range_c1900" in fast["script"] and "range_present" in fast["script"]
