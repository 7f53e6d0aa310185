#!/usr/bin/env python3
"""Build data/geo/basemap.geojson from Natural Earth, with OpenStreetMap state borders in the region.

Sources:
  * Natural Earth 10m v4.1.0 admin-0/admin-1 (public domain) as shipped, GRASS-generalised, in
    Debian's ``qgis-common`` package: ``/usr/share/qgis/resources/data/world_map.gpkg``: coasts,
    provinces and their names.
  * The state borders between China, Russia and North Korea come from OpenStreetMap
    (© OpenStreetMap contributors, ODbL 1.0), as shipped in the npm package
    ``@osm_borders/maritime_10m`` 1.1.0 (pinned by version and sha512 checksum, fetched with
    ``npm pack`` into build/). Natural Earth's own line is 2-4 km west of the true border along
    Primorye and puts the China-Russia-DPRK junction 15 km from boundary marker No. 423.

The GeoPackage is looked for in this order:
  1. /usr/share/qgis/resources/data/world_map.gpkg (qgis-common installed)
  2. build/world_map.gpkg (repo-relative, gitignored; also build/usr/share/... left by step 3)
  3. a qgis-common_*.deb in build/ (or given with --deb); if there is none, ``apt-get download
     qgis-common`` is run in build/, and the file is extracted with
     ``dpkg-deb --fsys-tarfile ... | tar -x``.

The border package is looked for as build/osm_borders-maritime_10m-1.1.0.tgz (its checksum is
checked); if it is missing, ``npm pack @osm_borders/maritime_10m@1.1.0`` is run into build/.

Steps: select the units listed in scripts/inputs/basemap_units.toml, clip to the regional box,
re-divide the land of China, Russia and North Korea along the OpenStreetMap borders (each unit keeps
its own land on its country's side; land that changes country joins the nearest unit of its new
country), simplify the polygon coverage topology-aware (``shapely.coverage_simplify``: shared borders stay
shared, no gaps or overlaps), snap to a 1e-5 degree grid (5 decimals), and write deterministic
GeoJSON.  scripts/build_layers.py clips the range and protected-area layers to these very units
(and to countries dissolved from them), so every park edge that follows a state border, a
provincial line or a coast is identical to the basemap line.

Usage:  python scripts/build_basemap.py [--gpkg PATH] [--deb PATH] [--borders TGZ] [--out DIR]
                                       [--no-download] [--fetch-only]
"""
from __future__ import annotations

import argparse
import base64
import glob
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import shapely
from shapely.geometry import box, mapping

REPO = Path(__file__).resolve().parents[1]
INPUTS = REPO / "scripts" / "inputs"
BUILD = REPO / "build"
GPKG_MEMBER = "usr/share/qgis/resources/data/world_map.gpkg"
SYSTEM_GPKG = Path("/") / GPKG_MEMBER
PRECISION = 5
GRID = 10.0 ** -PRECISION
OVERLAY_GRID = 1e-7  # overlay precision while re-dividing the land (the output is snapped to GRID)

COUNTRY_NAMES = {
    "CHN": ("China", "cn", "Китай", "中国"),
    "RUS": ("Russia", "ru", "Россия", "俄罗斯"),
    "PRK": ("North Korea", "kp", "КНДР", "朝鲜"),
    "KOR": ("South Korea", "kr", "Республика Корея", "韩国"),
    "JPN": ("Japan", "jp", "Япония", "日本"),
}
# The ``method`` of every basemap feature, in English, Russian and Chinese: % (admin level,
# "lon-lon", "lat-lat", simplification tolerance as text: Russian writes a decimal comma). Every
# figure must stay the same in all three.
METHOD_TEMPLATES = {
    "method": ("Natural Earth 10m v4.1.0 (public domain) admin-%d polygon from QGIS "
               "world_map.gpkg, clipped to %s E / %s N, coverage-simplified "
               "(tolerance %s deg) and rounded to 5 decimals."),
    "method_ru": ("Контур Natural Earth 10m v4.1.0 (общественное достояние): многоугольник admin-%d "
                  "из файла world_map.gpkg программы QGIS, обрезанный по %s° в. д. / %s° с. ш., "
                  "упрощённый как единое покрытие (допуск %s°) и округлённый до 5 знаков после запятой."),
    "method_zh": ("Natural Earth 10m v4.1.0（公有领域）的admin-%d多边形，取自QGIS的world_map.gpkg，"
                  "裁剪到东经%s°、北纬%s°，按整体覆盖简化（容差%s度），并四舍五入到5位小数。"),
}

