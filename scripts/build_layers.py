#!/usr/bin/env python3
"""Build the range, protected-area and record layers from the TOML inputs in scripts/inputs/.

Inputs (human-readable, every vertex commented with where it comes from):
  data/geo/basemap.geojson                  admin units (written by build_basemap.py)
  scripts/inputs/protected_areas_russia.toml
  scripts/inputs/protected_areas_china.toml
  scripts/inputs/range.toml
  scripts/inputs/records.toml

Vertices in the TOML files are written ``[lat, lon]`` (the order used in the research
gazetteer).  For each polygon feature:

  1. its ``[[feature.geometry.polygon]]`` rings are unioned (rings with ``op = "minus"`` are cut
     out) with any ``[[feature.geometry.strip]]`` (a band of ``km`` either side of the line shared
     by the two regions in ``along``, e.g. a state border, limited to the ring ``pts``); features
     listed in ``plus`` are added and features listed in ``minus`` subtracted.  A ring or strip
     may carry its own ``clip`` list (e.g. the Korean ring of a range that also covers China);
  2. the result is clipped to the union of the polygons named in ``clip`` - countries
     (``country_ru``, ``country_cn``, ``country_kp``, ``country_kr``, ``country_jp``, dissolved from
     the basemap) or basemap admin units (e.g. ``basemap_cn_jilin``); default: all land.  Coasts,
     state borders and provincial lines are therefore Natural Earth's; vertices drawn offshore or
     across a border exist only to be clipped away;
  3. all polygon features of all layers are overlaid into one planar partition (the "faces")
     per basemap unit; each unit's faces are simplified together with
     ``shapely.coverage_simplify`` (topology-preserving; the unit outline itself is kept
     fixed), and every feature is re-assembled from its faces.  Neighbouring features therefore
     share identical edges (no slivers, no overlaps) and edges on a border/coast are identical to
     the basemap line;
  4. coordinates are snapped to a 1e-5 degree grid and written deterministically.

Usage:
  python scripts/build_layers.py                 # write data/geo/*.geojson
  python scripts/build_layers.py --out DIR       # write somewhere else (tests)
  python scripts/build_layers.py --report        # print the computed vs published area table
  python scripts/build_layers.py --report-md docs/data-methods.md   # refresh the table in a doc
"""
from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import shapely
from shapely.geometry import Point, Polygon, shape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from build_basemap import (GRID, dumps_feature_collection, geometry_to_json,  # noqa: E402
                           write_text)
from dashboard.core.crs import EQUAL_AREA_CRS  # noqa: E402

INPUTS = REPO / "scripts" / "inputs"
LAYER_FILES = ["protected_areas_russia", "protected_areas_china", "range", "records"]
SIMPLIFY_TOLERANCE = 0.003  # degrees, coverage_simplify (topology-preserving)
MIN_PART_KM2 = 0.5  # parts smaller than this after clipping are dropped (snapping debris)
ROLE_PROPS = {  # property -> nullable; filled with None when nullable and missing
    "common": {"id": False, "name_en": True, "name_ru": True, "name_zh": True,
               "source_ids": False, "confidence": False, "method": False},
    "protected_area": {"designation": False, "country": False, "status": False,
                       "established": True, "established_precision": True, "changes": False,
                       "official_area_km2": True, "facts_confidence": False},
    "range": {"era_label": False, "era_label_ru": True, "era_label_zh": True, "year_from": False, "year_to": False, "description": False,
              "published_area_km2": True, "published_area_source_id": True},
    "points": {"year": True, "description": False},
}
TABLE_START = "<!-- area-table:start -->"
TABLE_END = "<!-- area-table:end -->"


