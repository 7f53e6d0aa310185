"""Folium map builders (pure: no streamlit). Every string from data is escaped before it reaches HTML."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

import folium
import numpy as np
import shapely
import shapely.geometry
from branca.element import Element, MacroElement
from jinja2 import Template
from folium.elements import ElementAddToElement
from folium.features import GeoJsonStyleMapper
from folium.plugins import DualMap
from folium.utilities import JsCode, get_obj_in_upper_tree

from dashboard.core.assets import use_local_assets
from dashboard.core.catalog import LayerSpec, LayerStyle
from dashboard.core.fonts import font_stack
from dashboard.core.i18n import area_text, localized, t
from dashboard.core.legend import LegendEntry, MapLegend, legend_html
from dashboard.core.loaders import Atlas, Layer
from dashboard.core.stats import area_km2, feature_geometry

REGION_CENTER = (41.6, 128.6)
REGION_ZOOM = 5
ID_SEPARATOR = "|"

# Optional online tile layers; drawn in their own pane above the offline land fill but below our layers,
# so when they cannot load the offline basemap still shows through.
ONLINE_TILES: dict[str, dict[str, str]] = {
    "streets": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attr": "&copy; OpenStreetMap contributors (ODbL)"},
    "terrain": {"url": "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                "attr": "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)"},
    "light": {"url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
              "attr": "&copy; OpenStreetMap contributors &copy; CARTO"},
}
PANES = {"basemap": 250, "online_tiles": 300, "context": 380, "protected": 450, "points": 560}
SEA_COLOR = "#cfe3f1"
# The basemap is generalised Natural Earth (1:10m: edges good to a few hundred metres at best), drawn
# for context: 3 decimals (~100 m) lose nothing visible and make it a fifth lighter to send and parse.
BASEMAP_DECIMALS = 3


# (layer id, feature ids or None for all, lang, popups, compact) -> display collection
CollectionProvider = Callable[[str, "tuple[str, ...] | None", str, bool, bool], dict]


@dataclass(frozen=True)
class MapOptions:
    """What a map shows: language, optional layers switched on, online tiles, where assets live."""

    lang: str = "en"
    layers: frozenset[str] = field(default_factory=frozenset)
    online_tiles: tuple[str, ...] = ()
    asset_base: str = "/app/static/vendor"
    labels: bool = True
    popups: bool = True
    compact_popups: bool = False  # Explore: a short popup; the details panel has the full record
    height: int = 520
    # Optional provider of display collections (the app passes a cached one); see layer_collection().
    collections: CollectionProvider | None = field(default=None, compare=False)


# --- text shown for a feature ------------------------------------------------------------------

def confidence_text(code: str | None, lang: str) -> str:
    return t(f"confidence.{code}", lang) if code else ""


def feature_facts(props: dict[str, Any], lang: str, computed_km2: float | None) -> list[tuple[str, str]]:
    """(label, value) pairs describing a feature; the same facts feed popups and the details panel."""
    facts: list[tuple[str, str]] = []
    others = [props.get(f"name_{code}") for code in ("en", "ru", "zh") if code != lang]
    other_names = " · ".join(n for n in others if n)
    if other_names:
        facts.append((t("facts.other_names", lang), other_names))
    if props.get("designation"):
        facts.append((t("facts.designation", lang), localized(props, "designation", lang)))
    if props.get("country"):
        facts.append((t("facts.country", lang), t(f"country.{str(props['country']).lower()}", lang)))
    if props.get("status") == "former":
        facts.append((t("facts.status", lang), t("facts.status_former", lang)))
    if props.get("established"):
        facts.append((t("facts.established", lang), str(props["established"])))
    elif props.get("designation"):
        facts.append((t("facts.established", lang), t("facts.not_in_sources", lang)))
    if props.get("changes"):
        facts.append((t("facts.changes", lang), localized(props, "changes", lang)))
    if props.get("era_label"):
        period = f"{localized(props, 'era_label', lang)} ({props.get('year_from')}–{props.get('year_to')})"
        facts.append((t("facts.period", lang), period))
    description = localized(props, "description", lang)
    if description:
        facts.append((t("facts.description", lang), description))
    published = props.get("official_area_km2", props.get("published_area_km2"))
    if published is not None:
        conf = props.get("facts_confidence") or props.get("confidence")
        facts.append((t("facts.published_area", lang), f"{area_text(published, lang)} ({confidence_text(conf, lang)})"))
    elif "official_area_km2" in props or "published_area_km2" in props:
        facts.append((t("facts.published_area", lang), t("facts.no_published_area", lang)))
    if computed_km2 is not None:
        facts.append((t("facts.drawn_area", lang), area_text(computed_km2, lang)))
    facts.append((t("facts.shape", lang), f"{confidence_text(props.get('confidence'), lang)} — {localized(props, 'method', lang)}"))
    facts.append((t("facts.sources", lang), ", ".join(props.get("source_ids") or [])))
    return facts


def tooltip_html(props: dict[str, Any], lang: str) -> str:
    """Name on hover; the feature id rides along hidden so a click can be traced back to it."""
    name = localized(props, "name", lang) or props.get("id", "")
    return (f"<b>{escape(name)}</b>"
            f'<span style="display:none">{ID_SEPARATOR}{escape(str(props.get("id", "")))}</span>')


COMPACT_FACTS = ("facts.designation", "facts.established", "facts.period", "facts.published_area", "facts.drawn_area")


def popup_html(props: dict[str, Any], lang: str, computed_km2: float | None, compact: bool = False) -> str:
    name = localized(props, "name", lang) or props.get("id", "")
    facts = feature_facts(props, lang, computed_km2)
    if compact:
        wanted = {t(key, lang) for key in COMPACT_FACTS}
        facts = [(k, v) for k, v in facts if k in wanted]
    rows = "".join(f"<tr><th style='text-align:left;padding-right:6px;vertical-align:top'>{escape(k)}</th>"
                   f"<td>{escape(v)}</td></tr>" for k, v in facts)
    return f"<div style='max-width:320px'><h4 style='margin:0 0 4px'>{escape(name)}</h4><table>{rows}</table></div>"


def clicked_feature_id(tooltip_text: Any, known_ids: Iterable[str]) -> str | None:
    """The id behind a clicked tooltip's text (``"Name|id"``), if it is one of ``known_ids``.

    The text comes from the browser: anything that is not a string is no id.
    """
    if not isinstance(tooltip_text, str) or ID_SEPARATOR not in tooltip_text:
        return None
    candidate = tooltip_text.rsplit(ID_SEPARATOR, 1)[1].strip()
    return candidate if candidate in set(known_ids) else None


def display_collection(features: Iterable[dict[str, Any]], lang: str, with_popup: bool = True,
                       compact: bool = False, decimals: int | None = None) -> dict[str, Any]:
    """A FeatureCollection carrying only the id and the escaped tooltip/popup HTML (small payload).

    It also carries the standard GeoJSON ``bbox``, so map bounds need no walk over every coordinate.
    ``decimals`` rounds the drawn coordinates (display only; areas come from the full geometry).
    """
    out = []
    bounds = []
    for feature in features:
        props = feature["properties"]
        geom = feature_geometry(feature)
        bounds.append(geom.bounds)
        km2 = area_km2(geom) if feature["geometry"]["type"] != "Point" else None
        display = {"id": props["id"], "_tooltip": tooltip_html(props, lang)}
        if with_popup:
            display["_popup"] = popup_html(props, lang, km2, compact)
        drawn = feature["geometry"]
        if decimals is not None:
            drawn = shapely.geometry.mapping(shapely.transform(geom, lambda xy: xy.round(decimals)))
        out.append({"type": "Feature", "properties": display, "geometry": drawn})
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": out}
    if bounds:
        collection["bbox"] = [min(b[0] for b in bounds), min(b[1] for b in bounds),
                              max(b[2] for b in bounds), max(b[3] for b in bounds)]
    return collection


_LITERAL_EXPRESSION = re.compile(r"\{\{\s*'([A-Za-z0-9_]+)'\s*\}\}")


class _LiteralScript(Element):
    """Already-rendered script text. (branca would compile it as a Jinja template: slow for big GeoJSON.)

    folium's style maps leave references to other elements as ``{{'stripe_pattern_…'}}`` for that
    second template pass to resolve; those string-literal expressions are resolved here the same way.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = _LITERAL_EXPRESSION.sub(r"\1", text) if "{{" in text else text

    def render(self, **kwargs: Any) -> str:
        return self._text


