"""dashboard.export: the offline pack is complete, self-contained, escaped, and zips to the same files."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from html import escape
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from dashboard import export
from dashboard.core import charts
from dashboard.core.i18n import catalog
from dashboard.core.loaders import load_atlas
from dashboard.core.maps import ONLINE_TILES, MapOptions
from dashboard.core.paths import data_dir

PAYLOAD = "<img src=x onerror=alert(1)>"
SCRIPT_PAYLOAD = "</script><script>alert(2)</script>"

ATTR_REF = re.compile(r"""\b(src|href)\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", re.I)
ANY_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9{][^\s"'<>)\\]*""")
HTTP_URL = re.compile(r"""https?://[^\s"'<>)\\]+""")
ID_ATTR = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
NON_FILE_SCHEMES = ("data:", "mailto:", "javascript:")


def range_file() -> Path:
    return data_dir() / "geo" / "range.geojson"


def need_range() -> None:
    if not range_file().is_file():
        pytest.skip(f"{range_file()} does not exist yet (the range layer is being built); "
                    "the era maps cannot be exported without it")


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The English pack, written from a snapshot of the data folder (colleagues may be editing it).

    The pack's own data/ copy is that snapshot, so tests compare against ``load_atlas(root / "data")``.
    """
    need_range()
    base = tmp_path_factory.mktemp("pack")
    snapshot = base / "snapshot"
    shutil.copytree(data_dir(), snapshot)
    out = base / "atlas"
    files = export.write_pack(out, "en", data_root=snapshot)
    return out, files


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def data_copy(tmp_path: Path) -> Path:
    """A private copy of the data folder (catalog, geo, tables) to tamper with."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    return copy


# --- completeness ------------------------------------------------------------------------------

def test_pack_has_every_expected_file(pack: tuple[Path, list[str]]) -> None:
    root, files = pack
    atlas = load_atlas(root / "data")
    eras = [era["id"] for era in atlas.eras()]
    assert "range_c1900" in eras and "range_present" in eras, eras
    expected = {"index.html", "population.html", "sources.html", "maps/compare.html"}
    expected |= {f"maps/{era}.html" for era in eras}
    source = root.parent / "snapshot"
    expected |= {"data/catalog.json"}
    expected |= {f"data/geo/{p.name}" for p in (source / "geo").glob("*.geojson")}
    expected |= {f"data/tables/{p.name}" for p in (source / "tables").glob("*.csv")}
    expected |= {"vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/LICENSE",
                 "vendor/leaflet/images/layers.png", "vendor/leaflet.sync/L.Map.Sync.js",
                 "vendor/leaflet.sync/LICENSE", "vendor/leaflet.pattern/leaflet.pattern.js",
                 "vendor/leaflet.pattern/LICENSE"}
    expected |= {f"vendor/{path}" for path in export.VEGA_SCRIPTS}
    expected |= {f"vendor/{path.split('/')[0]}/LICENSE" for path in export.VEGA_SCRIPTS}
    missing = expected - set(files)
    assert not missing, f"missing from the pack: {sorted(missing)}"
    assert files == sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    for rel in files:
        if rel.startswith("data/"):
            assert (root / rel).read_bytes() == (source / rel[len("data/"):]).read_bytes(), rel


def test_vendor_holds_only_used_packages_each_with_a_licence(pack: tuple[Path, list[str]]) -> None:
    root, files = pack
    packages = {rel.split("/")[1] for rel in files if rel.startswith("vendor/")}
    assert packages == {"leaflet", "leaflet.sync", "leaflet.pattern", "vega", "vega-lite", "vega-embed", "noto-sans-sc"}
    for package in packages:
        assert (root / "vendor" / package / "LICENSE").stat().st_size > 100, package


# --- offline: no remote references ---------------------------------------------------------------

