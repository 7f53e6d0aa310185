"""The CSV tables under data/tables/: a pandera schema each, and a loader that reports every problem."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dashboard.core.validation import CONFIDENCE_LEVELS, ISO_PARTIAL_DATE, TRANSLATION_LANGUAGES, Problem

SOURCE_KINDS = ("journal", "report", "book", "government", "news", "web", "encyclopedia", "dataset", "ngo")
REGIONS = ("russia", "china", "global")
# What a figure counts, as its source states it: adults only (cubs, if reported, go in cubs_low/cubs_high),
# adults and cubs together, every individual, or "leopards" without saying whether cubs are included.
UNITS = ("adults", "adults_and_cubs", "all", "not_stated")
# How the period_start..period_end of a population row is known: the source names the season counted ("stated"),
# we infer it and say how in the note ("inferred"), or only the year it was made public is known
# ("announcement_year": then the period is that year).
SEASON_BASES = ("stated", "inferred", "announcement_year")
METHODS = ("snow-track", "camera-trap", "genetic", "expert", "compilation", "sign-survey")
PRECISIONS = ("day", "month", "year")
COUNTRIES = ("russia", "china", "korea", "international")
EVENT_KINDS = ("protected_area", "census", "policy", "infrastructure", "science", "threat", "record")
# The verdict on a checked claim (the quiz scores answers against it: dashboard/core/quiz.py).
VERDICTS = ("fact", "partly_true", "misleading", "outdated", "myth", "no_source")
PLACE_KINDS = ("city", "town", "village", "river", "mountain", "lake", "bay", "peninsula", "reserve", "border")

_ID = pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), unique=True)
_TEXT = pa.Column(str, pa.Check.str_length(min_value=1))
_OPTIONAL_TEXT = pa.Column(str, nullable=True)
# A translation of a text column (``<column>_ru``, ``<column>_zh``): may be absent or empty (English is shown).
_TRANSLATION = pa.Column(str, nullable=True, required=False)
_CONFIDENCE = pa.Column(str, pa.Check.isin(CONFIDENCE_LEVELS))
_SOURCE_IDS = pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+(;[a-z0-9_]+)*$"))
_DATE = pa.Column(str, pa.Check(lambda s: s.str.match(ISO_PARTIAL_DATE.pattern), name="date like 2012-04-05, 2001-12 or 2005"))
_COUNT = pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True)


def _low_le_point_le_high(df: pd.DataFrame) -> pd.Series:
    low, point, high = df["low"], df["point"], df["high"]
    ok = (low.isna() | high.isna() | (low <= high))
    ok &= (low.isna() | point.isna() | (low <= point))
    ok &= (point.isna() | high.isna() | (point <= high))
    return ok


def _has_a_figure(df: pd.DataFrame) -> pd.Series:
    return df[["low", "point", "high"]].notna().any(axis=1)


def _year(value: object) -> float:
    return float(str(value)[:4]) if isinstance(value, str) and value else float("nan")


def _announced_not_before_season(df: pd.DataFrame) -> pd.Series:
    announced = df["announced"].map(_year)
    return announced.isna() | (announced >= df["period_start"].astype(float))


def _announcement_year_is_the_period(df: pd.DataFrame) -> pd.Series:
    """A row known only by its announcement year is plotted at that year, and must say the year."""
    announced = df["announced"].map(_year)
    only_announced = df["season_basis"] == "announcement_year"
    same = (announced == df["period_start"].astype(float)) & (announced == df["period_end"].astype(float))
    return ~only_announced | same


def _inferred_season_is_explained(df: pd.DataFrame) -> pd.Series:
    return (df["season_basis"] != "inferred") | df["note"].fillna("").str.strip().ne("")


def _cubs_only_beside_adults(df: pd.DataFrame) -> pd.Series:
    """Cubs counted apart only make sense when the figure itself leaves them out (or does not say)."""
    has_cubs = df[["cubs_low", "cubs_high"]].notna().any(axis=1)
    return ~has_cubs | df["unit"].isin(["adults", "not_stated"])


def _cubs_low_le_high(df: pd.DataFrame) -> pd.Series:
    return df["cubs_low"].isna() | df["cubs_high"].isna() | (df["cubs_low"] <= df["cubs_high"])


_COUNT_CHECKS = [
    pa.Check(_low_le_point_le_high, name="low ≤ point ≤ high"),
    pa.Check(_has_a_figure, name="at least one of low, point, high"),
]

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "sources": pa.DataFrameSchema({
        "id": _ID, "citation": _TEXT,
        "url": pa.Column(str, pa.Check.str_startswith("http"), nullable=True),
        "kind": pa.Column(str, pa.Check.isin(SOURCE_KINDS)),
        "year": pa.Column("Int64", pa.Check.in_range(1800, 2030), nullable=True, coerce=True),
        "confidence": _CONFIDENCE, "note": _OPTIONAL_TEXT,
    }, strict=False),
    # One row per published estimate. period_start..period_end is the season the figure measures;
    # ``announced`` the date it was first made public (they differ: the 2023 season was announced in April 2024).
    # source_family names who produced the figure; a figure repeated by others is one row (repeats go in the note),
    # or, if it must be listed twice, the second row names the first in repeat_of and is not plotted.
    "population": pa.DataFrameSchema({
        "id": _ID,
        "region": pa.Column(str, pa.Check.isin(REGIONS)),
        "period_start": pa.Column("Int64", pa.Check.in_range(1900, 2030), coerce=True),
        "period_end": pa.Column("Int64", pa.Check.in_range(1900, 2030), coerce=True),
        "season_basis": pa.Column(str, pa.Check.isin(SEASON_BASES)),
        "announced": pa.Column(str, pa.Check(lambda s: s.str.match(ISO_PARTIAL_DATE.pattern),
                                             name="date like 2012-04-05, 2001-12 or 2005"), nullable=True),
        "scope": _OPTIONAL_TEXT,
        "low": _COUNT, "high": _COUNT, "point": _COUNT,
        "unit": pa.Column(str, pa.Check.isin(UNITS)),
        "cubs_low": _COUNT, "cubs_high": _COUNT,
        "method": pa.Column(str, pa.Check.isin(METHODS)),
        "source_family": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$")),
        "repeat_of": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), nullable=True, required=False),
        "source_ids": _SOURCE_IDS, "confidence": _CONFIDENCE, "note": _OPTIONAL_TEXT,
        **{f"{field}_{lang}": _TRANSLATION for field in ("scope", "note") for lang in TRANSLATION_LANGUAGES},
    }, checks=_COUNT_CHECKS + [
        pa.Check(lambda df: df["period_start"] <= df["period_end"], name="period_start ≤ period_end"),
        pa.Check(_announced_not_before_season, name="announced not before the season starts"),
        pa.Check(_announcement_year_is_the_period, name="announcement_year: period is the announced year"),
        pa.Check(_inferred_season_is_explained, name="inferred season explained in the note"),
        pa.Check(_cubs_only_beside_adults, name="cubs apart only beside adults or an unstated unit"),
        pa.Check(_cubs_low_le_high, name="cubs_low ≤ cubs_high"),
    ], strict=False),
    "events": pa.DataFrameSchema({
        "id": _ID, "date": _DATE, "date_precision": pa.Column(str, pa.Check.isin(PRECISIONS)),
        "title": _TEXT, "description": _TEXT, "country": pa.Column(str, pa.Check.isin(COUNTRIES)),
        "kind": pa.Column(str, pa.Check.isin(EVENT_KINDS)), "chart": pa.Column(bool, coerce=True),
        "source_ids": _SOURCE_IDS, "confidence": _CONFIDENCE,
    }, strict=False),
    # A checked claim. seed_ids: the claim ids (seed_claims.csv) of the popular articles it answers;
    # quiz: whether the classroom quiz asks it.
    "myths": pa.DataFrameSchema({
        "id": _ID, "claim": _TEXT,
        "seed_ids": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+(;[a-z0-9_]+)*$"), nullable=True),
        "quiz": pa.Column(bool, coerce=True),
        "verdict": pa.Column(str, pa.Check.isin(VERDICTS)), "correction": _TEXT, "source_ids": _SOURCE_IDS,
        **{f"{field}_{lang}": _TRANSLATION for field in ("claim", "correction") for lang in TRANSLATION_LANGUAGES},
    }, strict=False),
    "captive": pa.DataFrameSchema({
        "id": _ID, "date": _DATE, "date_precision": pa.Column(str, pa.Check.isin(PRECISIONS)),
        "low": _COUNT, "high": _COUNT, "point": _COUNT, "description": _TEXT,
        "source_ids": _SOURCE_IDS, "confidence": _CONFIDENCE,
    }, checks=_COUNT_CHECKS, strict=False),
    "places": pa.DataFrameSchema({
        "id": _ID, "name_en": _TEXT, "name_ru": _OPTIONAL_TEXT, "name_zh": _OPTIONAL_TEXT,
        "kind": pa.Column(str, pa.Check.isin(PLACE_KINDS)),
        "lat": pa.Column(float, pa.Check.in_range(33, 55), coerce=True),
        "lon": pa.Column(float, pa.Check.in_range(115, 145), coerce=True),
        "source_ids": _SOURCE_IDS, "confidence": _CONFIDENCE,
        "label": pa.Column(str, pa.Check.isin(("major", "minor"))),
    }, strict=False),
}

# Tables whose rows cite sources (every id must resolve in sources.csv).
CITING_TABLES = ("population", "events", "myths", "captive", "places")


def split_ids(value: object) -> list[str]:
    """``"a;b"`` -> ``["a", "b"]``; empty or missing -> ``[]``."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