class BoundedGeoJson(folium.GeoJson):
    """folium.GeoJson made cheap to render again and again, as st_folium does on every rerun.

    - Bounds come from the collection's ``bbox``: folium would walk every coordinate in Python.
    - The rendered script is kept as literal text: branca would compile it as a template.
    """

    def render(self, **kwargs: Any) -> None:
        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if (self.style or self.highlight) and self.data["features"]:
            mapper = GeoJsonStyleMapper(self.data, self.feature_identifier, self)
            if self.style:
                self.style_map = mapper.get_style_map(self.style_function)
            if self.highlight:
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        if self.show:  # as folium.map.Layer.render (folium 0.20; a test compares the two outputs)
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(_LiteralScript(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        bbox = self.data.get("bbox") if isinstance(self.data, dict) else None
        if bbox and len(bbox) == 4:
            west, south, east, north = bbox
            return [[south, west], [north, east]]
        return super()._get_self_bounds()


def layer_collection(layer: Layer, feature_ids: tuple[str, ...] | None, lang: str, popups: bool, compact: bool,
                     provider: CollectionProvider | None = None) -> dict[str, Any]:
    """The display collection of a layer (or of some of its features), from ``provider`` when given."""
    if provider is not None:
        return provider(layer.spec.id, feature_ids, lang, popups, compact)
    features = layer.geojson["features"]
    if feature_ids is not None:
        features = [f for f in features if f["properties"]["id"] in feature_ids]
    decimals = BASEMAP_DECIMALS if layer.spec.role == "basemap" else None
    return display_collection(features, lang, popups, compact, decimals)


# --- building blocks ---------------------------------------------------------------------------

def _style(spec_style: LayerStyle, overrides: dict[str, LayerStyle] | None = None):
    overrides = overrides or {}

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        chosen = overrides.get(feature["properties"]["id"], spec_style)
        return chosen.leaflet()

    return style


def _geojson(data: dict[str, Any], name: str, style: LayerStyle, pane: str | None,
             overrides: dict[str, LayerStyle] | None = None, interactive: bool = True,
             highlight: bool = True, attribution: str = "") -> folium.GeoJson:
    with_popup = interactive and all("_popup" in f["properties"] for f in data["features"])
    kwargs: dict[str, Any] = {}
    if pane:
        kwargs["pane"] = pane
    if attribution:  # Leaflet shows a layer's attribution as HTML: escape the catalog's plain text
        kwargs["attribution"] = escape(attribution)
    layer = BoundedGeoJson(
        data, name=name, style_function=_style(style, overrides),
        highlight_function=(lambda f: {"weight": style.weight + 2, "fillOpacity": min(1.0, style.fill_opacity + 0.15)})
        if highlight and interactive else None,
        tooltip=folium.GeoJsonTooltip(fields=["_tooltip"], labels=False, sticky=True) if interactive else None,
        popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=340, max_height=300)
        if with_popup else None,
        smooth_factor=0.5, interactive=interactive, **kwargs,
    )
    return layer


def _add_panes(fmap: folium.Map) -> None:
    for name, z_index in PANES.items():
        folium.map.CustomPane(name, z_index=z_index, pointer_events=name not in ("basemap", "online_tiles")).add_to(fmap)


#: Map text (labels, tooltips, popups, legend): the shipped Chinese font for CJK, then the system's sans-serif.
MAP_FONT = font_stack("sans-serif")


def _add_style(fmap: folium.Map) -> None:
    css = (f"<style>.leaflet-container{{background:{SEA_COLOR} !important;font-family:{MAP_FONT} !important}}"
           f".leaflet-tooltip.atlas-place{{font:600 12px/1.1 {MAP_FONT};color:#222;white-space:nowrap;"
           "background:none;border:none;box-shadow:none;padding:0 2px;"
           "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}"
           ".leaflet-tooltip.atlas-place::before{display:none}"
           ".leaflet-tooltip{font-size:14px}</style>")
    fmap.get_root().header.add_child(folium.Element(css))


def _basemap(fmap: folium.Map, atlas: Atlas, opts: MapOptions) -> None:
    for layer in atlas.layers_with_role("basemap"):
        data = layer_collection(layer, None, opts.lang, False, False, opts.collections)
        group = folium.FeatureGroup(name=layer.spec.title_in(opts.lang), control=False)
        _geojson(data, layer.spec.id, layer.spec.style, "basemap", interactive=False,
                 attribution=layer.spec.attribution).add_to(group)
        group.add_to(fmap)


def _online_tiles(fmap: folium.Map, opts: MapOptions) -> None:
    for key, tile in ONLINE_TILES.items():
        folium.TileLayer(tiles=tile["url"], attr=tile["attr"], name=t(f"tiles.{key}", opts.lang),
                         overlay=True, show=key in opts.online_tiles, pane="online_tiles", max_zoom=17).add_to(fmap)


def _context_outline(fmap: folium.Map, layer: Layer, opts: MapOptions) -> None:
    """The c. 1900 range as a faint hatched outline, always visible for context."""
    spec = layer.spec
    feature = layer.feature(spec.context_feature or "")
    if feature is None or spec.context_style is None:
        return
    data = layer_collection(layer, (feature["properties"]["id"],), opts.lang, opts.popups, opts.compact_popups,
                            opts.collections)
    name = t("legend.historical_outline", opts.lang)
    group = folium.FeatureGroup(name=name, show=True)
    outline = spec.context_style
    fill = LayerStyle(color=outline.color, fill_color=outline.color, fill_opacity=0.0, weight=outline.weight,
                      dash=outline.dash)
    layer_geojson = _geojson(data, spec.id + "_context", fill, "context", highlight=False)
    if outline.hatch:  # the hatch fills the same shape: one layer, one copy of the data
        pattern = folium.plugins.StripePattern(angle=-45, weight=1.2, space_weight=6, color=outline.color,
                                               opacity=0.55, space_opacity=0.0)
        pattern.add_to(fmap)
        layer_geojson.style_function = lambda f: {**fill.leaflet(), "fillPattern": pattern, "fillOpacity": 1.0}
    layer_geojson.add_to(group)
    group.add_to(fmap)


def _protected_areas(fmap: folium.Map, atlas: Atlas, opts: MapOptions) -> None:
    for layer in atlas.layers_with_role("protected_area"):
        if layer.spec.id not in opts.layers:
            continue
        group = folium.FeatureGroup(name=layer.spec.title_in(opts.lang))
        data = layer_collection(layer, None, opts.lang, opts.popups, opts.compact_popups, opts.collections)
        _geojson(data, layer.spec.id, layer.spec.style, "protected", layer.spec.feature_styles).add_to(group)
        group.add_to(fmap)


def _points(fmap: folium.Map, atlas: Atlas, opts: MapOptions) -> None:
    """Point records as a GeoJSON layer (CircleMarker symbols; no jQuery needed, unlike folium.Popup)."""
    for layer in atlas.layers_with_role("points"):
        if layer.spec.id not in opts.layers:
            continue
        style = layer.spec.style
        group = folium.FeatureGroup(name=layer.spec.title_in(opts.lang))
        BoundedGeoJson(
            layer_collection(layer, None, opts.lang, opts.popups, opts.compact_popups, opts.collections),
            name=layer.spec.id,
            pane="points",
            marker=folium.CircleMarker(radius=style.radius, color=style.color, fill=True, fill_color=style.fill_color,
                                       fill_opacity=style.fill_opacity, weight=style.weight),
            on_each_feature=JsCode("function (feature, layer) { layer.options.pane = 'points'; }"),
            tooltip=folium.GeoJsonTooltip(fields=["_tooltip"], labels=False),
            popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, max_width=340) if opts.popups else None,
        ).add_to(group)
        group.add_to(fmap)