def test_no_remote_urls_in_written_pages(pack: tuple[Path, list[str]]) -> None:
    """Only the (switched-off) tile templates in map scripts and citation addresses shown as text."""
    root, _ = pack
    tile_urls = {tile["url"] for tile in ONLINE_TILES.values()}
    sources = load_atlas(root / "data").table("sources")
    citation_urls = {u for u in sources["url"].dropna()}
    written = html_files(root) + [p for p in root.rglob("*.js") if "vendor" not in p.relative_to(root).parts]
    for path in written:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        for kind, ref in ATTR_REF.findall(text):
            assert not ANY_URL.match(ref), f"{rel}: remote {kind}={ref!r}"
        for ref in CSS_URL.findall(text):
            assert not ANY_URL.match(ref), f"{rel}: remote CSS url({ref!r})"
        allowed = set()
        if rel.startswith("maps/"):
            allowed |= tile_urls
        if rel == "sources.html":
            allowed |= {escape(u) for u in citation_urls}
        for url in sorted(allowed, key=len, reverse=True):
            text = text.replace(url, "")
        stray = HTTP_URL.findall(text)
        assert not stray, f"{rel}: unexpected remote URLs {stray[:5]}"
        if rel == "sources.html":
            # Citation addresses are text, never links.
            assert not re.search(r"""href\s*=\s*["']https?:""", text)


def test_vendored_css_has_no_remote_urls(pack: tuple[Path, list[str]]) -> None:
    root, _ = pack
    for css in root.joinpath("vendor").rglob("*.css"):
        for ref in CSS_URL.findall(css.read_text(encoding="utf-8")):
            assert ref.startswith("data:") or not ANY_URL.match(ref), f"{css}: url({ref})"


def test_online_tiles_are_off_by_default(pack: tuple[Path, list[str]]) -> None:
    assert MapOptions().online_tiles == ()
    root, _ = pack
    page = (root / "maps" / "range_present.html").read_text(encoding="utf-8")
    tile_vars = re.findall(r"var (tile_layer_\w+) = L\.tileLayer\(", page)
    assert len(tile_vars) == len(ONLINE_TILES)
    for var in tile_vars:
        assert f"{var}.addTo(" not in page, f"{var} is switched on"


# --- every local reference resolves inside the pack ----------------------------------------------

def _check_refs(root: Path, path: Path, refs: list[str]) -> list[str]:
    problems = []
    for ref in refs:
        if ANY_URL.match(ref) or ref.startswith(NON_FILE_SCHEMES):
            continue
        target_part, _, fragment = ref.partition("#")
        target_part = unquote(target_part.split("?", 1)[0])
        target = (path.parent / target_part).resolve() if target_part else path.resolve()
        if root.resolve() not in target.parents:
            problems.append(f"{path.relative_to(root)}: {ref!r} points outside the pack")
        elif not target.is_file():
            problems.append(f"{path.relative_to(root)}: {ref!r} does not exist")
        elif fragment and target.suffix == ".html":
            if fragment not in ID_ATTR.findall(target.read_text(encoding="utf-8")):
                problems.append(f"{path.relative_to(root)}: {ref!r} has no element with that id")
    return problems


def test_every_local_reference_resolves(pack: tuple[Path, list[str]]) -> None:
    root, _ = pack
    problems = []
    checked = 0
    for path in html_files(root):
        refs = [ref for _kind, ref in ATTR_REF.findall(path.read_text(encoding="utf-8"))]
        checked += len(refs)
        problems += _check_refs(root, path, refs)
    for css in root.rglob("*.css"):
        problems += _check_refs(root, css, CSS_URL.findall(css.read_text(encoding="utf-8")))
    assert checked > 50
    assert not problems, "\n".join(problems)


def test_index_links_every_page(pack: tuple[Path, list[str]]) -> None:
    root, files = pack
    index = (root / "index.html").read_text(encoding="utf-8")
    links = {ref for _kind, ref in ATTR_REF.findall(index)}
    pages = {rel for rel in files if rel.endswith(".html") and rel != "index.html"}
    assert pages <= links, sorted(pages - links)
    data = {rel for rel in files if rel.startswith("data/")}
    assert data <= links, sorted(data - links)


# --- the zip -------------------------------------------------------------------------------------

