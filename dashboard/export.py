"""The offline export pack: a folder of static HTML that opens from disk with no server and no internet.

``python -m dashboard.export OUTDIR [--lang en|ru|zh] [--overwrite]`` writes::

    index.html            title, introduction, links to every page, data files, credits and licences
    maps/<era_id>.html    one Leaflet map per range era (legend included)
    maps/compare.html     the oldest era (c. 1900) beside the present, synchronised
    population.html       the population chart (Vega-Lite, drawn by the vendored Vega) and its data as a table
    sources.html          every citation, the confidence labels, how each layer was drawn, myths and corrections
    data/                 catalog.json, geo/*.geojson and tables/*.csv, copied unchanged
    vendor/               the vendored JS/CSS packages the pages load, each with its LICENSE
    media/                (command line only) slides and handouts: dashboard.core.media.write_media

:func:`build_pack_zip` returns the same pack as zip bytes (for a download button).

Rules: every string that comes from data or a locale catalog is escaped with ``html.escape`` before it
reaches HTML; JSON embedded in a ``<script>`` has ``<``, ``>`` and ``&`` written as ``\\u003c`` etc.;
no page links a remote script, stylesheet or image. The only ``http(s)`` text left is the optional
online tile URL templates inside the map scripts (switched off: ``MapOptions().online_tiles == ()``)
and the citation web addresses, shown as plain text on ``sources.html``.

Pure module: must not import streamlit (the app imports :func:`build_pack_zip`).
"""
from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from typing import Any

import folium
import pandas as pd

from dashboard.core.assets import VENDOR_DIR
from dashboard.core.charts import event_key, population_table, population_timeline
from dashboard.core.figures import EVENT_KEY_CSS, event_key_html
from dashboard.core.fonts import WEB_CSS_REL
from dashboard.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, localized, number, t
from dashboard.core.legend import legend_html
from dashboard.core.loaders import Atlas, load_atlas
from dashboard.core.maps import MapOptions, build_compare_map, build_explore_map, legend_entries
from dashboard.core.media import write_media
from dashboard.core.media.mapimage import DEFAULT_URL
from dashboard.core.paths import data_dir
from dashboard.core.published import published_files
from dashboard.core.tables import split_ids
from dashboard.core.validation import CONFIDENCE_LEVELS

__all__ = ["VEGA_SCRIPTS", "PackError", "build_pack_zip", "main", "write_pack"]

#: The Vega builds population.html loads, relative to the vendor folder (scripts/vendor_vega.sh).
VEGA_SCRIPTS: tuple[str, ...] = ("vega/vega.min.js", "vega-lite/vega-lite.min.js", "vega-embed/vega-embed.min.js")

#: Files and folders a pack consists of (``--overwrite`` removes only these).
PACK_TOP_FILES = ("index.html", "population.html", "sources.html")
PACK_DIRS = ("maps", "data", "vendor", "media")

COMPARE_PAGE = "compare"
PRESENT_ERA = "range_present"

_ATTR_RE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_REMOTE_RE = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:|//)", re.IGNORECASE)

PAGE_CSS = """
:root{color-scheme:light}
body{font:16px/1.5 "Atlas CJK",system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
 margin:0;color:#1d1d1d;background:#fff}
main{max-width:1100px;margin:0 auto;padding:0 20px 40px}
nav.pack-nav{background:#1f3b2d;padding:8px 20px}
nav.pack-nav a{color:#fff;margin-right:18px;text-decoration:none;font-weight:600}
nav.pack-nav a:hover,nav.pack-nav a:focus{text-decoration:underline}
h1{font-size:1.8em;margin:.8em 0 .3em}
h2{font-size:1.3em;margin:1.6em 0 .4em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;white-space:nowrap}
.note{background:#eef5fb;border-left:4px solid #0072B2;padding:8px 12px;margin:1em 0}
.myth{border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin:10px 0}
.myth h3{font-size:1.05em;margin:0 0 .3em}
.verdict{font-weight:700}
code,.url{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
.url,details code{overflow-wrap:anywhere}
#vis{width:100%;min-height:200px}
""" + EVENT_KEY_CSS