def _place_labels(fmap: folium.Map, atlas: Atlas, opts: MapOptions) -> None:
    """Major place names as one GeoJSON layer: a dot each, with the name as a permanent tooltip label."""
    places = atlas.tables.get("places")
    if places is None or not opts.labels:
        return
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                 "properties": {"id": row.id, "_label": escape(localized(row._asdict(), "name", opts.lang))}}
                for row in places.itertuples() if row.label == "major"]
    if not features:
        return
    lons = [f["geometry"]["coordinates"][0] for f in features]
    lats = [f["geometry"]["coordinates"][1] for f in features]
    data = {"type": "FeatureCollection", "features": features, "bbox": [min(lons), min(lats), max(lons), max(lats)]}
    group = folium.FeatureGroup(name=t("layers.places", opts.lang), show=True)
    BoundedGeoJson(
        data, name="places", pane="points",
        marker=folium.CircleMarker(radius=2.5, color="#222222", weight=1, fill=True, fill_color="#222222",
                                   fill_opacity=1.0),
        # one permanent label per place (a GeoJsonTooltip would open only one); _label is escaped already.
        # folium drops `pane` from point-marker options, so it is set here, before Leaflet adds the dot.
        on_each_feature=JsCode("function (feature, layer) { layer.options.pane = 'points';"
                               " layer.options.interactive = false;"
                               " layer.bindTooltip(feature.properties._label, {permanent: true, direction: 'right',"
                               " offset: [3, 0], className: 'atlas-place'}); }"),
    ).add_to(group)
    group.add_to(fmap)