def test_zip_holds_the_same_files(pack: tuple[Path, list[str]]) -> None:
    root, files = pack
    blob = export.build_pack_zip("en", data_root=root.parent / "snapshot")
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert archive.testzip() is None
        names = sorted(archive.namelist())
        assert names == files
        assert archive.read("data/tables/sources.csv") == (root / "data/tables/sources.csv").read_bytes()
        assert archive.read("vendor/leaflet/leaflet.js") == (root / "vendor/leaflet/leaflet.js").read_bytes()


# --- escaping (runs with or without range.geojson) ------------------------------------------------

def _tamper(copy: Path) -> None:
    """Put the payloads into a feature name, a myth, a citation and a population note."""
    geo = copy / "geo" / "protected_areas_russia.geojson"
    obj = json.loads(geo.read_text(encoding="utf-8"))
    for feature in obj["features"]:  # every one, so it does not matter which of them validate
        feature["properties"]["name_en"] = PAYLOAD
    geo.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    rng = copy / "geo" / "range.geojson"
    if rng.is_file():
        obj = json.loads(rng.read_text(encoding="utf-8"))
        for feature in obj["features"]:
            if feature["properties"]["id"] == "range_present":
                feature["properties"]["name_en"] = PAYLOAD
                feature["properties"]["era_label"] = "present " + PAYLOAD
        rng.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    for name, column, value in (("myths", "claim", PAYLOAD), ("sources", "citation", PAYLOAD + " (2020)"),
                                ("population", "note", PAYLOAD + SCRIPT_PAYLOAD)):
        path = copy / "tables" / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.loc[0, column] = value
        frame.to_csv(path, index=False)


def test_the_details_panel_escapes_strings_from_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's details panel (one HTML block) escapes what it shows, like the pack."""
    from dashboard.ui.details import details_html

    copy = data_copy(tmp_path)
    _tamper(copy)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(copy))
    atlas = load_atlas()
    html = details_html(atlas, "pa_land_of_the_leopard", "en")
    assert escape(PAYLOAD) in html and PAYLOAD not in html
    assert 'class="atlas-details-panel"' in html and "<table class='atlas-details'>" in html


def test_strings_from_data_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = data_copy(tmp_path)
    _tamper(copy)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(copy))
    atlas = load_atlas()
    # The tampered values must survive validation, or the test would prove nothing.
    names = {f["properties"].get("name_en") for layer in atlas.layers.values() for f in layer.geojson["features"]}
    assert PAYLOAD in names, atlas.problems
    assert PAYLOAD in set(atlas.table("myths")["claim"]), atlas.problems
    assert PAYLOAD + " (2020)" in set(atlas.table("sources")["citation"]), atlas.problems
    assert PAYLOAD + SCRIPT_PAYLOAD in set(atlas.table("population")["note"]), atlas.problems
    out = tmp_path / "pack"
    files = export.write_pack(out, "en")
    for path in html_files(out):
        text = path.read_text(encoding="utf-8")
        assert PAYLOAD not in text, f"raw payload in {path.relative_to(out)}"
        assert "<script>alert(2)" not in text, f"script payload broke out in {path.relative_to(out)}"
    sources = (out / "sources.html").read_text(encoding="utf-8")
    assert sources.count(escape(PAYLOAD)) >= 3  # feature name, myth claim, citation
    population = (out / "population.html").read_text(encoding="utf-8")
    assert escape(PAYLOAD + SCRIPT_PAYLOAD) in population  # the HTML table
    assert "\\u003cimg src=x onerror=alert(1)\\u003e\\u003c/script\\u003e" in population  # the chart spec
    if range_file().is_file():
        index = (out / "index.html").read_text(encoding="utf-8")
        assert escape(PAYLOAD) in index
        assert escape(PAYLOAD) in (out / "maps" / "range_present.html").read_text(encoding="utf-8")
    # The data files themselves are copied unchanged.
    assert "data/tables/myths.csv" in files
    assert PAYLOAD in (out / "data" / "tables" / "myths.csv").read_text(encoding="utf-8")


