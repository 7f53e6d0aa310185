"""Load everything the atlas shows, keeping going when one file is broken."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from dashboard.core.catalog import LayerSpec, load_catalog
from dashboard.core.crs import DISPLAY_CRS
from dashboard.core.paths import data_dir as default_data_dir
from dashboard.core.release import Release, load_release
from dashboard.core.tables import CITING_TABLES, SCHEMAS, load_table, unknown_source_problems
from dashboard.core.validation import Problem, parse_json, validate_feature_collection


@dataclass
class Layer:
    """A validated layer: the catalog entry, its features as GeoJSON and as a GeoDataFrame."""

    spec: LayerSpec
    geojson: dict[str, Any]
    frame: gpd.GeoDataFrame

    def feature(self, feature_id: str) -> dict[str, Any] | None:
        return next((f for f in self.geojson["features"] if f["properties"]["id"] == feature_id), None)

    def subset(self, feature_ids: list[str]) -> dict[str, Any]:
        wanted = set(feature_ids)
        return {"type": "FeatureCollection",
                "features": [f for f in self.geojson["features"] if f["properties"]["id"] in wanted]}


@dataclass
class Atlas:
    """Every layer and table that loaded, plus every problem met on the way."""

    layers: dict[str, Layer] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    release: Release | None = None  # data/release.json: the data version and "data as of" date

    def layers_with_role(self, role: str) -> list[Layer]:
        return [layer for layer in self.layers.values() if layer.spec.role == role]

    def range_layer(self) -> Layer | None:
        found = self.layers_with_role("range")
        return found[0] if found else None

    def eras(self) -> list[dict[str, Any]]:
        """Range-era feature properties, oldest first."""
        layer = self.range_layer()
        if layer is None:
            return []
        return sorted((f["properties"] for f in layer.geojson["features"]), key=lambda p: p["year_from"])

    def find_feature(self, feature_id: str) -> tuple[Layer, dict[str, Any]] | None:
        for layer in self.layers.values():
            found = layer.feature(feature_id)
            if found is not None:
                return layer, found
        return None

    def feature_ids(self) -> set[str]:
        return {f["properties"]["id"] for layer in self.layers.values() for f in layer.geojson["features"]}

    def table(self, name: str) -> pd.DataFrame:
        """The table, or an empty frame with the schema's columns if it failed to load."""
        if name in self.tables:
            return self.tables[name]
        return pd.DataFrame(columns=list(SCHEMAS[name].columns))


def load_layer(spec: LayerSpec, root: Path, known_sources: set[str] | None,
               taken_ids: set[str]) -> tuple[Layer | None, list[Problem]]:
    """Read and validate one layer file. Bad features are dropped; a layer with none left is None."""
    filename = Path(spec.file).name
    try:
        raw = (root / spec.file).read_bytes()
    except OSError as err:
        return None, [Problem(filename, "", "", f"cannot read layer '{spec.id}': {err.strerror}")]
    obj, problems = parse_json(raw, filename)
    if obj is None:
        return None, problems
    features, problems = validate_feature_collection(obj, filename, spec.role, known_sources, taken_ids)
    if not features:
        if not problems:
            problems = [Problem(filename, "", "features", "the layer has no features")]
        return None, problems
    geojson = {"type": "FeatureCollection", "features": features}
    frame = gpd.GeoDataFrame.from_features(features, crs=DISPLAY_CRS)
    return Layer(spec, geojson, frame), problems


def load_atlas(root: Path | None = None) -> Atlas:
    """Load the catalog, every table and every layer under ``root`` (default: the data folder)."""
    root = root or default_data_dir()
    atlas = Atlas()
    atlas.release, problems = load_release(root)
    atlas.problems += problems
    sources, problems = load_table("sources", root / "tables")
    atlas.problems += problems
    known_sources = set(sources["id"]) if sources is not None else None
    if sources is not None:
        atlas.tables["sources"] = sources
    for name in CITING_TABLES:
        frame, problems = load_table(name, root / "tables")
        atlas.problems += problems
        if frame is not None:
            if known_sources is not None:
                atlas.problems += unknown_source_problems(frame, f"{name}.csv", known_sources)
            atlas.tables[name] = frame
    specs, problems = load_catalog(root)
    atlas.problems += problems
    taken: set[str] = set()
    for spec in specs:
        layer, problems = load_layer(spec, root, known_sources, taken)
        atlas.problems += problems
        if layer is not None:
            atlas.layers[spec.id] = layer
            taken |= {f["properties"]["id"] for f in layer.geojson["features"]}
    return atlas
