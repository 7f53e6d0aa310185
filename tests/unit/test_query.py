"""Query parameters are read through an allow-list: bad values fall back, never raise."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.query import ALLOWED, ViewState, parse_view, to_params

ERAS = ["range_c1900", "range_1970s", "range_present"]
LAYERS = ["protected_areas_russia", "protected_areas_china", "records"]
DEFAULT = ViewState(era="range_present", layers=("protected_areas_russia",))


def test_valid_values_round_trip() -> None:
    view = ViewState(page="compare", era="range_1970s", layers=("records",), step=3, lang="ru", presenter=True)
    params = to_params(view, DEFAULT)
    parsed, ignored = parse_view(params, DEFAULT, ERAS, LAYERS, steps=10)
    assert ignored == [] and parsed == view


def test_bad_values_fall_back_and_are_named() -> None:
    params = {"era": "range_3000", "lang": "fr", "step": "99", "layers": "<script>", "page": "admin",
              "presenter": "maybe", "evil": "x"}
    parsed, ignored = parse_view(params, DEFAULT, ERAS, LAYERS, steps=10)
    assert parsed == DEFAULT
    assert sorted(ignored) == sorted(["era", "lang", "step", "layers", "page", "presenter"])  # 'evil' is not even read


def test_list_values_use_the_first() -> None:
    parsed, _ = parse_view({"lang": ["zh", "ru"]}, DEFAULT, ERAS, LAYERS, steps=3)
    assert parsed.lang == "zh"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(ALLOWED) + ["other", ""]),
                       st.one_of(st.text(max_size=600), st.lists(st.text(max_size=50), max_size=3)), max_size=8))
def test_random_params_never_raise(params: dict) -> None:
    parsed, ignored = parse_view(params, DEFAULT, ERAS, LAYERS, steps=10)
    assert parsed.era in ERAS and parsed.lang in ("en", "ru", "zh") and 1 <= parsed.step <= 10
    assert set(parsed.layers) <= set(LAYERS)
    assert set(ignored) <= set(ALLOWED)