# Added to the method of the units whose state borders come from OpenStreetMap (no figures in it).
BORDER_SENTENCES = {
    "method": (" Its state borders with China, Russia and North Korea are OpenStreetMap's "
               "(© OpenStreetMap contributors, ODbL)."),
    "method_ru": (" Государственные границы с Китаем, Россией и КНДР взяты из OpenStreetMap "
                  "(© участники OpenStreetMap, ODbL)."),
    "method_zh": "其与中国、俄罗斯和朝鲜之间的国界取自OpenStreetMap（© OpenStreetMap贡献者，ODbL）。",
}


# --------------------------------------------------------------------------- GeoJSON writing
def _round_coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), PRECISION) + 0.0 for v in obj]
        return [_round_coords(v) for v in obj]
    return obj


def geometry_to_json(geom) -> dict:
    """GeoJSON dict of a shapely geometry: RFC 7946 orientation, 5-decimal coordinates."""
    geom = shapely.orient_polygons(geom, exterior_cw=False) if geom.geom_type in (
        "Polygon", "MultiPolygon") else geom
    m = mapping(geom)
    return {"type": m["type"], "coordinates": _round_coords(m["coordinates"])}


def _check_number(v):
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("non-finite number in properties")
    return v


def dumps_feature_collection(features: list[dict], name: str | None = None) -> str:
    """Deterministic text: one feature per line, sorted keys, shortest float repr, trailing \\n."""
    def dump(o):
        return json.dumps(o, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          allow_nan=False)

    head = '{"type":"FeatureCollection",'
    if name:
        head += f'"name":{dump(name)},'
    lines = [head + '"features":[']
    for i, f in enumerate(features):
        for v in f["properties"].values():
            _check_number(v)
        # fixed key order: type, id, properties (sorted keys), geometry - readable diffs
        text = ('{"type":"Feature","id":%s,"properties":%s,"geometry":%s}'
                % (dump(f["properties"]["id"]), dump(f["properties"]),
                   json.dumps(f["geometry"], separators=(",", ":"), allow_nan=False)))
        lines.append(text + ("," if i < len(features) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# --------------------------------------------------------------------------- finding the data
def _extract_from_deb(deb: Path) -> Path:
    BUILD.mkdir(exist_ok=True)
    print(f"extracting world_map.gpkg from {deb} ...", file=sys.stderr)
    dpkg = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    tar = subprocess.run(["tar", "-x", "-C", str(BUILD), f"./{GPKG_MEMBER}"], stdin=dpkg.stdout)
    dpkg.stdout.close()
    if dpkg.wait() != 0 or tar.returncode != 0:
        raise RuntimeError(f"could not extract {GPKG_MEMBER} from {deb}")
    out = BUILD / "world_map.gpkg"
    shutil.move(BUILD / GPKG_MEMBER, out)
    shutil.rmtree(BUILD / "usr", ignore_errors=True)
    return out


def find_gpkg(explicit: str | None = None, deb: str | None = None, download: bool = True
              ) -> Path | None:
    """Return a path to world_map.gpkg, extracting / downloading qgis-common if needed."""
    if explicit:
        return Path(explicit)
    for cand in (SYSTEM_GPKG, BUILD / "world_map.gpkg", BUILD / GPKG_MEMBER):
        if cand.is_file():
            return cand
    debs = [Path(deb)] if deb else [Path(p) for p in sorted(glob.glob(str(BUILD / "qgis-common_*.deb")))]
    if not debs and download:
        if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
            print("ERROR: world_map.gpkg not found and apt-get/dpkg-deb are not available.\n"
                  "Install Debian's qgis-common, or put world_map.gpkg in build/.", file=sys.stderr)
            return None
        BUILD.mkdir(exist_ok=True)
        print("world_map.gpkg not found; running `apt-get download qgis-common` in build/ ...",
              file=sys.stderr)
        r = subprocess.run(["apt-get", "download", "qgis-common"], cwd=BUILD)
        debs = [Path(p) for p in sorted(glob.glob(str(BUILD / "qgis-common_*.deb")))]
        if r.returncode != 0 or not debs:
            print("ERROR: `apt-get download qgis-common` failed (no network or no Debian "
                  "repository?). Get qgis-common_*.deb by hand, put it in build/ (or pass "
                  "--deb PATH) and re-run.", file=sys.stderr)
            return None
    if not debs:
        return None
    try:
        return _extract_from_deb(debs[-1])
    except (RuntimeError, OSError) as exc:
        print(f"ERROR: {exc}. Is dpkg-deb installed?", file=sys.stderr)
        return None


# --------------------------------------------------------------------------- the border package
def load_config() -> dict:
    with open(INPUTS / "basemap_units.toml", "rb") as fh:
        return tomllib.load(fh)


def border_tarball_name(spec: dict) -> str:
    """File name ``npm pack`` gives the package: @scope/name@v -> scope-name-v.tgz."""
    return spec["package"].lstrip("@").replace("/", "-") + f"-{spec['version']}.tgz"


def npm_integrity(path: Path) -> str:
    """The package's checksum as npm writes it (``sha512-`` + base64)."""
    digest = hashlib.sha512()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def find_borders(explicit: str | None = None, download: bool = True) -> Path | None:
    """Return the pinned border package (a .tgz), checked against its checksum; fetch it if needed."""
    spec = load_config()["borders"]
    path = Path(explicit) if explicit else BUILD / border_tarball_name(spec)
    if not path.is_file() and not explicit and download:
        if shutil.which("npm") is None:
            print(f"ERROR: {path.name} not found and npm is not installed (Debian: apt-get install npm).",
                  file=sys.stderr)
            return None
        BUILD.mkdir(exist_ok=True)
        wanted = f"{spec['package']}@{spec['version']}"
        print(f"{path.name} not found; running `npm pack {wanted}` in build/ ...", file=sys.stderr)
        r = subprocess.run(["npm", "pack", wanted, "--pack-destination", str(BUILD), "--silent"],
                           cwd=BUILD, stdout=subprocess.DEVNULL)
        if r.returncode != 0:
            print(f"ERROR: `npm pack {wanted}` failed (no access to the npm registry?). Put "
                  f"{path.name} in build/ (or pass --borders PATH) and re-run.", file=sys.stderr)
            return None
    if not path.is_file():
        return None
    got = npm_integrity(path)
    if got != spec["integrity"]:
        print(f"ERROR: {path} has checksum {got}, expected {spec['integrity']} "
              f"({spec['package']} {spec['version']}); delete it and fetch it again.", file=sys.stderr)
        return None
    return path


def read_borders(tgz: Path, spec: dict, clip) -> dict[str, object]:
    """Country polygons (ISO A3 -> shapely) from the border package, clipped to ``clip``.

    Made disjoint in the order of ``spec["countries"]`` (maritime polygons of neighbours may touch
    or overlap by a hair at sea)."""
    with tarfile.open(tgz, "r:gz") as tar:
        member = tar.extractfile(spec["member"])
        if member is None:
            raise SystemExit(f"{tgz}: no file {spec['member']}")
        fc = json.load(io.TextIOWrapper(member, encoding="utf-8"))
    wanted = list(spec["countries"])
    found: dict[str, object] = {}
    for f in fc["features"]:
        code = f["properties"].get(spec["code_property"])
        if code not in wanted:
            continue
        geoms = f["geometry"]["geometries"] if f["geometry"]["type"] == "GeometryCollection" \
            else [f["geometry"]]
        polys = [shapely.make_valid(shapely.geometry.shape(g)) for g in geoms
                 if g["type"] in ("Polygon", "MultiPolygon")]
        found[code] = shapely.intersection(shapely.union_all(polys), clip, grid_size=OVERLAY_GRID)
    missing = [c for c in wanted if c not in found]
    if missing:
        raise SystemExit(f"{tgz}: no polygon for {missing}")
    taken = None
    for code in wanted:
        if taken is not None:
            found[code] = shapely.difference(found[code], taken, grid_size=OVERLAY_GRID)
        taken = found[code] if taken is None else shapely.union(taken, found[code], grid_size=OVERLAY_GRID)
    return found


# --------------------------------------------------------------------------- re-dividing the land
def _polygons(g):
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.multipolygons(parts) if parts else shapely.Polygon()


def _split_by_nearest(piece, candidates: list[int], geoms: list) -> dict[int, object]:
    """Split ``piece`` among the units ``candidates``: each part goes to the nearest unit.

    Nearest = Voronoi cells of points spaced along the candidates' boundaries near the piece."""
    if len(candidates) == 1:
        return {candidates[0]: piece}
    near = shapely.buffer(shapely.envelope(piece), 0.05)
    points, owner = [], []
    for i in candidates:
        line = shapely.intersection(shapely.boundary(geoms[i]), near)
        line = shapely.segmentize(line, 0.002)
        for xy in shapely.get_coordinates(line):
            points.append(tuple(xy))
            owner.append(i)
    if not points:
        return {candidates[0]: piece}
    unique = {}
    for xy, i in zip(points, owner):
        unique.setdefault(xy, i)  # a point on two units' common edge goes to the first listed
    pts = sorted(unique)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=near,
                                                       ordered=True))
    by_unit: dict[int, list] = {}
    for xy, cell in zip(pts, cells):
        by_unit.setdefault(unique[xy], []).append(cell)
    out = {}
    for i, cells_i in sorted(by_unit.items()):
        part = _polygons(shapely.intersection(piece, shapely.union_all(cells_i), grid_size=OVERLAY_GRID))
        if not part.is_empty:
            out[i] = part
    return out