def test_pack_prose_is_in_the_pack_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = data_copy(tmp_path)
    (copy / "geo" / "range.geojson").unlink(missing_ok=True)  # fast: no maps
    monkeypatch.setenv("ATLAS_DATA_DIR", str(copy))
    atlas = load_atlas(copy)
    myths = atlas.table("myths")
    hunchun = atlas.find_feature("pa_hunchun")[1]["properties"]
    jilin = atlas.find_feature("basemap_cn_jilin")[1]["properties"]
    for lang in ("ru", "zh"):
        out = tmp_path / lang
        export.write_pack(out, lang, atlas=atlas, data_root=copy)
        sources = (out / "sources.html").read_text(encoding="utf-8")
        for row in myths.itertuples():
            assert escape(getattr(row, f"claim_{lang}")) in sources, row.id
            assert escape(getattr(row, f"correction_{lang}")) in sources, row.id
            assert escape(row.claim) not in sources, row.id
        assert escape(hunchun[f"method_{lang}"]) in sources and escape(hunchun["method"]) not in sources
        assert sources.count(escape(jilin[f"method_{lang}"])) == 1  # the basemap rows stay grouped
        assert escape(jilin["method"]) not in sources


def test_script_json_cannot_close_the_script() -> None:
    text = export._script_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_inline_markdown_escapes_first() -> None:
    html = export._inline_markdown("- **bold** `code` <b>x</b> [label](https://example.org)\nplain")
    assert html == ("<ul><li><strong>bold</strong> <code>code</code> &lt;b&gt;x&lt;/b&gt; label</li></ul>\n"
                    "<p>plain</p>")


# --- no eras, CLI, strings ------------------------------------------------------------------------

def test_pack_without_range_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = data_copy(tmp_path)
    (copy / "geo" / "range.geojson").unlink(missing_ok=True)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(copy))
    out = tmp_path / "pack"
    files = export.write_pack(out, "ru")
    assert not [f for f in files if f.startswith("maps/")]
    assert {"index.html", "population.html", "sources.html", "data/catalog.json"} <= set(files)
    assert "vendor/vega/vega.min.js" in files and "vendor/leaflet/leaflet.js" not in files
    index = (out / "index.html").read_text(encoding="utf-8")
    assert escape(catalog("ru").get("explore.no_range") or catalog("en")["explore.no_range"]) in index
    assert '<html lang="ru">' in index


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    copy = data_copy(tmp_path)
    (copy / "geo" / "range.geojson").unlink(missing_ok=True)  # fast: no maps
    monkeypatch.setenv("ATLAS_DATA_DIR", str(copy))
    out = tmp_path / "cli"
    assert export.main([str(out), "--lang", "zh", "--no-media"]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert '<html lang="zh">' in (out / "index.html").read_text(encoding="utf-8")
    assert export.main([str(out)]) == 1  # not empty
    assert "not empty" in capsys.readouterr().err
    (out / "maps").mkdir()
    (out / "maps" / "stale.html").write_text("old")
    (out / "notes.txt").write_text("keep me")
    assert export.main([str(out), "--overwrite", "--no-media"]) == 0
    assert not (out / "maps").exists()
    assert (out / "notes.txt").read_text() == "keep me"
    with pytest.raises(SystemExit):
        export.main([str(out), "--lang", "fr"])


def test_every_export_string_is_in_the_english_catalog() -> None:
    source = Path(export.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_.]+)["']""", source))
    assert {k for k in keys if k.startswith("export.")}, "no export.* keys found"
    english = catalog("en")
    missing = sorted(k for k in keys if k not in english)
    assert not missing, f"keys missing from dashboard/locales/en.json: {missing}"


def test_module_does_not_import_streamlit() -> None:
    source = Path(export.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+streamlit", source, re.M)


def test_population_page_lists_the_numbered_events_of_its_chart(pack: tuple[Path, list[str]]) -> None:
    root, _ = pack
    html = (root / "population.html").read_text(encoding="utf-8")
    key = charts.event_key(load_atlas(root / "data").table("events"), "en")
    assert key, "no chart events in the data"
    for event in key:  # each with its sources and confidence
        assert (f'<li value="{event.number}"><span class="atlas-event-date">{escape(event.date)}</span> '
                f'{escape(event.title)} <span class="atlas-event-source">(Sources: {escape(event.sources)}; '
                f'{escape(event.confidence)})</span></li>') in html