def _shared_layers(fmap: folium.Map, atlas: Atlas, opts: MapOptions) -> None:
    """What every atlas map shows whatever the era: basemap, c. 1900 context, parks, records, place names."""
    _basemap(fmap, atlas, opts)
    range_layer = atlas.range_layer()
    if range_layer is not None:
        _context_outline(fmap, range_layer, opts)
    _protected_areas(fmap, atlas, opts)
    _points(fmap, atlas, opts)
    _place_labels(fmap, atlas, opts)


def new_map(opts: MapOptions, location: tuple[float, float] = REGION_CENTER, zoom: int = REGION_ZOOM) -> folium.Map:
    fmap = folium.Map(location=location, zoom_start=zoom, tiles=None, control_scale=True, min_zoom=3, max_zoom=12,
                      prefer_canvas=False, zoom_control=True)
    _add_panes(fmap)
    _add_style(fmap)
    return fmap


def build_base_map(atlas: Atlas, opts: MapOptions, with_legend: bool = False,
                   extra_groups: Iterable[folium.FeatureGroup] = ()) -> folium.Map:
    """Everything that does not change with the era: basemap, context outline, parks, labels, controls.

    ``extra_groups`` (e.g. an era's range, for a self-contained map) are added before the layer control,
    which must come after every layer it lists.
    """
    fmap = new_map(opts)
    _online_tiles(fmap, opts)
    _shared_layers(fmap, atlas, opts)
    for group in extra_groups:
        group.add_to(fmap)
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    if with_legend:
        MapLegend(legend_html(t("legend.title", opts.lang), legend_entries(atlas, opts))).add_to(fmap)
    use_local_assets(fmap, opts.asset_base)
    return fmap