MAP_OVERLAY_CSS = """
.pack-map-head{position:absolute;top:10px;left:56px;z-index:1000;max-width:calc(100% - 130px);
 background:rgba(255,255,255,.94);padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);
 font:14px/1.35 "Atlas CJK",system-ui,sans-serif}
.pack-map-head.compare{max-width:calc(50% - 80px)}
.pack-map-head h1{font-size:16px;margin:0 0 2px}
.pack-map-head a{color:#0b5394}
.pack-map-head .eras a,.pack-map-head .eras strong{margin-right:8px;white-space:nowrap}
.pack-side-label{position:absolute;bottom:24px;z-index:1000;transform:translateX(-50%);
 background:rgba(255,255,255,.94);padding:4px 10px;border-radius:4px;font:600 15px "Atlas CJK",system-ui,sans-serif;
 box-shadow:0 1px 4px rgba(0,0,0,.3)}
.pack-compare-legend{position:absolute;bottom:70px;left:10px;z-index:1000;background:rgba(255,255,255,.92);
 padding:6px 8px;border-radius:4px;font:13px/1.3 "Atlas CJK",system-ui,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)}
"""


#: Runs in <body>, after leaflet.js (in <head>) and before folium's map script (after </body>):
#: long popups scroll instead of overflowing the window, and auto-pan keeps them clear of the
#: page header that floats over the top of the map.
POPUP_DEFAULTS = """<script>
if (window.L && L.Popup) {
  L.Popup.prototype.options.maxHeight = Math.max(200, Math.round(window.innerHeight * 0.55));
  L.Popup.prototype.options.autoPanPaddingTopLeft = L.point(10, 110);
}
</script>
"""


class PackError(RuntimeError):
    """The pack cannot be written (missing vendored files, output folder not empty ...)."""


@dataclass(frozen=True)
class _Era:
    id: str
    label: str
    title: str
    page: str  # path relative to the pack root, e.g. "maps/range_present.html"


# --- small helpers -----------------------------------------------------------------------------

def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; None/NaN become ''."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return escape(str(value), quote=True)


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, ``<!--`` or HTML entities)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _inline_markdown(text: str) -> str:
    """The tiny Markdown subset our locale strings use: ``- `` lists, ``**bold**``, `` `code` ``.

    The text is escaped first; a ``[label](url)`` link keeps only its label (the pack links nothing remote).
    """
    def inline(line: str) -> str:
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
        out = _e(line)
        out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)

    html_parts: list[str] = []
    items: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(("- ", "* ")):
            items.append(f"<li>{inline(line[2:])}</li>")
            continue
        if items:
            html_parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line:
            html_parts.append(f"<p>{inline(line)}</p>")
    if items:
        html_parts.append("<ul>" + "".join(items) + "</ul>")
    return "\n".join(html_parts)


