"""Query parameters are read through an allow-list: bad values fall back, never raise."""
from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.query import ALLOWED, Choices, ViewState, parse_view, to_params

ERAS = ["range_c1900", "range_1970s", "range_present"]
LAYERS = ["protected_areas_russia", "protected_areas_china", "records"]
UNITS = ["adults", "all"]
REGIONS = ["russia", "china", "global"]
DEFAULT = ViewState(era="range_present", layers=("protected_areas_russia",), left="range_c1900", right="range_present",
                    units=tuple(UNITS), regions=tuple(REGIONS))
CHOICES = Choices(eras=ERAS, layers=LAYERS, units=UNITS, regions=REGIONS, steps=10)


@pytest.mark.parametrize("page", ["explore", "compare", "population", "sources", "classroom"])
def test_each_pages_view_round_trips_through_its_address(page: str) -> None:
    view = ViewState(page=page, era="range_1970s", layers=("records",), left="range_1970s", right="range_c1900",
                     units=("adults",), regions=(), step=3, lang="ru", presenter=True)
    params = to_params(view, DEFAULT)
    assert "page" not in params  # the page is the address's path
    parsed, ignored = parse_view(params, replace(DEFAULT, page=page), CHOICES)
    assert ignored == []
    kept = {"explore": ("era", "layers"), "compare": ("left", "right", "layers"), "population": ("units", "regions"),
            "sources": (), "classroom": ("step",)}[page]
    for name in ("era", "layers", "left", "right", "units", "regions", "step"):
        assert getattr(parsed, name) == getattr(view if name in kept else DEFAULT, name), name
    assert (parsed.lang, parsed.presenter) == ("ru", True)


def test_an_address_carries_only_what_differs_plus_the_language_and_the_step() -> None:
    assert to_params(replace(DEFAULT, page="explore"), DEFAULT) == {"lang": "en"}
    assert to_params(replace(DEFAULT, page="classroom"), DEFAULT) == {"step": "1", "lang": "en"}
    assert to_params(replace(DEFAULT, page="population", units=()), DEFAULT) == {"units": "none", "lang": "en"}
    assert to_params(replace(DEFAULT, page="sources", era="range_c1900"), DEFAULT) == {"lang": "en"}


def test_old_page_links_are_still_read() -> None:
    parsed, ignored = parse_view({"page": "compare", "left": "range_1970s"}, DEFAULT, CHOICES)
    assert ignored == [] and (parsed.page, parsed.left) == ("compare", "range_1970s")


def test_bad_values_fall_back_and_are_named() -> None:
    params = {"era": "range_3000", "lang": "fr", "step": "99", "layers": "<script>", "page": "admin",
              "presenter": "maybe", "left": "range_1800", "right": "", "units": "adults,cubs", "regions": "mars",
              "evil": "x"}
    parsed, ignored = parse_view(params, DEFAULT, CHOICES)
    assert parsed == DEFAULT
    assert sorted(ignored) == sorted(["era", "lang", "step", "layers", "page", "presenter", "left", "right", "units",
                                      "regions"])  # 'evil' is not even read


def test_lists_of_ids_keep_their_order_drop_repeats_and_accept_none() -> None:
    parsed, ignored = parse_view({"units": "all,adults,all", "regions": "none", "layers": ""}, DEFAULT, CHOICES)
    assert ignored == [] and parsed.units == ("all", "adults") and parsed.regions == () and parsed.layers == ()


def test_list_values_use_the_first() -> None:
    parsed, _ = parse_view({"lang": ["zh", "ru"]}, DEFAULT, CHOICES)
    assert parsed.lang == "zh"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(ALLOWED) + ["other", ""]),
                       st.one_of(st.text(max_size=600), st.lists(st.text(max_size=50), max_size=3)), max_size=8))
def test_random_params_never_raise(params: dict) -> None:
    parsed, ignored = parse_view(params, DEFAULT, CHOICES)
    assert {parsed.era, parsed.left, parsed.right} <= set(ERAS)
    assert parsed.lang in ("en", "ru", "zh") and 1 <= parsed.step <= 10
    assert set(parsed.layers) <= set(LAYERS) and set(parsed.units) <= set(UNITS) and set(parsed.regions) <= set(REGIONS)
    assert set(ignored) <= set(ALLOWED)
    # whatever was read writes an address that reads back to the same view
    for page in ("explore", "compare", "population", "classroom"):
        view = replace(parsed, page=page)
        again, dropped = parse_view(to_params(view, DEFAULT), replace(DEFAULT, page=page), CHOICES)
        assert dropped == [] and to_params(again, DEFAULT) == to_params(view, DEFAULT)