def build_era_group(atlas: Atlas, era_id: str, lang: str, popups: bool = True, compact: bool = False,
                    collections: CollectionProvider | None = None) -> folium.FeatureGroup:
    """The range of one era, as a feature group that st_folium can swap without redrawing the map."""
    layer = atlas.range_layer()
    group = folium.FeatureGroup(name=t("layers.range", lang))
    if layer is None:
        return group
    feature = layer.feature(era_id)
    if feature is not None:
        data = layer_collection(layer, (era_id,), lang, popups, compact, collections)
        _geojson(data, f"era_{era_id}", layer.spec.style, None).add_to(group)
    return group


class EraSwitch(MacroElement):
    """Every era's range shipped once with the map; the page picks the one shown, in the browser.

    The frame gets ``window.atlasShowEra(era_id, side)`` (``side``: ``"main"``, or Compare's ``"left"``
    and ``"right"``, one switch per map of a DualMap); its root element's ``data-atlas-era`` (another
    side: ``data-atlas-era-<side>``) says which is shown. The first era shown is the same attribute of
    the frame's element, when a same-origin embedding page set one (``dashboard/ui/era_control``), else
    ``default``. Likewise, on the main side, ``window.atlasShowView(lat, lng, zoom)`` and a
    ``data-atlas-view="lat,lng,zoom"`` attribute for the map's first view.
    All eras are features of one GeoJSON layer whose group joins the map only after the other eras are
    taken out (so only one is ever drawn). Handlers bound to the map's layers when it is created
    (st_folium's click reporting) sit on that GeoJSON layer, so they hear an era shown later too.
    """

    _template = Template("""{% macro script(this, kwargs) %}
(function () {
  var eras = {}, shown = null, layer = {{ this.geojson.get_name() }}, side = {{ this.side|tojson }};
  var attribute = side === "main" ? "data-atlas-era" : "data-atlas-era-" + side;
  layer.eachLayer(function (feature) { eras[feature.feature.properties.id] = feature; });
  layer.clearLayers();
  var switches = window.atlasEraSwitches = window.atlasEraSwitches || {};
  switches[side] = function (eraId) {
    if (!Object.prototype.hasOwnProperty.call(eras, eraId) || eraId === shown) return;
    if (shown !== null) layer.removeLayer(eras[shown]);
    layer.addLayer(eras[eraId]);
    shown = eraId;
    document.documentElement.setAttribute(attribute, eraId);
  };
  window.atlasShowEra = function (eraId, which) {
    var show = switches[which || "main"];
    if (show) show(eraId);
  };
  var map = {{ this._parent.get_name() }};
  if (side === "main") {
    window.atlasShowView = function (lat, lng, zoom) {
      if (isFinite(lat) && isFinite(lng) && isFinite(zoom)) map.setView([lat, lng], zoom);
    };
  }
  var first = {{ this.default|tojson }}, view = null;
  var frame = null;
  try { frame = window.frameElement; } catch (error) { frame = null; }  /* another origin: the defaults */
  if (frame && frame.getAttribute(attribute)) first = frame.getAttribute(attribute);
  if (frame && side === "main" && frame.getAttribute("data-atlas-view"))
    view = frame.getAttribute("data-atlas-view").split(",").map(Number);
  switches[side](first);
  if (shown === null) switches[side]({{ this.default|tojson }});
  if (view && view.length === 3) window.atlasShowView(view[0], view[1], view[2]);
  {{ this.group.get_name() }}.addTo(map);
})();
{% endmacro %}""")

    def __init__(self, group: folium.FeatureGroup, geojson: folium.GeoJson, default: str, side: str = "main") -> None:
        super().__init__()
        self._name = "EraSwitch"
        self.group = group
        self.geojson = geojson
        self.default = default
        self.side = side