def redivide_land(units: list[tuple], geoms: list, borders: dict[str, object]) -> list:
    """Move the state borders between the ``borders`` countries onto the reference polygons.

    Each admin unit of those countries keeps the part of its land that the reference puts in its own
    country (and any part the reference leaves to none of them, e.g. beside a fourth country);
    land that changes country is split among the units of its new country it touches, by nearness.
    Units of other countries are unchanged; the coastline stays Natural Earth's."""
    codes = list(borders)
    covered = shapely.union_all(list(borders.values()), grid_size=OVERLAY_GRID)
    mine = [k for k, (_, _, a3) in enumerate(units) if a3 in codes]
    new = list(geoms)
    for k in mine:
        a3 = units[k][2]
        keep = shapely.union(shapely.intersection(geoms[k], borders[a3], grid_size=OVERLAY_GRID),
                             shapely.difference(geoms[k], covered, grid_size=OVERLAY_GRID),
                             grid_size=OVERLAY_GRID)
        new[k] = _polygons(keep)
    land = shapely.union_all([geoms[k] for k in mine], grid_size=OVERLAY_GRID)
    for a3 in codes:
        own = [k for k in mine if units[k][2] == a3]
        held = shapely.union_all([new[k] for k in own], grid_size=OVERLAY_GRID)
        gained = _polygons(shapely.difference(shapely.intersection(land, borders[a3], grid_size=OVERLAY_GRID),
                                              held, grid_size=OVERLAY_GRID))
        for piece in shapely.get_parts(gained):
            touching = [k for k in own if shapely.intersects(shapely.buffer(piece, 1e-6), new[k])]
            if not touching:  # an island: the nearest unit
                touching = [min(own, key=lambda k: shapely.distance(piece, new[k]))]
            for k, part in _split_by_nearest(piece, touching, new).items():
                new[k] = _polygons(shapely.union(new[k], part, grid_size=OVERLAY_GRID))
    return renode_coverage(new)


