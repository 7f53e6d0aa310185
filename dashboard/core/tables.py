"""The CSV tables under data/tables/: a pandera schema each, and a loader that reports every problem."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dashboard.core.validation import CONFIDENCE_LEVELS, ISO_PARTIAL_DATE, TRANSLATION_LANGUAGES, Problem

SOURCE_KINDS = ("journal", "report", "book", "government", "news", "web", "encyclopedia", "dataset", "ngo")
REGIONS = ("russia", "china", "global")
UNITS = ("adults", "adults_and_cubs", "all")
METHODS = ("snow-track", "camera-trap", "genetic", "expert", "compilation", "sign-survey")
PRECISIONS = ("day", "month", "year")
COUNTRIES = ("russia", "china", "korea", "international")
EVENT_KINDS = ("protected_area", "census", "policy", "infrastructure", "science", "threat", "record")
VERDICTS = ("fact", "roughly_right", "myth", "outdated", "misleading", "unsourced", "unverified")
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
    "population": pa.DataFrameSchema({
        "id": _ID,
        "period_start": pa.Column("Int64", pa.Check.in_range(1900, 2030), coerce=True),
        "period_end": pa.Column("Int64", pa.Check.in_range(1900, 2030), coerce=True),
        "region": pa.Column(str, pa.Check.isin(REGIONS)), "scope": _OPTIONAL_TEXT,
        "low": _COUNT, "high": _COUNT, "point": _COUNT,
        "unit": pa.Column(str, pa.Check.isin(UNITS)), "method": pa.Column(str, pa.Check.isin(METHODS)),
        "source_ids": _SOURCE_IDS, "confidence": _CONFIDENCE, "note": _OPTIONAL_TEXT,
        **{f"{field}_{lang}": _TRANSLATION for field in ("scope", "note") for lang in TRANSLATION_LANGUAGES},
    }, checks=_COUNT_CHECKS + [
        pa.Check(lambda df: df["period_start"] <= df["period_end"], name="period_start ≤ period_end"),
    ], strict=False),
    "events": pa.DataFrameSchema({
        "id": _ID, "date": _DATE, "date_precision": pa.Column(str, pa.Check.isin(PRECISIONS)),
        "title": _TEXT, "description": _TEXT, "country": pa.Column(str, pa.Check.isin(COUNTRIES)),
        "kind": pa.Column(str, pa.Check.isin(EVENT_KINDS)), "chart": pa.Column(bool, coerce=True),
        "source_ids": _SOURCE_IDS, "confidence": _CONFIDENCE,
    }, strict=False),
    "myths": pa.DataFrameSchema({
        "id": _ID, "claim": _TEXT, "is_fact": pa.Column(bool, coerce=True),
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