def add_era_switch(fmap: folium.Map, atlas: Atlas, opts: MapOptions, default: str | None = None,
                   side: str = "main") -> list[str]:
    """Give ``fmap`` every era's range, one shown at a time (:class:`EraSwitch` for ``side``); returns the
    era ids. The era shown first, unless the embedding page asks for another, is ``default`` (else the
    newest).
    """
    layer = atlas.range_layer()
    era_ids = [era["id"] for era in atlas.eras()]
    if layer is None or not era_ids:
        return []
    data = layer_collection(layer, None, opts.lang, opts.popups, opts.compact_popups, opts.collections)
    group = folium.FeatureGroup(name=t("layers.range", opts.lang), show=False, control=False)
    geojson = _geojson(data, "era_switch", layer.spec.style, None)
    geojson.add_to(group)
    group.add_to(fmap)
    EraSwitch(group, geojson, default if default in era_ids else era_ids[-1], side).add_to(fmap)
    return era_ids


def build_explore_map(atlas: Atlas, era_id: str, opts: MapOptions, with_legend: bool = True) -> folium.Map:
    """Base map plus the era's range in one self-contained map (exports and tests)."""
    return build_base_map(atlas, opts, with_legend=with_legend,
                          extra_groups=[build_era_group(atlas, era_id, opts.lang, opts.popups, opts.compact_popups,
                                                        opts.collections)])


def legend_entries(atlas: Atlas, opts: MapOptions, era_label: str | None = None) -> list[LegendEntry]:
    entries: list[LegendEntry] = []
    layer = atlas.range_layer()
    if layer is not None:
        label = t("legend.range_of", opts.lang, era=era_label) if era_label else t("layers.range", opts.lang)
        entries.append(LegendEntry(label, layer.spec.style))
        if layer.spec.context_style is not None:
            entries.append(LegendEntry(t("legend.historical_outline", opts.lang), layer.spec.context_style))
    for layer in atlas.layers_with_role("protected_area"):
        spec = layer.spec
        if spec.id in opts.layers:
            entries.append(LegendEntry(spec.title_in(opts.lang), spec.style))
            former = [f["properties"]["id"] for f in layer.geojson["features"]
                      if f["properties"].get("status") == "former" and f["properties"]["id"] in spec.feature_styles]
            if former:
                entries.append(LegendEntry(t("legend.former", opts.lang), spec.feature_styles[former[0]]))
    for spec in _specs(atlas, "points"):
        if spec.id in opts.layers:
            entries.append(LegendEntry(spec.title_in(opts.lang), spec.style, shape="point"))
    for spec in _specs(atlas, "basemap"):
        entries.append(LegendEntry(spec.title_in(opts.lang), spec.style))
    return entries


