"""The layer catalog: data/catalog.json lists every map layer file and how to draw it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.core.validation import Problem, parse_json

ROLES = ("basemap", "range", "protected_area", "points")
LANGUAGES = ("en", "ru", "zh")


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn (colours from the Okabe-Ito colour-blind-safe palette)."""

    color: str = "#000000"
    fill_color: str = "#000000"
    fill_opacity: float = 0.2
    weight: float = 2.0
    dash: str | None = None
    hatch: str | None = None
    radius: float = 6.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> LayerStyle:
        raw = raw or {}
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw and raw[k] is not None}
        return cls(**known)

    def leaflet(self) -> dict[str, Any]:
        """Leaflet path options for this style."""
        return {"color": self.color, "fillColor": self.fill_color, "fillOpacity": self.fill_opacity,
                "weight": self.weight, "dashArray": self.dash, "opacity": 1.0}


@dataclass(frozen=True)
class LayerSpec:
    """One catalog entry: a GeoJSON file, its role, titles and style."""

    id: str
    file: str
    role: str
    group: str
    title: dict[str, str]
    style: LayerStyle
    context_style: LayerStyle | None = None
    context_feature: str | None = None
    default_on: bool = True
    feature_styles: dict[str, LayerStyle] = field(default_factory=dict)
    attribution: str = ""  # plain text credit shown in the map's attribution line (escaped when drawn)

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.id


def load_catalog(data_dir: Path) -> tuple[list[LayerSpec], list[Problem]]:
    """Read ``catalog.json``; a broken entry is reported and skipped, the others load."""
    filename = "catalog.json"
    path = data_dir / filename
    try:
        raw = path.read_bytes()
    except OSError as err:
        return [], [Problem(filename, "", "", f"cannot read the layer catalog: {err.strerror}")]
    obj, problems = parse_json(raw, filename)
    if obj is None:
        return [], problems
    entries = obj.get("layers") if isinstance(obj, dict) else None
    if not isinstance(entries, list):
        return [], [Problem(filename, "", "layers", "expected a list of layer entries")]
    specs: list[LayerSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"entry #{index + 1}"
        if not isinstance(entry, dict):
            problems.append(Problem(filename, where, "", "expected an object"))
            continue
        missing = [k for k in ("id", "file", "role", "title") if not entry.get(k)]
        if missing:
            problems += [Problem(filename, where, k, "missing") for k in missing]
            continue
        where = f"layer '{entry['id']}'"
        if entry["role"] not in ROLES:
            problems.append(Problem(filename, where, "role", f"'{entry['role']}' is not one of {', '.join(ROLES)}"))
            continue
        if entry["id"] in seen:
            problems.append(Problem(filename, where, "id", "duplicate layer id"))
            continue
        title = entry["title"] if isinstance(entry["title"], dict) else {"en": str(entry["title"])}
        seen.add(entry["id"])
        specs.append(LayerSpec(
            id=entry["id"], file=entry["file"], role=entry["role"], group=entry.get("group", entry["role"]),
            title={k: str(v) for k, v in title.items()},
            style=LayerStyle.from_dict(entry.get("style")),
            context_style=LayerStyle.from_dict(entry["context_style"]) if entry.get("context_style") else None,
            context_feature=entry.get("context_feature"),
            default_on=bool(entry.get("default_on", True)),
            feature_styles={k: LayerStyle.from_dict(v) for k, v in (entry.get("feature_styles") or {}).items()},
            attribution=str(entry.get("attribution") or ""),
        ))
    return specs, problems