# --------------------------------------------------------------------------- helpers
def load_toml(name: str) -> dict:
    with open(INPUTS / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


BASEMAP = REPO / "data" / "geo" / "basemap.geojson"
COUNTRY_IDS = {"Russia": "country_ru", "China": "country_cn", "North Korea": "country_kp",
               "South Korea": "country_kr", "Japan": "country_jp"}


def load_units() -> tuple[dict, dict]:
    """(basemap unit id -> geometry, country id -> geometry dissolved from its units)."""
    import json
    with open(BASEMAP, encoding="utf-8") as fh:
        fc = json.load(fh)
    units, by_country = {}, {}
    for f in fc["features"]:
        g = shape(f["geometry"])
        units[f["properties"]["id"]] = g
        by_country.setdefault(COUNTRY_IDS[f["properties"]["country"]], []).append(g)
    countries = {cid: shapely.coverage_union_all(gs) for cid, gs in sorted(by_country.items())}
    return units, countries


_TRANSFORMER = None


def area_km2(geom) -> float:
    """Area in km² in the project's equal-area CRS."""
    global _TRANSFORMER
    from pyproj import Transformer
    if _TRANSFORMER is None:
        _TRANSFORMER = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    g = shapely.transform(geom, lambda xy: _stack(_TRANSFORMER.transform(xy[:, 0], xy[:, 1])))
    return g.area / 1e6


def _stack(t):
    import numpy as np
    return np.column_stack(t)


def ring(pts: list) -> Polygon:
    """Polygon from a list of [lat, lon] pairs."""
    if len(pts) < 3:
        raise ValueError("a polygon needs at least 3 vertices")
    poly = Polygon([(lon, lat) for lat, lon in pts])
    if not poly.is_valid:
        raise ValueError(f"self-intersecting ring: {shapely.is_valid_reason(poly)}")
    return poly


def polygonal(g):
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


# --------------------------------------------------------------------------- building
LOCAL_CRS = "+proj=laea +lat_0=43 +lon_0=131 +datum=WGS84 +units=m +no_defs"  # for buffers only


def _project(geom, inverse=False):
    from pyproj import Transformer
    t = Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True) if inverse else \
        Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)
    return shapely.transform(geom, lambda xy: _stack(t.transform(xy[:, 0], xy[:, 1])))


def border_strip(spec: dict, regions: dict):
    """Band of ``km`` on each side of the line shared by two regions, limited by a mask ring."""
    a, b = spec["along"]
    line = shapely.intersection(regions[a].boundary, regions[b].boundary)
    band = _project(shapely.buffer(_project(line), spec["km"] * 1000.0, quad_segs=4), inverse=True)
    return shapely.intersection(band, ring(spec["pts"]))


def raw_geometry(spec: dict, regions: dict, built: dict):
    geom = Polygon()
    cuts = []

    def part_clip(part, g):
        if "clip" in part:
            g = shapely.intersection(g, shapely.union_all([regions[c] for c in part["clip"]]))
        return g

    for st in spec.get("strip", []):
        geom = shapely.union(geom, part_clip(st, border_strip(st, regions)))
    for p in spec.get("polygon", []):
        poly = part_clip(p, ring(p["pts"]))
        if p.get("op", "union") == "minus":
            cuts.append(poly)
        else:
            geom = shapely.union(geom, poly)
    for fid in spec.get("plus", []):
        geom = shapely.union(geom, built[fid])
    for c in cuts:
        geom = shapely.difference(geom, c)
    for fid in spec.get("minus", []):
        geom = shapely.difference(geom, built[fid])
    clip_ids = spec.get("clip") or [c for c in sorted(regions) if c.startswith("country_")]
    clip = shapely.union_all([regions[c] for c in clip_ids])
    geom = shapely.intersection(geom, clip)
    for fid in spec.get("intersect", []):
        geom = shapely.intersection(geom, built[fid])
    return polygonal(geom)


def build_raw(regions: dict):
    """Return ordered list of (layer, layer config, feature config) and id -> raw geometry.

    Features may refer to others (``plus``/``minus``/``intersect``) in any order; references
    are resolved on demand (cycles are an error)."""
    order, specs = [], {}
    for layer in LAYER_FILES:
        cfg = load_toml(layer)
        for f in cfg["feature"]:
            fid = f["properties"]["id"]
            if fid in specs or any(fid == o[2]["properties"]["id"] for o in order):
                raise SystemExit(f"duplicate feature id {fid}")
            if "geometry" in f:
                specs[fid] = f["geometry"]
            order.append((layer, cfg, f))

    class Resolver(dict):
        def __missing__(self, key):
            if key not in specs:
                raise SystemExit(f"unknown feature reference {key!r}")
            if key in resolving:
                raise SystemExit(f"reference cycle at {key}")
            resolving.add(key)
            g = raw_geometry(specs[key], regions, self)
            resolving.discard(key)
            if g.is_empty:
                raise SystemExit(f"{key}: empty geometry after clipping")
            self[key] = g
            return g

    resolving: set = set()
    built = Resolver()
    for fid in specs:
        built[fid]  # noqa: B018 - resolve
    return order, dict(built)