def renode_coverage(geoms: list) -> list:
    """Rebuild polygons that tile the plane as a coverage whose shared edges match vertex for vertex.

    Overlay operations cut one unit at a point of a shared edge without adding that vertex to the
    neighbour; here every boundary is noded together, the faces are polygonised and each face goes
    to the (first) unit containing it."""
    lines = shapely.union_all([shapely.boundary(g) for g in geoms], grid_size=OVERLAY_GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    owned: list[list] = [[] for _ in geoms]
    tree = shapely.STRtree(geoms)
    for face in faces:
        inside = shapely.point_on_surface(face)
        hits = sorted(int(k) for k in tree.query(inside, predicate="intersects"))
        if hits:
            owned[hits[0]].append(face)
    return [_polygons(shapely.coverage_union_all(fs)) if fs else shapely.Polygon() for fs in owned]


# --------------------------------------------------------------------------- building


def build(gpkg: Path, borders_tgz: Path) -> list[dict]:
    """Return the basemap features as GeoJSON-like dicts."""
    import geopandas as gpd

    cfg = load_config()
    clip = box(*cfg["region"]["clip_box"])
    bbox = tuple(cfg["region"]["read_bbox"])
    tol = float(cfg["region"]["simplify_tolerance"])
    states = gpd.read_file(gpkg, layer="states_provinces", bbox=bbox)
    countries = gpd.read_file(gpkg, layer="countries", bbox=bbox)
    if states.crs is not None and states.crs.to_epsg() != 4326:
        states = states.to_crs(4326)
        countries = countries.to_crs(4326)

    units, geoms = [], []
    for u in cfg["unit"]:
        level = int(u.get("admin_level", 1))
        if level == 0:
            rows = countries[countries["ISO_A3"] == u["iso_a3"]]
            a3 = u["iso_a3"]
        else:
            rows = states[(states["adm0_a3"] == u["adm0_a3"]) & (states["name"] == u["ne_name"])]
            a3 = u["adm0_a3"]
        if len(rows) != 1:
            raise SystemExit(f"basemap unit {u} matched {len(rows)} rows in {gpkg}")
        g = shapely.intersection(shapely.make_valid(rows.geometry.iloc[0]), clip)
        g = shapely.get_parts(g)
        g = shapely.multipolygons([p for p in g if p.geom_type == "Polygon"])
        if g.is_empty:
            raise SystemExit(f"basemap unit {u['slug']} is empty after clipping")
        units.append((u, level, a3))
        geoms.append(g)

    if not shapely.coverage_is_valid(geoms):
        raise SystemExit("input admin units are not a valid polygon coverage")
    geoms = [shapely.set_precision(g, OVERLAY_GRID) for g in geoms]
    reference = read_borders(borders_tgz, cfg["borders"], clip)
    geoms = redivide_land(units, geoms, reference)
    if not shapely.coverage_is_valid(geoms, gap_width=0.0):
        raise SystemExit("admin units re-divided along the reference borders are not a valid coverage")
    simp = shapely.coverage_simplify(geoms, tol, simplify_boundary=True)
    snapped = shapely.set_precision(simp, GRID)
    # drop slivers / tiny islands created by snapping (under 0.5 km^2 at this latitude)
    cleaned = []
    for g in snapped:
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 5e-5]
        cleaned.append(shapely.multipolygons(parts) if len(parts) > 1 else parts[0])
    if not shapely.coverage_is_valid(cleaned):
        raise SystemExit("simplified basemap is not a valid coverage (overlaps) - lower tolerance")

    features = []
    lon_range = "%g-%g" % (cfg["region"]["clip_box"][0], cfg["region"]["clip_box"][2])
    lat_range = "%g-%g" % (cfg["region"]["clip_box"][1], cfg["region"]["clip_box"][3])
    for (u, level, a3), g in zip(units, cleaned):
        country, iso2, _, _ = COUNTRY_NAMES[a3]
        fid = f"basemap_{iso2}_{u['slug']}" if level == 1 else f"basemap_{iso2}"
        tolerance = f"{tol:.3f}"
        props = {
            "id": fid,
            "name_en": u["name_en"],
            "name_ru": u["name_ru"],
            "name_zh": u["name_zh"],
            "country": country,
            "admin_level": level,
            "source_ids": ["naturalearth"],
            "confidence": "V",
            **{key: template % (level, lon_range, lat_range,
                                tolerance.replace(".", ",") if key == "method_ru" else tolerance)
               for key, template in METHOD_TEMPLATES.items()},
        }
        if a3 in cfg["borders"]["countries"]:
            props["source_ids"] = ["naturalearth", "osm_borders"]
            for key, sentence in BORDER_SENTENCES.items():
                props[key] += sentence
        features.append({"properties": props, "geometry": geometry_to_json(g)})
    features.sort(key=lambda f: f["properties"]["id"])

    return features


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpkg", help="path to world_map.gpkg (skip the search)")
    ap.add_argument("--deb", help="path to a qgis-common_*.deb to extract from")
    ap.add_argument("--borders", help="path to the pinned border package .tgz (skip the search)")
    ap.add_argument("--out", default=str(REPO / "data" / "geo"), help="output directory")
    ap.add_argument("--no-download", action="store_true",
                    help="never run apt-get download or npm pack")
    ap.add_argument("--fetch-only", action="store_true",
                    help="only find or fetch the two sources into build/ (for the reproducibility "
                         "test); failure is an error only when CI=true")
    args = ap.parse_args(argv)

    gpkg = find_gpkg(args.gpkg, args.deb, download=not args.no_download)
    borders = find_borders(args.borders, download=not args.no_download)
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if gpkg is None or not Path(gpkg).is_file():
        print("ERROR: could not find or obtain world_map.gpkg (Natural Earth via qgis-common).",
              file=sys.stderr)
        return 2 if (in_ci or not args.fetch_only) else 0
    if borders is None:
        print("ERROR: could not find or obtain the border package (OpenStreetMap via npm).",
              file=sys.stderr)
        return 2 if (in_ci or not args.fetch_only) else 0
    print(f"using {gpkg} and {borders}", file=sys.stderr)
    if args.fetch_only:
        return 0
    features = build(Path(gpkg), borders)
    out = Path(args.out)
    text = dumps_feature_collection(features, name="basemap")
    write_text(out / "basemap.geojson", text)
    print(f"wrote {out / 'basemap.geojson'} ({len(text.encode())} bytes, {len(features)} features)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
