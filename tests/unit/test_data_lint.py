"""Data lint: one test per data file, each listing every failure it finds (not one test per row).

These are the classes of error a review found in the figures: a unit or season missing or inconsistent, one
estimate plotted several times, a source with no address and no reason why, a source from a disinformation
network, a popular claim with no checked answer, a quiz question whose answer key disagrees with its verdict,
a release whose date is older than its newest figure.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dashboard.core import quiz
from dashboard.core.loaders import load_atlas
from dashboard.core.paths import REPO_ROOT
from dashboard.core.tables import UNITS, VERDICTS, split_ids

DATA = REPO_ROOT / "data"
TABLES = DATA / "tables"
# A source without an address must say why: not recorded, not kept in any copy we could read, no DOI, ...
NO_URL_REASON = re.compile(r"address|not recorded|stored copies|no DOI|repository|not identified", re.IGNORECASE)


def rows(name: str, folder: Path = TABLES) -> list[dict[str, str]]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def denied_domains(folder: Path = TABLES) -> set[str]:
    lines = (folder / "denied_domains.txt").read_text(encoding="utf-8").splitlines()
    return {line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def is_denied(url: str, denied: set[str]) -> bool:
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in denied)


def _figure(row: dict[str, str]) -> tuple[float | None, ...]:
    return tuple(float(row[k]) if row.get(k) else None for k in ("low", "point", "high"))


def population_failures(population: list[dict[str, str]]) -> list[str]:
    """Unit and season present and consistent; one row per estimate (repeats marked); repeats point home."""
    failures = []
    by_id = {row["id"]: row for row in population}
    seen: dict[tuple, str] = {}
    for row in population:
        where = row["id"]
        if row["unit"] not in UNITS:
            failures.append(f"{where}: unit {row['unit']!r} is not one of {UNITS}")
        if not row.get("season_basis") or not row.get("period_start") or not row.get("period_end"):
            failures.append(f"{where}: the season (period_start, period_end, season_basis) must be given")
            continue
        if int(row["period_end"]) >= 2012 and not row.get("announced"):
            failures.append(f"{where}: a figure for a season since 2012 must say when it was announced")
        if row.get("announced") and int(row["announced"][:4]) < int(row["period_start"]):
            failures.append(f"{where}: announced {row['announced']} before its season {row['period_start']}")
        if row["season_basis"] == "announcement_year" and not (
                row.get("announced", "")[:4] == row["period_start"] == row["period_end"]):
            failures.append(f"{where}: known only by its announcement, so its period must be the announced year")
        if (row.get("cubs_low") or row.get("cubs_high")) and row["unit"] in ("adults_and_cubs", "all"):
            failures.append(f"{where}: cubs are given apart, but the unit {row['unit']!r} already includes them")
        repeat = row.get("repeat_of")
        if repeat:
            home = by_id.get(repeat)
            if home is None or home["region"] != row["region"] or _figure(home) != _figure(row):
                failures.append(f"{where}: repeat_of {repeat!r} must name a row with the same region and figure")
            continue
        key = (row["region"], _figure(row), row["source_family"], row["unit"])
        if key in seen:
            failures.append(f"{where}: same region, figure, unit and source family as {seen[key]}; one estimate "
                            "repeated is one row (say so in its note, or mark the repeat with repeat_of)")
        seen.setdefault(key, where)
    return failures


def sources_failures(sources: list[dict[str, str]], denied: set[str]) -> list[str]:
    failures = []
    for row in sources:
        where = row["id"]
        url, note = row.get("url", ""), row.get("note", "")
        if not url and not NO_URL_REASON.search(note):
            failures.append(f"{where}: no URL or DOI, and the note does not say why ({note!r})")
        if url and is_denied(url, denied):
            failures.append(f"{where}: {url} is on the deny-list (denied_domains.txt)")
        doi = re.search(r"doi:\s*(10\.\S+?)\.?(\s|$)", row["citation"])
        if doi and doi.group(1).lower() not in url.lower():
            failures.append(f"{where}: the citation gives a DOI but the URL is not its doi.org address")
    return failures


def myths_failures(myths: list[dict[str, str]], seed_claims: list[dict[str, str]]) -> list[str]:
    failures = []
    claim_ids = [row["claim_id"] for row in seed_claims]
    answered = defaultdict(list)
    for row in myths:
        if row["verdict"] not in VERDICTS:
            failures.append(f"{row['id']}: verdict {row['verdict']!r} is not one of {VERDICTS}")
        for claim in split_ids(row.get("seed_ids")):
            answered[claim].append(row["id"])
    for claim in claim_ids:
        if claim not in answered:
            failures.append(f"seed claim {claim}: no myth row answers it (myths.csv seed_ids)")
        elif len(answered[claim]) > 1:
            failures.append(f"seed claim {claim}: answered by several rows {answered[claim]}")
    for claim in sorted(set(answered) - set(claim_ids)):
        failures.append(f"{answered[claim]}: seed id {claim!r} is not in seed_claims.csv")
    if len(set(claim_ids)) != len(claim_ids):
        failures.append("seed_claims.csv: a claim id is listed twice")
    for row in seed_claims:
        if len(row["paraphrase"]) > 160:
            failures.append(f"seed claim {row['claim_id']}: a paraphrase is one short line (<= 160 characters)")
    asked = {row["verdict"] for row in myths if row["quiz"] == "true"}
    if asked != set(VERDICTS):
        failures.append(f"the quiz must ask at least one claim of every verdict; missing {set(VERDICTS) - asked}")
    return failures


def release_failures(release: dict, population: list[dict[str, str]], events: list[dict[str, str]],
                     root: Path = REPO_ROOT) -> list[str]:
    failures = []
    as_of = dt.date.fromisoformat(release["data_as_of"])
    newest = max([row["announced"] for row in population if row.get("announced")] + [row["date"] for row in events])
    if newest[:10] > as_of.isoformat():
        failures.append(f"release.json: data_as_of {as_of} is older than the newest figure or event ({newest})")
    citation = (root / "CITATION.cff").read_text(encoding="utf-8")
    if f'version: "{release["version"]}"' not in citation:
        failures.append("CITATION.cff: its version must be the data release version")
    changelog = (root / release["changelog"]).read_text(encoding="utf-8")
    if f"## {release['version']}" not in changelog:
        failures.append(f"{release['changelog']}: no section for release {release['version']}")
    if not (root / "LICENSE-DATA").exists() or release["licence"]["id"] not in (root / "LICENSE-DATA").read_text():
        failures.append("LICENSE-DATA must exist and name the data licence of release.json")
    return failures


def test_population_table() -> None:
    failures = population_failures(rows("population"))
    assert not failures, "\n".join(failures)


def cited_source_ids(root: Path = DATA) -> set[str]:
    """Every source id the tables, the story and the map layers cite."""
    cited = {source for name in ("population", "events", "myths", "captive", "places")
             for row in rows(name, root / "tables") for source in split_ids(row["source_ids"])}
    cited |= {source for step in json.loads((root / "story.json").read_text(encoding="utf-8"))["steps"]
              for source in step["source_ids"]}
    for path in sorted((root / "geo").glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = feature["properties"]
            cited |= set(props.get("source_ids") or []) | {props.get("published_area_source_id")}
    return cited


def test_sources_table() -> None:
    sources = rows("sources")
    failures = sources_failures(sources, denied_domains())
    cited = cited_source_ids()
    failures += [f"{row['id']}: listed but cited nowhere" for row in sources if row["id"] not in cited]
    assert not failures, "\n".join(failures)


def test_myths_answer_every_seed_claim() -> None:
    failures = myths_failures(rows("myths"), rows("seed_claims"))
    assert not failures, "\n".join(failures)


def test_release_is_not_older_than_its_data() -> None:
    release = json.loads((DATA / "release.json").read_text(encoding="utf-8"))
    failures = release_failures(release, rows("population"), rows("events"))
    assert not failures, "\n".join(failures)


def test_the_data_loads_without_a_problem() -> None:
    atlas = load_atlas()
    assert atlas.problems == []
    assert atlas.release is not None


def test_the_c1900_range_states_its_taxonomic_scope() -> None:
    steps = json.loads((DATA / "story.json").read_text(encoding="utf-8"))["steps"]
    c1900 = [step for step in steps if step["era"] == "range_c1900"]
    assert c1900 and {"jacobson2016", "kitchener2017"} <= set(c1900[0]["source_ids"])


def test_no_text_repeats_the_false_first_photo_in_china() -> None:
    """Leopards were photographed in China in 2010 and September 2011: April 2012 was not the first."""
    texts = [" ".join(row.values()) for name in ("events", "myths") for row in rows(name)]
    texts += json.loads((REPO_ROOT / "dashboard" / "locales" / "en.json").read_text(encoding="utf-8")).values()
    false_first = re.compile(r"(first|earliest)[^.]{0,60}camera.trap[^.]{0,60}(in|of) China[^.]{0,80}2012"
                             r"|2012[^.]{0,80}first[^.]{0,40}camera.trap", re.IGNORECASE)
    assert [text[:120] for text in texts if false_first.search(text)] == []


# The lint functions must fail on the classes of error they exist for.
@pytest.mark.parametrize("broken,expected", [
    ({"unit": "individuals"}, "unit 'individuals'"),
    ({"announced": ""}, "must say when it was announced"),
    ({"announced": "2019-04", "period_start": "2020"}, "before its season"),
    ({"season_basis": "announcement_year"}, "must be the announced year"),
    ({"unit": "adults_and_cubs"}, "already includes them"),
])
def test_population_lint_catches(broken: dict, expected: str) -> None:
    row = next(r for r in rows("population") if r["id"] == "pop_ru_2023_adults")
    assert any(expected in failure for failure in population_failures([{**row, **broken}]))


def test_population_lint_catches_one_estimate_plotted_twice() -> None:
    population = rows("population")
    china = next(r for r in population if r["id"] == "pop_cn_2012_2014")
    twice = population + [{**china, "id": "pop_cn_2018_again", "period_start": "2018", "period_end": "2018",
                           "season_basis": "announcement_year", "announced": "2018-11"}]
    assert any("same region, figure" in failure for failure in population_failures(twice))
    marked = population + [{**twice[-1], "repeat_of": "pop_cn_2012_2014"}]
    assert population_failures(marked) == []


def test_source_lint_catches_denied_domains_and_silent_gaps() -> None:
    sources = rows("sources")
    bad = [{**sources[0], "id": "rewrite", "url": "https://news-pravda.com/world/2024/04/05/411027.html"},
           {**sources[0], "id": "silent", "url": "", "note": "In Russian."}]
    failures = sources_failures(bad, denied_domains())
    assert any("deny-list" in f for f in failures) and any("does not say why" in f for f in failures)


def test_myth_lint_catches_an_unanswered_seed_claim() -> None:
    claims = rows("seed_claims") + [{"claim_id": "s9_new", "seed": "009", "topic": "numbers", "paraphrase": "x"}]
    assert any("s9_new" in failure for failure in myths_failures(rows("myths"), claims))


def test_quiz_answer_key_matches_every_verdict_in_the_data() -> None:
    for row in rows("myths"):
        best = quiz.RIGHT_ANSWER[row["verdict"]]
        assert quiz.score(row["verdict"], best).points == 1, row["id"]