# Row checks span several fields: name them and show their values in the message.
ROW_CHECK_FIELDS = {
    "low ≤ point ≤ high": ("low", "point", "high"),
    "at least one of low, point, high": ("low", "point", "high"),
    "period_start ≤ period_end": ("period_start", "period_end"),
    "announced not before the season starts": ("announced", "period_start"),
    "announcement_year: period is the announced year": ("season_basis", "announced", "period_start", "period_end"),
    "inferred season explained in the note": ("season_basis", "note"),
    "cubs apart only beside adults or an unstated unit": ("unit", "cubs_low", "cubs_high"),
    "cubs_low ≤ cubs_high": ("cubs_low", "cubs_high"),
}


def _problems_from_errors(errors: pa.errors.SchemaErrors, filename: str, frame: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    cases = errors.failure_cases
    for _, case in cases.iterrows():
        index = case.get("index")
        where = f"row {int(index) + 2}" if isinstance(index, (int, float)) and not pd.isna(index) else "whole table"
        column = case.get("column")
        column = "" if column is None or (isinstance(column, float) and pd.isna(column)) else str(column)
        check = str(case.get("check"))
        value = case.get("failure_case")
        if check in ROW_CHECK_FIELDS and isinstance(index, (int, float)) and not pd.isna(index):
            fields = ROW_CHECK_FIELDS[check]
            row = frame.loc[int(index)]
            shown = ", ".join(f"{f}={'empty' if pd.isna(row.get(f)) else row.get(f)}" for f in fields)
            problems.append(Problem(filename, where, "/".join(fields), f"{check} is not true ({shown})"))
        elif check == "column_in_dataframe":
            problems.append(Problem(filename, "header", str(value), "required column is missing"))
        elif check.startswith("not_nullable"):
            problems.append(Problem(filename, where, column, "missing value"))
        elif check == "field_uniqueness":
            problems.append(Problem(filename, where, column, f"duplicate value '{value}'"))
        elif column:
            problems.append(Problem(filename, where, column, f"value '{value}' fails check: {check}"))
        else:
            problems.append(Problem(filename, where, "", f"row fails check: {check}"))
    # one message per (row, field, text) is enough
    return list(dict.fromkeys(problems))


def validate_table(name: str, raw: bytes, filename: str | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse and validate one CSV table. Returns (frame or None, problems)."""
    filename = filename or f"{name}.csv"
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        return None, [Problem(filename, "", "", f"cannot parse CSV: {str(err).strip()}")]
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].str.strip()
    bool_columns = [c for c, col in SCHEMAS[name].columns.items() if str(col.dtype) == "bool" and c in frame]
    for column in bool_columns:
        frame[column] = frame[column].str.lower().map({"true": True, "false": False, "1": True, "0": False})
    try:
        return SCHEMAS[name].validate(frame, lazy=True), []
    except pa.errors.SchemaErrors as errors:
        return None, _problems_from_errors(errors, filename, frame)


def load_table(name: str, tables_dir: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``<tables_dir>/<name>.csv`` and validate it against its schema."""
    filename = f"{name}.csv"
    try:
        raw = (tables_dir / filename).read_bytes()
    except OSError as err:
        return None, [Problem(filename, "", "", f"cannot read file: {err.strerror}")]
    return validate_table(name, raw, filename)


def unknown_source_problems(frame: pd.DataFrame, filename: str, known: set[str]) -> list[Problem]:
    """A problem for each ``source_ids`` entry that is not in sources.csv."""
    problems = []
    for position, value in enumerate(frame.get("source_ids", pd.Series(dtype=str))):
        for source_id in split_ids(value):
            if source_id not in known:
                problems.append(Problem(filename, f"row {position + 2}", "source_ids",
                                        f"unknown source id '{source_id}' (not in sources.csv)"))
    return problems