def simplify_coverage(raw: dict, units: dict) -> dict:
    """Planar partition of all polygon features, coverage-simplified per basemap unit."""
    ids = sorted(raw)
    out_faces: dict[str, list] = {fid: [] for fid in ids}
    for uid in sorted(units):
        faces = [(units[uid], frozenset())]
        for fid in ids:
            g = raw[fid]
            if not g.intersects(units[uid]):
                continue
            nxt = []
            for face, members in faces:
                if not face.intersects(g):
                    nxt.append((face, members))
                    continue
                inside = polygonal(shapely.intersection(face, g))
                outside = polygonal(shapely.difference(face, g))
                for part in shapely.get_parts(inside):
                    nxt.append((part, members | {fid}))
                for part in shapely.get_parts(outside):
                    nxt.append((part, members))
            faces = nxt
        # split multipolygon faces into polygons; drop zero-area debris
        geoms = [f for f, _ in faces]
        members = [m for _, m in faces]
        if len(geoms) == 1:
            continue
        simp = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE, simplify_boundary=False)
        for g, m in zip(simp, members):
            for fid in m:
                out_faces[fid].append(g)
    result = {}
    for fid in ids:
        g = shapely.union_all(out_faces[fid], grid_size=GRID)
        parts = [p for p in shapely.get_parts(polygonal(g)) if area_km2(p) >= MIN_PART_KM2]
        g = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
        g = polygonal(shapely.set_precision(g, GRID))
        if g.is_empty or not g.is_valid:
            raise SystemExit(f"{fid}: invalid after simplification")
        result[fid] = g
    return result


def build_all():
    units, countries = load_units()
    order, raw = build_raw({**units, **countries})
    final = simplify_coverage(raw, units)
    layers: dict[str, list] = {}
    for layer, cfg, f in order:
        props = dict(f["properties"])
        role = cfg["layer"]["role"]
        for key, nullable in {**ROLE_PROPS["common"], **ROLE_PROPS[role]}.items():
            if key not in props:
                if not nullable:
                    raise SystemExit(f"{props.get('id')}: missing property {key!r}")
                props[key] = None
        fid = props["id"]
        if fid in final:
            geom = final[fid]
        else:
            lat, lon = f["point"]
            geom = Point(lon, lat)
        layers.setdefault(layer, []).append({"properties": props, "geometry": geometry_to_json(geom),
                                             "_geom": geom, "_cfg": f, "_layer_cfg": cfg})
    return layers


def write_layers(layers: dict, out: Path) -> list[Path]:
    paths = []
    for layer, feats in layers.items():
        clean = [{"properties": f["properties"], "geometry": f["geometry"]} for f in feats]
        path = out / f"{layer}.geojson"
        write_text(path, dumps_feature_collection(clean, name=layer))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- report
def area_rows(layers: dict) -> list[dict]:
    rows = []
    for layer in LAYER_FILES:
        for f in layers.get(layer, []):
            if f["_geom"].geom_type == "Point":
                continue
            p = f["properties"]
            if "official_area_km2" in p:
                published = p["official_area_km2"]
                source = f["_cfg"].get("area_source")
            else:
                published = p.get("published_area_km2")
                source = p.get("published_area_source_id")
            computed = area_km2(f["_geom"])
            diff = None if published in (None, 0) else 100.0 * (computed - published) / published
            rows.append({"layer": layer, "id": p["id"], "computed": computed,
                         "published": published, "source": source, "diff": diff,
                         "note": f["_cfg"].get("area_note", "")})
    return rows


def report_markdown(layers: dict) -> str:
    lines = ["| layer | computed km² | published km² | source | difference % |",
             "|---|---:|---:|---|---:|"]
    for r in area_rows(layers):
        pub = "—" if r["published"] is None else f"{r['published']:,.2f}".rstrip("0").rstrip(".")
        diff = "—" if r["diff"] is None else f"{r['diff']:+.1f}"
        src = r["source"] or "—"
        note = f" ({r['note']})" if r["note"] else ""
        lines.append(f"| `{r['id']}` | {r['computed']:,.0f} | {pub}{note} | {src} | {diff} |")
    return "\n".join(lines) + "\n"


def refresh_doc(path: Path, table: str) -> None:
    text = path.read_text(encoding="utf-8")
    a, b = text.index(TABLE_START), text.index(TABLE_END)
    new = text[:a + len(TABLE_START)] + "\n" + table + text[b:]
    write_text(path, new)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "data" / "geo"), help="output directory")
    ap.add_argument("--report", action="store_true",
                    help="print the computed vs published area table (markdown) and exit")
    ap.add_argument("--report-md", metavar="PATH",
                    help=f"replace the table between {TABLE_START} / {TABLE_END} in PATH")
    args = ap.parse_args(argv)
    layers = build_all()
    if args.report or args.report_md:
        table = report_markdown(layers)
        if args.report_md:
            refresh_doc(Path(args.report_md), table)
        else:
            sys.stdout.write(table)
        return 0
    for path in write_layers(layers, Path(args.out)):
        print(f"wrote {path} ({path.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