def _specs(atlas: Atlas, role: str) -> list[LayerSpec]:
    return [layer.spec for layer in atlas.layers_with_role(role)]


def build_compare_map(atlas: Atlas, left_era: str, right_era: str, opts: MapOptions,
                      every_era: bool = False) -> DualMap:
    """Two synchronised maps side by side, one era each, with the same parks and context.

    ``every_era``: each map carries every era and shows ``left_era`` / ``right_era`` first; the page
    picks the eras in the browser (:class:`EraSwitch` sides ``"left"`` and ``"right"``)."""
    dual = DualMap(location=REGION_CENTER, zoom_start=REGION_ZOOM, tiles=None, control_scale=True)
    for side, era_id, name in ((dual.m1, left_era, "left"), (dual.m2, right_era, "right")):
        _add_panes(side)
        _shared_layers(side, atlas, opts)
        if every_era:
            add_era_switch(side, atlas, opts, era_id, side=name)
        else:
            build_era_group(atlas, era_id, opts.lang, opts.popups, opts.compact_popups, opts.collections).add_to(side)
    _add_style(dual.m1)
    use_local_assets(dual, opts.asset_base)
    return dual


USER_STYLE = LayerStyle(color="#CC79A7", fill_color="#CC79A7", fill_opacity=0.15, weight=3, dash="2 6")


USER_POPUP_BUDGET = 2_000_000  # characters of popup tables for one user layer (the rest: names only)
# Uploaded outlines are drawn simplified to about 10 m (0.0001 degrees), invisible at the map's zoom levels:
# a 200,000-corner upload is then a few thousand corners to send and draw. Measuring uses the full shapes.
USER_DISPLAY_TOLERANCE = 1e-4


def user_collection(frame: Any, lang: str) -> dict[str, Any]:
    """A user's uploaded or drawn areas as GeoJSON with escaped tooltip/popup HTML (values are untrusted).

    Outlines are drawn simplified to ``USER_DISPLAY_TOLERANCE`` degrees. Popups list every attribute until ``USER_POPUP_BUDGET`` characters are used (5,000 shapes with 20
    long values each would make a 20 MB map message); later shapes' popups show their name only.
    """
    features = []
    columns = [column for column in frame.columns if column != frame.geometry.name]
    records = frame[columns].to_dict("records")  # keeps every column name ("Area (ha)", "2020", "class")
    budget = USER_POPUP_BUDGET
    shown = shapely.simplify(np.asarray(frame.geometry.values, dtype=object), USER_DISPLAY_TOLERANCE,
                             preserve_topology=True)
    for index, (values, geometry) in enumerate(zip(records, shown), start=1):
        name = str(values.get("name") or f"{t('user.area', lang)} {index}")
        rows = "".join(f"<tr><th style='text-align:left;padding-right:6px'>{escape(str(k))}</th>"
                       f"<td>{escape(str(v))}</td></tr>" for k, v in values.items() if k != "name")
        budget -= len(rows)
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
                         "properties": {"id": f"user_{index}", "_tooltip": f"<b>{escape(name)}</b>",
                                        "_popup": f"<h4 style='margin:0 0 4px'>{escape(name)}</h4>"
                                                  f"<table>{rows if budget >= 0 else ''}</table>"}})
    return {"type": "FeatureCollection", "features": features}


def build_user_group(frame: Any, lang: str) -> folium.FeatureGroup:
    """The user's own layer, drawn above everything else."""
    group = folium.FeatureGroup(name=t("user.layer", lang))
    if frame is not None and len(frame):
        _geojson(user_collection(frame, lang), "user_layer", USER_STYLE, "points").add_to(group)
    return group


def add_draw_tool(fmap: folium.Map, asset_base: str) -> None:
    """Leaflet.draw with polygon and rectangle only (edit and delete included); assets stay local."""
    folium.plugins.Draw(
        export=False, position="topleft",
        draw_options={"polyline": False, "circle": False, "marker": False, "circlemarker": False,
                      "polygon": {"allowIntersection": False, "showArea": True}, "rectangle": {"showArea": True}},
        edit_options={"edit": True, "remove": True},
    ).add_to(fmap)
    use_local_assets(fmap, asset_base)
