"""The data's own prose in Russian and Chinese: present for every English text, and faithful in its figures.

Myths (``claim``, ``correction`` in data/tables/myths.csv), the ``scope`` (area covered) and ``note`` of every
population estimate, the ``description`` / ``method`` of every GeoJSON feature and the ``designation`` / ``changes``
of every protected area have ``_ru`` and ``_zh`` versions. A wrong number in a translation is a bug, so each
translation must carry the same sequence of numbers as the English (digit grouping aside: "1,087",
"1 087" and "1\u202f087" are all 1087; Russian writes a decimal comma, "43,35" for "43.35"; dates are compared as
dates, since "26 March 2016" is "2016年3月26日" in Chinese, and "November-December 2001" is "2001年11月至12月") and
cite the same source ids. Version and section numbers ("v4.1.0", "§2.1") keep their points in every language.
"""
from __future__ import annotations

import csv
import json
import re

import pytest

from dashboard.core.paths import REPO_ROOT

DATA = REPO_ROOT / "data"
LANGS = ("ru", "zh")
SCRIPT = {"ru": re.compile(r"[\u0400-\u04FF]"), "zh": re.compile(r"[\u4e00-\u9fff]")}
MYTH_FIELDS = ("claim", "correction")
POPULATION_FIELDS = ("scope", "note")
FEATURE_FIELDS = ("description", "method", "designation", "changes")

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
MONTHS_RU = ("январ[ьяе]", "феврал[ьяе]", "март[ае]?", "апрел[ьяе]", "ма[йяе]", "июн[ьяе]", "июл[ьяе]",
             "август[ае]?", "сентябр[ьяе]", "октябр[ьяе]", "ноябр[ьяе]", "декабр[ьяе]")
_EN = "|".join(MONTHS_EN)
_RU = "|".join(f"(?:{m})" for m in MONTHS_RU)
DATE = {  # an optional first month makes a month range: "November-December 2001"
    "en": re.compile(rf"\b(?:(?P<first>{_EN})[-–])?(?:(?P<day>\d{{1,2}}) )?(?P<month>{_EN}) (?P<year>\d{{4}})\b"),
    "ru": re.compile(rf"\b(?:(?P<first>{_RU})[-–])?(?:(?P<day>\d{{1,2}}) )?(?P<month>{_RU}) (?P<year>\d{{4}})\b",
                     re.IGNORECASE),
    "zh": re.compile(r"(?P<year>\d{4})年(?:(?P<first>\d{1,2})月?[-–至到])?(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日)?"),
}
GROUP = {"en": "[ ,\u202f\u00a0]", "zh": "[ ,\u202f\u00a0]", "ru": "[ \u202f\u00a0]"}  # thousands
DECIMAL = {"en": ".", "zh": ".", "ru": ","}
TOKEN = {lang: re.compile(rf"(?P<mark>@(?:DATE|REF)[0-9./-]+@)|"
                          rf"(?P<number>\d+(?:{GROUP[lang]}\d{{3}}(?!\d))*(?:{re.escape(DECIMAL[lang])}\d+)?)")
         for lang in GROUP}
REFERENCE = re.compile(r"(?<=[v§])\d+(?:\.\d+)+")  # a version or section number: v4.1.0, §2.1


def _month_number(name: str, lang: str) -> int:
    if lang == "zh":
        return int(name)
    if lang == "en":
        return MONTHS_EN.index(name) + 1
    return next(i for i, stem in enumerate(MONTHS_RU, start=1) if re.fullmatch(stem, name, re.IGNORECASE))


def figures(text: str, lang: str) -> list[str]:
    """The numbers and dates of ``text`` in order: "1 087" -> "1087", "5 April 2012" -> "@DATE2012-04-05@",
    "November-December 2001" -> "@DATE2001-11..12@"."""
    def date(match: re.Match[str]) -> str:
        day = f"-{int(match['day']):02d}" if match["day"] else ""
        first = f"{_month_number(match['first'], lang):02d}.." if match["first"] else ""
        return f"@DATE{match['year']}-{first}{_month_number(match['month'], lang):02d}{day}@"

    text = REFERENCE.sub(lambda match: f"@REF{match[0]}@", DATE[lang].sub(date, text))
    return [m["mark"] or re.sub(GROUP[lang], "", m["number"]).replace(DECIMAL[lang], ".")
            for m in TOKEN[lang].finditer(text)]


def known_source_ids() -> set[str]:
    with open(DATA / "tables" / "sources.csv", encoding="utf-8", newline="") as fh:
        return {row["id"] for row in csv.DictReader(fh)}


def source_ids_in(text: str, known: set[str]) -> list[str]:
    return [word for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text) if word in known]


