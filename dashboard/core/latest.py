"""The latest figure for each region, and how old the only joint world estimate is (the Population page's summary).

Russia, China and the joint estimates are chosen separately and never added together: many leopards use
both countries. Within a region the latest season wins; among figures for the same season, a modelled
point estimate beats a bare minimum or a range, and adults beat other units.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.core.i18n import date_text, number, plural, sentence_gap, t

REGIONS = ("russia", "china", "global")
UNIT_RANK = {"adults": 0, "not_stated": 1, "all": 2, "adults_and_cubs": 3}


@dataclass(frozen=True)
class Latest:
    """One region's latest estimate: the row itself, plus the figure written out in a language."""

    region: str
    row: dict[str, Any]

    @property
    def season_end(self) -> int:
        return int(self.row["period_end"])


def _present(value: Any) -> bool:
    return value is not None and not pd.isna(value)


def latest_by_region(population: pd.DataFrame) -> dict[str, Latest]:
    """The latest estimate of each region that has one (repeats, marked by ``repeat_of``, never count)."""
    chosen: dict[str, Latest] = {}
    if not len(population):
        return chosen
    rows = population
    if "repeat_of" in rows:
        rows = rows[rows["repeat_of"].isna()]
    for region in REGIONS:
        candidates = rows[rows["region"] == region].to_dict("records")
        if not candidates:
            continue

        def key(row: dict[str, Any]) -> tuple:
            return (int(row["period_end"]), _present(row.get("point")), -UNIT_RANK.get(row.get("unit"), 9),
                    str(row.get("announced") or ""))

        chosen[region] = Latest(region, max(candidates, key=key))
    return chosen


def figure_text(row: dict[str, Any], lang: str) -> str:
    """"129", "84 (70–108)", "at least 80", "no more than 30", "25–30", in the language's number format."""
    low, point, high = (row.get(name) for name in ("low", "point", "high"))
    if _present(point):
        text = number(point, lang)
        if _present(low) and _present(high):
            text += f" ({number(low, lang)}–{number(high, lang)})"
        return text
    if _present(low) and _present(high):
        return f"{number(low, lang)}–{number(high, lang)}"
    if _present(low):
        return t("latest.at_least", lang, value=number(low, lang))
    return t("latest.no_more_than", lang, value=number(high, lang))


def cubs_count(row: dict[str, Any], lang: str) -> str:
    """The cubs reported beside a figure: "14", "5–6", "at least 14", or "" when none were reported."""
    low, high = row.get("cubs_low"), row.get("cubs_high")
    if _present(low) and _present(high):
        return number(low, lang) if low == high else f"{number(low, lang)}–{number(high, lang)}"
    if _present(low) or _present(high):
        return t("latest.at_least", lang, value=number(low if _present(low) else high, lang))
    return ""


def cubs_text(row: dict[str, Any], lang: str) -> str:
    """The cubs reported beside the figure: "+ at least 14 cubs" beside adults; beside a figure whose unit is
    not stated (the cubs may be in it) only "cubs reported: at least 15"; or "" when none were reported."""
    count = cubs_count(row, lang)
    if not count:
        return ""
    return t("latest.cubs" if row.get("unit") == "adults" else "latest.cubs_reported", lang, count=count)


def _years(row: dict[str, Any]) -> str:
    start, end = int(row["period_start"]), int(row["period_end"])
    return str(start) if start == end else f"{start}–{end}"


def season_text(row: dict[str, Any], lang: str) -> str:
    """"2023 season", "2014–2015", or, when only the announcement is known, nothing (the date says it)."""
    if row.get("season_basis") == "announcement_year":
        return ""
    return t("latest.season", lang, years=_years(row))


def region_sentence(latest: Latest, lang: str) -> str:
    """One region's latest figure, e.g. "Russia: 129 adults + at least 14 cubs (2023 season; announced 5 April 2024)"."""
    row = latest.row
    counted = t(f"latest.unit.{row['unit']}", lang, figure=figure_text(row, lang))
    text = t("latest.region", lang, region=t(f"region.{latest.region}", lang), counted=counted,
             cubs=cubs_text(row, lang))
    announced = t("latest.announced", lang, date=date_text(row["announced"], lang)) if _present(row.get("announced")) else ""
    when = t("latest.comma", lang).join(part for part in (season_text(row, lang), announced) if part)
    return t("latest.with_when", lang, text=text, when=when) if when else text


def joint_age_sentence(latest: Latest | None, data_year: int | None, lang: str) -> str:
    """How old the joint world estimate is at the data date, and that no newer one exists."""
    if latest is None:
        return t("latest.no_joint", lang)
    if data_year is None:
        return t("latest.joint_age_unknown", lang, years=_years(latest.row))
    age = data_year - latest.season_end
    return t(f"latest.joint_age.{plural(age, lang)}", lang, years=_years(latest.row), age=age)


def latest_summary(population: pd.DataFrame, lang: str, data_year: int | None) -> list[str]:
    """The Population page's "latest figures": one sentence per region, then the joint estimate's age."""
    latest = latest_by_region(population)
    sentences = [region_sentence(latest[region], lang) for region in REGIONS if region in latest]
    return sentences + [joint_age_sentence(latest.get("global"), data_year, lang)]


def latest_paragraph(population: pd.DataFrame, lang: str, data_year: int | None) -> str:
    """The regions' latest figures as one sentence, then the joint estimate's age as another."""
    *regions, joint = latest_summary(population, lang, data_year)
    if not regions:
        return joint
    return t("latest.separator", lang).join(regions) + t("latest.end", lang) + sentence_gap(lang) + joint
