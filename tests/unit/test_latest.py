"""The Population page's latest figures: chosen per region, never added, and the joint estimate's age stated."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboard.core.i18n import date_text, sentence_gap
from dashboard.core.latest import figure_text, latest_by_region, latest_paragraph
from dashboard.core.loaders import load_atlas


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return load_atlas().tables["population"]


def test_each_region_shows_its_own_latest_estimate(population: pd.DataFrame) -> None:
    latest = latest_by_region(population)
    assert latest["russia"].row["id"] == "pop_ru_2023_adults"
    assert latest["china"].row["id"] == "pop_cn_2024"
    assert latest["global"].row["id"] == "pop_gl_2014_joint"  # the modelled estimate beats a bare minimum


def test_the_latest_figures_never_add_russia_and_china(population: pd.DataFrame) -> None:
    for lang in ("en", "ru", "zh"):
        text = latest_paragraph(population, lang, 2026)
        numbers = {int(n) for n in re.findall(r"\d+", text)}
        assert 129 in numbers and 80 in numbers and 84 in numbers
        assert not {129 + 80, 129 + 14 + 80, 129 + 60} & numbers, text


@pytest.mark.parametrize("lang,expected", [("en", "11 years before"), ("ru", "прошло 11 лет"), ("zh", "早11年")])
def test_the_joint_estimate_says_how_old_it_is(population: pd.DataFrame, lang: str, expected: str) -> None:
    assert expected in latest_paragraph(population, lang, 2026)


def test_the_russian_figure_is_adults_with_its_season_and_announcement(population: pd.DataFrame) -> None:
    text = latest_paragraph(population, "en", 2026)
    assert "Russia: 129 adults + at least 14 cubs, 2023 season, announced 5 April 2024" in text
    assert "China: 80, unit not stated" in text


def test_a_repeated_figure_is_never_the_latest(population: pd.DataFrame) -> None:
    china = population[population["id"] == "pop_cn_2012_2014"].iloc[0].to_dict()
    repeat = {**china, "id": "pop_cn_2030_repeat", "period_start": 2030, "period_end": 2030,
              "repeat_of": "pop_cn_2012_2014"}
    with_repeat = pd.concat([population, pd.DataFrame([repeat])], ignore_index=True)
    assert latest_by_region(with_repeat)["china"].row["id"] == "pop_cn_2024"


@pytest.mark.parametrize("row,text", [
    ({"low": 70.0, "point": 84.0, "high": 108.0}, "84 (70–108)"),
    ({"low": 80.0, "point": None, "high": None}, "at least 80"),
    ({"low": None, "point": None, "high": 30.0}, "no more than 30"),
    ({"low": 25.0, "point": None, "high": 30.0}, "25–30"),
])
def test_figures_are_written_out(row: dict, text: str) -> None:
    assert figure_text(row, "en") == text


@pytest.mark.parametrize("iso,lang,text", [
    ("2024-04-05", "en", "5 April 2024"), ("2024-04", "en", "April 2024"), ("2024", "en", "2024"),
    ("2024-04-05", "ru", "5 апреля 2024 года"), ("2024-04", "ru", "апрель 2024 года"),
    ("2024-04-05", "zh", "2024年4月5日"), ("2024-13", "en", "2024-13"), ("soon", "zh", "soon"),
])
def test_dates_are_written_as_each_language_writes_them(iso: str, lang: str, text: str) -> None:
    assert date_text(iso, lang) == text


def test_chinese_sentences_are_not_separated_by_spaces() -> None:
    assert sentence_gap("zh") == "" and sentence_gap("en") == " "