def texts() -> list:
    """(record, field) for every myth text and every feature text (description, method, designation, changes)."""
    cases = []
    with open(DATA / "tables" / "myths.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for field in MYTH_FIELDS:
                cases.append(pytest.param(row, field, id=f"{row['id']}.{field}"))
    with open(DATA / "tables" / "population.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for field in POPULATION_FIELDS:
                if row[field].strip():
                    cases.append(pytest.param(row, field, id=f"{row['id']}.{field}"))
    with open(DATA / "tables" / "events.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("title_ru") or row.get("title_zh"):
                cases.append(pytest.param(row, "title", id=f"{row['id']}.title"))
    locales = {lang: json.loads((REPO_ROOT / "dashboard" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
               for lang in ("en", *LANGS)}
    for key in sorted(k for k in locales["en"] if k.startswith("story.")):
        record = {"text": locales["en"][key], **{f"text_{lang}": locales[lang].get(key) for lang in LANGS}}
        cases.append(pytest.param(record, "text", id=key))
    catalog = json.loads((DATA / "catalog.json").read_text(encoding="utf-8"))
    for layer in catalog["layers"]:
        collection = json.loads((DATA / layer["file"]).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            props = feature["properties"]
            for field in FEATURE_FIELDS:
                if isinstance(props.get(field), str) and props[field].strip():
                    cases.append(pytest.param(props, field, id=f"{props['id']}.{field}"))
    return cases


CASES = texts()


def _rows(name: str) -> list[dict]:
    with open(DATA / "tables" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_texts_are_found() -> None:
    ids = {case.id for case in CASES}
    assert len([i for i in ids if i.startswith("myth_")]) == 2 * len(_rows("myths")) > 2 * 40
    population = _rows("population")
    assert len([i for i in ids if i.startswith("pop_") and i.endswith(".scope")]) == len(population) > 40
    assert len([i for i in ids if i.startswith("pop_") and i.endswith(".note")]) == len(population)
    assert {"story.s07_china_photos.text", "story.s11_today.text", "ev_2024_land_of_big_cats.title"} <= ids
    assert {"range_c1900.description", "range_c1900.method", "rec_seoul_19th_century.method",
            "pa_hunchun.method", "pa_ne_china_tiger_leopard.method", "basemap_cn_jilin.method"} <= ids
    protected_areas = [json.loads((DATA / "geo" / f"protected_areas_{country}.geojson").read_text(encoding="utf-8"))
                       for country in ("russia", "china")]
    pa_ids = [f["properties"]["id"] for collection in protected_areas for f in collection["features"]]
    assert len(pa_ids) == 10
    assert {f"{fid}.{field}" for fid in pa_ids for field in ("designation", "changes")} <= ids


@pytest.mark.parametrize("record,field", CASES)
def test_every_english_text_has_russian_and_chinese(record: dict, field: str) -> None:
    for lang in LANGS:
        text = record.get(f"{field}_{lang}")
        assert isinstance(text, str) and text.strip(), f"{field}_{lang} is missing or empty"
        assert SCRIPT[lang].search(text), f"{field}_{lang} is not written in {lang}: {text!r}"
        assert text != record[field]


@pytest.mark.parametrize("record,field", CASES)
def test_translations_keep_every_number_and_date(record: dict, field: str) -> None:
    english = figures(record[field], "en")
    for lang in LANGS:
        translated = figures(record.get(f"{field}_{lang}") or "", lang)
        assert translated == english, (f"{field}_{lang}: numbers {translated} differ from the English {english}\n"
                                       f"  en: {record[field]}\n  {lang}: {record.get(f'{field}_{lang}')}")


@pytest.mark.parametrize("record,field", CASES)
def test_translations_cite_the_same_sources(record: dict, field: str) -> None:
    known = known_source_ids()
    english = source_ids_in(record[field], known)
    for lang in LANGS:
        assert source_ids_in(record.get(f"{field}_{lang}") or "", known) == english, f"{field}_{lang}"


@pytest.mark.parametrize("text,lang,expected", [
    ("sized to 1,087 km²; 42.41-43.47 N", "en", ["1087", "42.41", "43.47"]),
    ("подогнана к 1 087 км² и 10\u202f709 км²; 42,41-43,47° с. ш.", "ru", ["1087", "10709", "42.41", "43.47"]),
    ("v4.1.0 (допуск 0,004°), §2.1", "ru", ["@REF4.1.0@", "0.004", "@REF2.1@"]),
    ("v4.1.0 (tolerance 0.004 deg), §2.1", "en", ["@REF4.1.0@", "0.004", "@REF2.1@"]),
    ("面积调整为1,087平方千米", "zh", ["1087"]),
    ("it opened on 26 March 2016, in 2013-16", "en", ["@DATE2016-03-26@", "2013", "16"]),
    ("его открыли 26 марта 2016 года; март 2009 года", "ru", ["@DATE2016-03-26@", "@DATE2009-03@"]),
    ("它于2016年3月26日开通；2012年4月公布", "zh", ["@DATE2016-03-26@", "@DATE2012-04@"]),
    ("in November-December 2001 (88,913 ha)", "en", ["@DATE2001-11..12@", "88913"]),
    ("в ноябре–декабре 2001 года (88\u202f913 га)", "ru", ["@DATE2001-11..12@", "88913"]),
    ("2001年11月至12月建为省级保护区（88,913公顷）", "zh", ["@DATE2001-11..12@", "88913"]),
    ("18\u202f044,8 га; 2017–2021 годов", "ru", ["18044.8", "2017", "2021"]),
    ("в 1916, 1925 и 1951 годах", "ru", ["1916", "1925", "1951"]),
])
def test_figures(text: str, lang: str, expected: list[str]) -> None:
    assert figures(text, lang) == expected


@pytest.mark.parametrize("record,field", CASES)
def test_russian_writes_decimal_commas(record: dict, field: str) -> None:
    text = REFERENCE.sub("", record.get(f"{field}_ru") or "")
    assert not re.search(r"\d\.\d", text), f"{field}_ru has a decimal point: {record.get(f'{field}_ru')}"


def test_a_changed_number_is_caught() -> None:
    assert figures("оценили в 84 (от 70 до 108)", "ru") != figures("estimated 84 (70-180)", "en")
    assert figures("2016年3月25日", "zh") != figures("26 March 2016", "en")
    assert figures("2001年11月建为省级保护区", "zh") != figures("in November-December 2001", "en")
    assert figures("18\u202f044.8 га", "ru") != figures("18,044.8 ha", "en")  # a decimal point in Russian
    assert figures("(4500 га); расширен до 17\u202f500 га в 1951 году", "ru") != \
        figures("(4,500 ha); enlarged in 1951 to 17,500 ha", "en")