def _fmt_count(value: Any, lang: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return _e(number(float(value), lang))


def _source_links(ids: Iterable[str], known: set[str], prefix: str = "") -> str:
    """Source ids as links to their citation on sources.html (unknown ids as plain text)."""
    parts = []
    for source_id in ids:
        if source_id in known:
            parts.append(f'<a href="{prefix}sources.html#src-{_e(source_id)}">{_e(source_id)}</a>')
        else:
            parts.append(_e(source_id))
    return ", ".join(parts)


def _page(title: str, body: str, lang: str, root: str = "") -> str:
    """A complete HTML page with the pack's navigation bar; ``root`` is the relative path to the pack root."""
    nav = (f'<nav class="pack-nav" aria-label="{_e(t("export.title", lang))}">'
           f'<a href="{root}index.html">{_e(t("export.title", lang))}</a>'
           f'<a href="{root}population.html">{_e(t("page.population", lang))}</a>'
           f'<a href="{root}sources.html">{_e(t("page.sources", lang))}</a></nav>')
    return (f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n"
            f'<link rel="stylesheet" href="{root}vendor/{WEB_CSS_REL}">\n<style>{PAGE_CSS}</style>\n</head>\n'
            f"<body>\n{nav}\n"
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- the eras ----------------------------------------------------------------------------------

def _eras(atlas: Atlas, lang: str) -> list[_Era]:
    out = []
    for props in atlas.eras():
        label = str(props.get("era_label") or props["id"])
        years = f"{props.get('year_from')}–{props.get('year_to')}"
        name = localized(props, "name", lang)
        title = f"{label} ({years})" + (f": {name}" if name else "")
        out.append(_Era(id=str(props["id"]), label=label, title=title, page=f"maps/{props['id']}.html"))
    return out


def _compare_pair(atlas: Atlas, eras: list[_Era]) -> tuple[_Era, _Era] | None:
    """(historical, present): the range layer's context era (c. 1900) or the oldest, and the present."""
    if len(eras) < 2:
        return None
    by_id = {era.id: era for era in eras}
    layer = atlas.range_layer()
    left = by_id.get(layer.spec.context_feature or "") if layer is not None else None
    left = left or eras[0]
    right = by_id.get(PRESENT_ERA) or eras[-1]
    if left.id == right.id:
        return None
    return left, right


def _map_options(atlas: Atlas, lang: str) -> MapOptions:
    """The app's defaults: optional layers on where the catalog says so, no online tiles, relative assets."""
    shown = frozenset(layer.spec.id for layer in atlas.layers.values()
                      if layer.spec.default_on and layer.spec.role in ("protected_area", "points"))
    return MapOptions(lang=lang, layers=shown, asset_base="../vendor")


# --- maps --------------------------------------------------------------------------------------

def _map_head(title: str, lang: str, eras: list[_Era], current: str | None, compare: bool) -> str:
    links = []
    for era in eras:
        if era.id == current:
            links.append(f"<strong>{_e(era.label)}</strong>")
        else:
            links.append(f'<a href="{_e(PurePosixPath(era.page).name)}">{_e(era.label)}</a>')
    if compare:
        if current == COMPARE_PAGE:
            links.append(f"<strong>{_e(t('page.compare', lang))}</strong>")
        else:
            links.append(f'<a href="{COMPARE_PAGE}.html">{_e(t("page.compare", lang))}</a>')
    on_compare = current == COMPARE_PAGE  # the compare page shows the note in its legend instead
    note = "" if on_compare else f' · {_e(t("legend.note", lang))}'
    return (POPUP_DEFAULTS + f'<div class="pack-map-head{" compare" if on_compare else ""}"><h1>{_e(title)}</h1>'
            f'<div class="eras">{_e(t("explore.era", lang))}: {"".join(links)}</div>'
            f'<div><a href="../index.html">{_e(t("export.back", lang))}</a> · '
            f'<a href="../sources.html">{_e(t("page.sources", lang))}</a>{note}</div></div>')


def _finish_map_html(html: str, title: str, lang: str) -> str:
    """Add the language and title to folium's page (branca's Figure template has neither)."""
    html = html.replace("<html>", f'<html lang="{_e(lang)}">', 1)
    return html.replace("<head>", f'<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>'
                                  f"\n<style>{MAP_OVERLAY_CSS}</style>", 1)


def _era_map_html(atlas: Atlas, era: _Era, eras: list[_Era], lang: str, compare: bool) -> str:
    fmap = build_explore_map(atlas, era.id, _map_options(atlas, lang))
    title = t("legend.range_of", lang, era=era.label)
    fmap.get_root().html.add_child(folium.Element(_map_head(title, lang, eras, era.id, compare)))
    return _finish_map_html(fmap.get_root().render(), title, lang)


def _compare_map_html(atlas: Atlas, pair: tuple[_Era, _Era], eras: list[_Era], lang: str) -> str:
    left, right = pair
    opts = _map_options(atlas, lang)
    dual = build_compare_map(atlas, left.id, right.id, opts)
    title = t("export.compare_title", lang, left=left.label, right=right.label)
    root = dual.m1.get_root()
    legend = legend_html(t("legend.title", lang), legend_entries(atlas, opts), note=t("legend.note", lang))
    root.html.add_child(folium.Element(
        _map_head(title, lang, eras, COMPARE_PAGE, True)
        + f'<div class="pack-side-label" style="left:25%">{_e(left.label)}</div>'
        + f'<div class="pack-side-label" style="left:75%">{_e(right.label)}</div>'
        + f'<div class="pack-compare-legend">{legend}</div>'))
    return _finish_map_html(root.render(), title, lang)


# --- population --------------------------------------------------------------------------------

def _population_table(population: pd.DataFrame, lang: str) -> str:
    """The app's population table (``charts.population_table``) as escaped HTML, counts right-aligned."""
    ordered = population.sort_values(["period_start", "period_end", "region"], kind="stable")
    table = population_table(ordered, lang)
    counts = {t("chart.low", lang), t("chart.estimate", lang), t("chart.high", lang)}
    rows = []
    for record in table.to_dict("records"):
        cells = "".join(f'<td class="num">{_fmt_count(value, lang)}</td>' if column in counts
                        else f"<td>{_e('' if pd.isna(value) else value)}</td>" for column, value in record.items())
        rows.append(f"<tr>{cells}</tr>")
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in table.columns)
    return (f"<table><caption>{_e(t('export.table_caption', lang))}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _chart_spec(population: pd.DataFrame, events: pd.DataFrame, lang: str) -> dict[str, Any]:
    spec = population_timeline(population, events, lang).to_dict()
    spec.pop("$schema", None)  # a URL vega-embed never fetches; dropped so no remote address is left
    return spec


def _population_html(atlas: Atlas, lang: str) -> str:
    population = atlas.table("population")
    events = atlas.table("events")
    title = t("population.title", lang)
    body = [f"<h1>{_e(title)}</h1>", f'<p class="note">{_e(t("population.never_add", lang))}</p>']
    if population.empty:
        body.append(f"<p>{_e(t('population.no_data', lang))}</p>")
        return _page(title, "\n".join(body), lang)
    spec = _chart_spec(population, events, lang)
    scripts = "".join(f'<script src="vendor/{path}"></script>\n' for path in VEGA_SCRIPTS)
    failed = _script_json(t("export.chart_failed", lang))
    body += [
        f'<div id="vis" role="img" aria-label="{_e(title)}"></div>',
        f"<noscript><p>{_e(t('export.noscript', lang))}</p></noscript>",
        scripts
        + "<script>\n(function () {\n"
        + f"  var spec = {_script_json(spec)};\n"
        + "  var target = document.getElementById('vis');\n"
        + "  function fail(err) { target.textContent = " + failed + "; if (window.console) console.warn(err); }\n"
        + "  if (typeof vegaEmbed !== 'function') { fail('vega-embed did not load'); return; }\n"
        + "  vegaEmbed(target, spec, {mode: 'vega-lite', renderer: 'svg', actions: false})\n"
        + "    .then(function (result) { window.atlasChart = result; }, fail);\n"
        + "})();\n</script>",
        event_key_html(t("chart.events_title", lang), event_key(events, lang), t("facts.sources", lang)),
        f"<p>{_e(t('population.method_note', lang))}</p>",
        _population_table(population, lang),
        '<p><a href="data/tables/population.csv">population.csv</a> · '
        '<a href="data/tables/events.csv">events.csv</a></p>',
    ]
    return _page(title, "\n".join(body), lang)


# --- sources -----------------------------------------------------------------------------------

def _sources_html(atlas: Atlas, lang: str) -> str:
    sources = atlas.table("sources")
    known = set(sources["id"].astype(str)) if len(sources) else set()
    title = t("sources.title", lang)
    body = [f"<h1>{_e(title)}</h1>"]

    body.append(f'<h2 id="confidence">{_e(t("sources.confidence", lang))}</h2>')
    rows = "".join(f"<tr><td><strong>{_e(code)}</strong></td><td>{_e(t(f'confidence.{code}.long', lang))}</td></tr>"
                   for code in CONFIDENCE_LEVELS)
    body.append(f'<table><thead><tr><th scope="col">{_e(t("sources.label", lang))}</th>'
                f'<th scope="col">{_e(t("sources.meaning", lang))}</th></tr></thead><tbody>{rows}</tbody></table>')

    body.append(f'<h2 id="layers">{_e(t("sources.layers", lang))}</h2>')
    body.append(f"<p>{_e(t('sources.layers_intro', lang))}</p>")
    rows_list = []
    role_order = {"range": 0, "protected_area": 1, "points": 2, "basemap": 3}
    for layer in sorted(atlas.layers.values(), key=lambda layer: role_order.get(layer.spec.role, 9)):
        features = [f["properties"] for f in layer.geojson["features"]]
        if layer.spec.role == "basemap":
            # Dozens of provinces drawn the same way: one row per (method, confidence, sources).
            groups: dict[tuple[str, str, tuple[str, ...]], list[dict[str, Any]]] = {}
            for props in features:
                key = (localized(props, "method", lang), str(props.get("confidence") or ""),
                       tuple(props.get("source_ids") or []))
                groups.setdefault(key, []).append(props)
            for (method, confidence, source_ids), members in groups.items():
                names = ", ".join(localized(p, "name", lang) or str(p.get("id")) for p in members)
                ids = ", ".join(str(p.get("id")) for p in members)
                rows_list.append(
                    f"<tr><td>{_e(layer.spec.title_in(lang))}</td><td>{_e(names)}</td>"
                    f'<td><details><summary>{len(members)}</summary><code>{_e(ids)}</code></details></td>'
                    f"<td>{_e(confidence)}</td><td>{_e(method)}</td><td>{_source_links(source_ids, known)}</td></tr>")
            continue
        for props in features:
            rows_list.append(
                f"<tr><td>{_e(layer.spec.title_in(lang))}</td><td>{_e(localized(props, 'name', lang))}</td>"
                f"<td><code>{_e(props.get('id'))}</code></td><td>{_e(props.get('confidence'))}</td>"
                f"<td>{_e(localized(props, 'method', lang))}</td>"
                f"<td>{_source_links(props.get('source_ids') or [], known)}</td></tr>")
    heads = [t("sources.layer", lang), t("sources.feature", lang), "id", t("chart.confidence", lang),
             t("sources.method", lang), t("chart.sources", lang)]
    body.append("<table><thead><tr>" + "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
                + f"</tr></thead><tbody>{''.join(rows_list)}</tbody></table>")

    body.append(f'<h2 id="myths">{_e(t("sources.myths", lang))}</h2>')
    for myth in atlas.table("myths").to_dict("records"):
        verdict = t(f"verdict.{myth['verdict']}", lang)
        body.append(
            f'<div class="myth" id="{_e(myth["id"])}"><h3><span class="verdict">{_e(verdict)}'
            f"</span>: {_e(localized(myth, 'claim', lang))}</h3><p>{_e(localized(myth, 'correction', lang))}</p>"
            f"<p>{_e(t('facts.sources', lang))}: {_source_links(split_ids(myth['source_ids']), known)}</p></div>")

    body.append(f'<h2 id="citations">{_e(t("sources.citations", lang))}</h2>')
    rows_list = []
    for source in sources.itertuples():
        url = f'<div class="url">{_e(source.url)}</div>' if isinstance(source.url, str) and source.url else ""
        rows_list.append(
            f'<tr id="src-{_e(source.id)}"><td><code>{_e(source.id)}</code></td>'
            f"<td>{_e(source.citation)}{url}</td><td>{_e(source.year)}</td><td>{_e(source.confidence)}</td>"
            f"<td>{_e(source.note)}</td></tr>")
    heads = ["id", t("export.citation", lang), t("chart.year", lang), t("chart.confidence", lang),
             t("chart.note", lang)]
    body.append(f"<p>{_e(t('export.citations_intro', lang))}</p>")
    body.append("<table><thead><tr>" + "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
                + f"</tr></thead><tbody>{''.join(rows_list)}</tbody></table>")
    return _page(title, "\n".join(body), lang)


# --- index -------------------------------------------------------------------------------------

def _vendor_credits(packages: list[str], lang: str) -> str:
    """One line per vendored package the pack ships: name, version and licence (from the vendor README)."""
    info: dict[str, tuple[str, str, str]] = {}
    readme = VENDOR_DIR / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and cells[0].startswith("`") and cells[3].startswith("`"):
                directory = cells[3].strip("`").rstrip("/")
                info[directory] = (cells[0].strip("`"), cells[1], cells[2])
    items = []
    for package in packages:
        name, version, licence = info.get(package, (package, "", ""))
        licence_link = ""
        if (VENDOR_DIR / package / "LICENSE").is_file():
            licence_link = f' (<a href="vendor/{_e(package)}/LICENSE">{_e(t("export.licence_file", lang))}</a>)'
        licence = licence.split(" (", 1)[0]  # "BSD-2-Clause (LICENCE.txt; ...)" -> "BSD-2-Clause"
        text = " ".join(part for part in (name, version) if part) + (f", {licence}" if licence else "")
        items.append(f"<li>{_e(text)}{licence_link}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _data_files(root: Path) -> list[Path]:
    """The published data files (dashboard/core/published.py: catalogued, inside the folder, no symlinks)."""
    return [Path(relative) for relative in published_files(root)]


def _index_html(atlas: Atlas, lang: str, eras: list[_Era], pair: tuple[_Era, _Era] | None,
                data_files: list[Path], packages: list[str]) -> str:
    title = t("export.title", lang)
    body = [f"<h1>{_e(title)}</h1>", _inline_markdown(t("export.intro", lang))]
    body.append(f'<h2 id="maps">{_e(t("export.maps", lang))}</h2>')
    if eras:
        body.append(f"<p>{_e(t('export.maps_intro', lang))}</p>")
        items = [f'<li><a href="{_e(era.page)}">{_e(era.title)}</a></li>' for era in eras]
        if pair is not None:
            items.append(f'<li><a href="maps/{COMPARE_PAGE}.html">'
                         f"{_e(t('export.compare_title', lang, left=pair[0].label, right=pair[1].label))}</a></li>")
        body.append("<ul>" + "".join(items) + "</ul>")
        body.append(f"<p>{_e(t('legend.note', lang))}</p>")
    else:
        body.append(f'<p class="note">{_e(t("explore.no_range", lang))}</p>')
    body.append(f'<h2 id="pages">{_e(t("export.more", lang))}</h2><ul>'
                f'<li><a href="population.html">{_e(t("population.title", lang))}</a></li>'
                f'<li><a href="sources.html">{_e(t("sources.title", lang))}</a></li></ul>')
    body.append(f'<h2 id="data">{_e(t("sources.downloads", lang))}</h2>')
    body.append(f"<p>{_e(t('export.data_intro', lang))}</p>")
    body.append("<ul>" + "".join(f'<li><a href="data/{_e(p.as_posix())}">{_e(p.as_posix())}</a></li>'
                                 for p in data_files) + "</ul>")
    body.append(f'<h2 id="credits">{_e(t("sources.licences", lang))}</h2>')
    body.append(_inline_markdown(t("export.licences_text", lang)))
    if packages:
        body.append(f"<p>{_e(t('export.software', lang))}</p>")
        body.append(_vendor_credits(packages, lang))
    return _page(title, "\n".join(body), lang)


# --- vendored files ----------------------------------------------------------------------------

def _vendor_packages(pack: Path) -> list[str]:
    """The vendor/<package>/ folders the written pages reference (src/href and CSS url())."""
    packages: set[str] = set()
    vendor_root = (pack / "vendor").resolve()
    for page in pack.rglob("*.html"):
        for ref in _ATTR_RE.findall(page.read_text(encoding="utf-8")):
            if _REMOTE_RE.match(ref) or ref.startswith("#"):
                continue
            target = (page.parent / ref.split("#", 1)[0].split("?", 1)[0]).resolve()
            if vendor_root in target.parents:
                packages.add(target.relative_to(vendor_root).parts[0])
    return sorted(packages)


def _copy_vendor(pack: Path, packages: list[str]) -> None:
    """Copy each referenced vendor package folder whole (scripts, CSS, images, LICENSE)."""
    for package in packages:
        source = VENDOR_DIR / package
        if not source.is_dir():
            hint = "bash scripts/vendor_vega.sh" if package.startswith("vega") else "bash scripts/vendor_assets.sh"
            raise PackError(f"vendored package '{package}' is missing from {VENDOR_DIR} (run `{hint}`)")
        if not (source / "LICENSE").is_file():
            raise PackError(f"vendored package '{package}' has no LICENSE file in {source}")
        shutil.copytree(source, pack / "vendor" / package, dirs_exist_ok=True)


# --- the pack ----------------------------------------------------------------------------------

def _prepare(outdir: Path, overwrite: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise PackError(f"{outdir} exists and is not a folder")
    if outdir.is_dir() and any(outdir.iterdir()):
        if not overwrite:
            raise PackError(f"{outdir} is not empty (use --overwrite to replace a pack written there before)")
        for name in PACK_TOP_FILES:
            (outdir / name).unlink(missing_ok=True)
        for name in PACK_DIRS:
            if (outdir / name).is_dir():
                shutil.rmtree(outdir / name)
    outdir.mkdir(parents=True, exist_ok=True)


def write_pack(outdir: str | Path, lang: str = DEFAULT_LANGUAGE, atlas: Atlas | None = None,
               overwrite: bool = False, data_root: str | Path | None = None) -> list[str]:
    """Write the offline pack into ``outdir``; return every written file, relative and sorted (POSIX paths).

    ``data_root`` is the data folder to export (default: ``data_dir()``, which honours ``ATLAS_DATA_DIR``);
    ``atlas`` defaults to ``load_atlas(data_root)``. An atlas with no range layer still gives a pack:
    no era maps, and the start page says why.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    pack = Path(outdir)
    _prepare(pack, overwrite)
    source_data = Path(data_root) if data_root is not None else data_dir()
    atlas = atlas if atlas is not None else load_atlas(source_data)

    eras = _eras(atlas, lang)
    pair = _compare_pair(atlas, eras)
    for era in eras:
        _write(pack / era.page, _era_map_html(atlas, era, eras, lang, compare=pair is not None))
    if pair is not None:
        _write(pack / "maps" / f"{COMPARE_PAGE}.html", _compare_map_html(atlas, pair, eras, lang))
    _write(pack / "population.html", _population_html(atlas, lang))
    _write(pack / "sources.html", _sources_html(atlas, lang))

    data_files = _data_files(source_data)
    for rel in data_files:
        target = pack / "data" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_data / rel, target)

    # index.html only links data and pages, so the vendor list can be computed before it is written.
    packages = _vendor_packages(pack)
    _write(pack / "index.html", _index_html(atlas, lang, eras, pair, data_files, packages))
    _copy_vendor(pack, packages)
    return sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file())


def zip_folder(folder: Path) -> bytes:
    """A deterministic zip (sorted names, fixed timestamps) of every file under ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def build_pack_zip(lang: str = DEFAULT_LANGUAGE, atlas: Atlas | None = None,
                   data_root: str | Path | None = None) -> bytes:
    """The offline pack for ``lang``, written to a temporary folder and returned as zip bytes.

    The files sit at the top of the archive (index.html, maps/, ...), as ``write_pack`` writes them.
    Takes a few seconds (six maps); the app should cache the bytes per language and data version.
    """
    with tempfile.TemporaryDirectory(prefix="atlas-pack-") as tmp:
        write_pack(tmp, lang, atlas=atlas, data_root=data_root)
        return zip_folder(Path(tmp))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.export",
                                     description="Write the Amur Leopard Atlas as a static pack that works offline.")
    parser.add_argument("outdir", type=Path, help="folder to write (created; must be empty unless --overwrite)")
    parser.add_argument("--lang", choices=list(LANGUAGES), default=DEFAULT_LANGUAGE, help="language of the pages")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the pack files (index.html, maps/, data/, ...) already in OUTDIR")
    parser.add_argument("--no-media", action="store_true",
                        help="leave out media/ (slides and handouts: map PNGs, GIF, MP4, PDFs; about a minute)")
    parser.add_argument("--url", default=DEFAULT_URL, help="the Atlas's address, printed on the slides and handouts")
    args = parser.parse_args(argv)
    atlas = load_atlas()
    for problem in atlas.problems:
        print(f"warning: {problem}", file=sys.stderr)
    try:
        files = write_pack(args.outdir, args.lang, atlas=atlas, overwrite=args.overwrite)
    except PackError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not args.no_media:
        files += write_media(args.outdir, atlas, args.lang, url=args.url)  # slides and handouts (media/)
    size = sum((args.outdir / f).stat().st_size for f in files)
    maps = sum(1 for f in files if f.startswith("maps/"))
    print(f"Wrote {len(files)} files ({size / 1e6:.1f} MB, {maps} maps) to {args.outdir}. "
          f"Open {args.outdir / 'index.html'} in a web browser.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
