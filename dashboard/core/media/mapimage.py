"""Map images for slides: a map view drawn with matplotlib (Agg, no pyplot state) with its title, key,
scale bar, era, an "approximate drawing" note and its sources burned in.

The map uses the app's data, catalog styles (colours, dashes, the hatched c. 1900 outline) and legend
entries (``maps.legend_entries``), in a Lambert azimuthal equal-area projection centred on the region, so
the scale bar is true to a few per cent across the frame. The frame is the era's range with room around
it; an inset shows where that frame lies within the c. 1900 range.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from dashboard.core.catalog import LayerStyle
from dashboard.core.fonts import print_text
from dashboard.core.i18n import localized, t
from dashboard.core.loaders import Atlas
from dashboard.core.maps import SEA_COLOR, MapOptions, legend_entries
from dashboard.core.media.text import sized, source_names, width_pt, wrap

#: Equal-area, centred on the leopard's region: areas true, distances true to ~2 % within 800 km of 43 N 130 E.
PROJECTION = "+proj=laea +lat_0=43 +lon_0=130 +datum=WGS84 +units=m +no_defs"
SLIDE_INCHES = (16.0, 9.0)
SLIDE_DPI = 100  # 1600 x 900 px
DEFAULT_URL = "http://localhost:8501/"
MIN_FRAME_M = 420_000  # a frame never narrower than this: the smallest range keeps its surroundings
FRAME_PAD = 0.22  # room around the era's range, as a share of its size on each side
SCALE_STEPS_KM = (10, 20, 50, 100, 200, 300, 500, 1000)

#: matplotlib's font objects are shared and not safe to use from two threads at once (the app builds files
#: in download threads): every public drawing function holds this lock.
DRAWING = threading.RLock()

# Figure layout (fractions of the figure): header, map area, side panel, footer.
MAP_LEFT, MAP_WIDTH = 0.015, 0.685
PANEL_LEFT, PANEL_RIGHT = 0.715, 0.985
HEADER_TOP = 0.965
FOOTER_BOTTOM = 0.02


@dataclass(frozen=True)
class MapView:
    """What a map image shows: one era (two for a comparison), the optional layers, the language."""

    era: str
    layers: tuple[str, ...] = ()
    lang: str = "en"


@dataclass
class Scene:
    """The atlas's shapes, projected once, for drawing one or more images in one language."""

    atlas: Atlas
    lang: str
    options: MapOptions
    basemap: list[tuple[gpd.GeoSeries, LayerStyle]]
    eras: dict[str, Any]
    era_props: dict[str, dict[str, Any]]
    range_style: LayerStyle | None
    context: Any
    context_style: LayerStyle | None
    parks: list[tuple[Any, LayerStyle]]
    points: list[tuple[gpd.GeoSeries, LayerStyle]]
    places: list[tuple[float, float, str]]
    sources: Any

    def era_label(self, era_id: str) -> str:
        return localized(self.era_props[era_id], "era_label", self.lang)

    def era_years(self, era_id: str) -> str:
        props = self.era_props[era_id]
        return t("media.era_years", self.lang, era=self.era_label(era_id), start=props.get("year_from"),
                 end=props.get("year_to"))

    def extent(self) -> tuple[float, float, float, float]:
        """The c. 1900 range (else every era), the widest view the images use."""
        geoms = [self.context] if self.context is not None else list(self.eras.values())
        return shapely.union_all(geoms).bounds if geoms else (-1e6, -1e6, 1e6, 1e6)


def build_scene(atlas: Atlas, lang: str, layers: tuple[str, ...] | frozenset[str] = ()) -> Scene:
    """Project the basemap, the eras, the chosen parks and records, and the major place names."""
    chosen = frozenset(layers)
    options = MapOptions(lang=lang, layers=chosen)

    def projected(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.to_crs(PROJECTION)

    basemap = [(projected(layer.frame).geometry, layer.spec.style) for layer in atlas.layers_with_role("basemap")]
    range_layer = atlas.range_layer()
    eras, era_props, context = {}, {}, None
    range_style = context_style = None
    if range_layer is not None:
        frame = projected(range_layer.frame)
        for feature, geom in zip(range_layer.geojson["features"], frame.geometry):
            eras[feature["properties"]["id"]] = geom
            era_props[feature["properties"]["id"]] = feature["properties"]
        range_style, context_style = range_layer.spec.style, range_layer.spec.context_style
        context = eras.get(range_layer.spec.context_feature or "")
    eras = dict(sorted(eras.items(), key=lambda item: era_props[item[0]].get("year_from", 0)))
    parks = []
    for layer in atlas.layers_with_role("protected_area"):
        if layer.spec.id not in chosen:
            continue
        frame = projected(layer.frame)
        for feature, geom in zip(layer.geojson["features"], frame.geometry):
            parks.append((geom, layer.spec.feature_styles.get(feature["properties"]["id"], layer.spec.style)))
    points = [(projected(layer.frame).geometry, layer.spec.style) for layer in atlas.layers_with_role("points")
              if layer.spec.id in chosen]
    places = []
    table = atlas.tables.get("places")
    if table is not None and len(table):
        major = table[table["label"] == "major"]
        spots = gpd.GeoSeries(gpd.points_from_xy(major["lon"], major["lat"]), crs="EPSG:4326").to_crs(PROJECTION)
        places = [(p.x, p.y, localized(row, "name", lang)) for p, row in zip(spots, major.to_dict("records"))]
    return Scene(atlas, lang, options, basemap, eras, era_props, range_style, context, context_style, parks, points, places,
                 atlas.table("sources"))


# --- geometry helpers --------------------------------------------------------------------------

def fit_frame(bounds: tuple[float, float, float, float], aspect: float, pad: float = FRAME_PAD,
              min_width: float = MIN_FRAME_M) -> tuple[float, float, float, float]:
    """``bounds`` padded, at least ``min_width`` wide, widened or heightened to ``aspect`` (width/height)."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    width = max((x1 - x0) * (1 + 2 * pad), min_width)
    height = max((y1 - y0) * (1 + 2 * pad), min_width / aspect)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def era_frame(scene: Scene, era_ids: list[str], aspect: float) -> tuple[float, float, float, float]:
    geoms = [scene.eras[e] for e in era_ids if e in scene.eras]
    bounds = shapely.union_all(geoms).bounds if geoms else scene.extent()
    return fit_frame(bounds, aspect)


def _clip(geoms: gpd.GeoSeries, frame: tuple[float, float, float, float]) -> gpd.GeoSeries:
    x0, y0, x1, y1 = frame
    margin = (x1 - x0) * 0.05
    clipped = shapely.clip_by_rect(geoms.values, x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    series = gpd.GeoSeries(clipped)
    return series[~series.is_empty]


# --- drawing -------------------------------------------------------------------------------------

def _lw(style: LayerStyle, scale: float = 1.0) -> float:
    return max(0.3, style.weight * 0.75 * scale)  # Leaflet px -> points


def _dashes(style: LayerStyle, scale: float = 1.0) -> Any:
    if not style.dash:
        return "solid"
    lw = _lw(style, scale)
    return (0, tuple(float(x) * 0.75 * scale / lw for x in str(style.dash).replace(",", " ").split()))


def _draw_shapes(ax, geoms, style: LayerStyle, *, fill: bool = True, hatch: bool = False, scale: float = 1.0,
                 zorder: float = 1) -> None:
    series = geoms if isinstance(geoms, gpd.GeoSeries) else gpd.GeoSeries([geoms])
    series = series[~series.is_empty]
    if not len(series):
        return
    kwargs: dict[str, Any] = {"linewidth": _lw(style, scale), "linestyle": _dashes(style, scale),
                              "edgecolor": style.color, "zorder": zorder}
    if hatch:
        kwargs.update(facecolor="none", hatch="//", alpha=None)
    elif fill:
        kwargs.update(facecolor=_rgba(style.fill_color, style.fill_opacity))
    else:
        kwargs.update(facecolor="none")
    series.plot(ax=ax, **kwargs)
    if hatch:
        for collection in ax.collections[-1:]:
            collection.set_hatch_linewidth(0.7 * scale)
            collection.set_hatchcolor(_rgba(style.color, 0.5))


def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    value = color.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, float(alpha))


def _fig_pt(fig: Figure) -> tuple[float, float]:
    """Figure width and height in points."""
    w, h = fig.get_size_inches()
    return w * 72, h * 72


def _place_labels(ax, fig: Figure, scene: Scene, frame, avoid: Any, scale: float, reserved: list[Any]) -> None:
    """Major place names, each beside its dot, never over the range, another name or the ``reserved`` boxes
    (scale bar, era caption): a name that fits nowhere is left out with its dot."""
    x0, y0, x1, y1 = frame
    box = ax.get_position()
    fig_w, fig_h = _fig_pt(fig)
    per_pt_x = (x1 - x0) / (box.width * fig_w)
    per_pt_y = (y1 - y0) / (box.height * fig_h)
    prop = sized(11 * scale, "bold")
    taken: list[Any] = list(reserved)
    for x, y, name in sorted(scene.places, key=lambda p: -len(p[2])):
        if not (x0 < x < x1 and y0 < y < y1) or not name:
            continue
        w = (width_pt(name, prop) + 4 * scale) * per_pt_x
        h = 13 * scale * per_pt_y
        gap = 5 * scale * per_pt_x
        spot = shapely.Point(x, y).buffer(3 * scale * per_pt_x)
        if (avoid is not None and spot.intersects(avoid)) or any(spot.intersects(other) for other in taken):
            continue
        candidates = [((x + gap, y - h / 2), "left", "center"), ((x - gap - w, y - h / 2), "right", "center"),
                      ((x - w / 2, y + gap), "center", "bottom"), ((x - w / 2, y - gap - h), "center", "top")]
        for (bx, by), ha, va in candidates:
            label_box = shapely.box(bx, by, bx + w, by + h)
            inside = bx > x0 and by > y0 and bx + w < x1 and by + h < y1
            if not inside or any(label_box.intersects(other) for other in taken):
                continue
            if avoid is not None and label_box.intersects(avoid):
                continue
            taken += [label_box, spot]
            ax.add_patch(Circle((x, y), 2.4 * scale * per_pt_x, color="#222222", zorder=8))
            tx = {"left": x + gap, "right": x - gap, "center": x}[ha]
            ty = {"center": y, "bottom": y + gap, "top": y - gap}[va]
            ax.text(tx, ty, print_text(name), fontproperties=prop, color="#222222", ha=ha, va=va, zorder=9,
                    path_effects=_halo(scale))
            break


def _halo(scale: float) -> list:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=3 * scale, foreground="white")]


def _scale_bar(ax, fig: Figure, frame, lang: str, scale: float) -> Any:
    """A two-part scale bar in the lower left corner, on a white box; returns that box (map units)."""
    x0, y0, x1, y1 = frame
    span_km = (x1 - x0) / 1000
    length = max((s for s in SCALE_STEPS_KM if s <= span_km / 4), default=SCALE_STEPS_KM[0])
    box = ax.get_position()
    per_pt = (x1 - x0) / (box.width * _fig_pt(fig)[0])
    pad = 6 * scale * per_pt
    left, bottom = x0 + 2 * pad, y0 + 2 * pad
    bar_h = 5 * scale * per_pt
    half = length * 500
    text_h = 14 * scale * per_pt
    back = shapely.box(left - pad, bottom - pad, left + length * 1000 + pad, bottom + bar_h + text_h + pad)
    bx0, by0, bx1, by1 = back.bounds
    ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, facecolor=(1, 1, 1, 0.85), edgecolor="none", zorder=10))
    ax.add_patch(Rectangle((left, bottom), half, bar_h, facecolor="#222222", edgecolor="#222222", lw=0.6, zorder=11))
    ax.add_patch(Rectangle((left + half, bottom), half, bar_h, facecolor="white", edgecolor="#222222", lw=0.6,
                           zorder=11))
    ax.text(left, bottom + bar_h + 2 * scale * per_pt, f"{length} {t('media.km', lang)}",
            fontproperties=sized(10.5 * scale), ha="left", va="bottom", zorder=12, color="#222222")
    return back


def _draw_map(ax, fig: Figure, scene: Scene, era_id: str | None, frame, scale: float = 1.0,
              era_caption: bool = True, labels: bool = True) -> None:
    x0, y0, x1, y1 = frame
    ax.set_facecolor(SEA_COLOR)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#555555")
        spine.set_linewidth(0.8)
    for geoms, style in scene.basemap:
        _draw_shapes(ax, _clip(geoms, frame), style, scale=scale * 0.8, zorder=1)
    if scene.context is not None and scene.context_style is not None:
        _draw_shapes(ax, scene.context, scene.context_style, hatch=True, scale=scale, zorder=2)
    for geom, style in scene.parks:
        _draw_shapes(ax, geom, style, scale=scale, zorder=3)
    era = scene.eras.get(era_id) if era_id else None
    if era is not None and scene.range_style is not None:
        _draw_shapes(ax, era, scene.range_style, scale=scale * 1.2, zorder=4)
    for geoms, style in scene.points:
        for p in geoms:
            if x0 < p.x < x1 and y0 < p.y < y1:
                ax.add_patch(Circle((p.x, p.y), style.radius * 0.75 * scale * (x1 - x0) / (ax.get_position().width
                                    * _fig_pt(fig)[0]), facecolor=_rgba(style.fill_color, style.fill_opacity),
                                    edgecolor=style.color, lw=_lw(style, scale), zorder=6))
    ax.set_xlabel("")
    ax.set_ylabel("")
    reserved = [_scale_bar(ax, fig, frame, scene.lang, scale)]
    if era_caption and era_id in scene.era_props:
        reserved.append(shapely.box(x0, y1 - (y1 - y0) * 0.13, x0 + (x1 - x0) * 0.5, y1))
        ax.text(0.015, 0.975, print_text(scene.era_years(era_id)), transform=ax.transAxes,
                fontproperties=sized(19 * scale, "bold"), ha="left", va="top", zorder=12, color="#111111",
                bbox={"facecolor": (1, 1, 1, 0.9), "edgecolor": "#999999", "boxstyle": "round,pad=0.35", "lw": 0.6})
    if labels:
        _place_labels(ax, fig, scene, frame, era, scale, reserved)


def _legend(fig: Figure, scene: Scene, era_label: str | None, top: float, scale: float) -> float:
    """The map key in the side panel, from ``maps.legend_entries``; returns the figure y under it."""
    fig_w, fig_h = _fig_pt(fig)
    x = PANEL_LEFT
    width_pt_avail = (PANEL_RIGHT - PANEL_LEFT) * fig_w
    title = sized(15 * scale, "bold")
    fig.text(x, top, print_text(t("legend.title", scene.lang)), fontproperties=title, va="top", ha="left")
    y = top - 27 * scale / fig_h
    body = sized(11.5 * scale)
    line = 15.5 * scale / fig_h
    sw_w, sw_h = 26 * scale / fig_w, 15 * scale / fig_h
    for entry in legend_entries(scene.atlas, scene.options, era_label):
        lines = wrap(entry.label, body, width_pt_avail - 36 * scale)
        style = entry.style
        sy = y - sw_h
        if entry.shape == "point":
            fig.patches.append(Circle((x + sw_w / 2, sy + sw_h / 2), sw_h * 0.35 * fig_h / fig_w * 1.0,
                                      transform=fig.transFigure, facecolor=_rgba(style.fill_color, 1.0),
                                      edgecolor=style.color, lw=1))
        else:
            hatch = bool(style.hatch)
            patch = Rectangle((x, sy), sw_w, sw_h, transform=fig.transFigure,
                              facecolor="none" if hatch else _rgba(style.fill_color, style.fill_opacity),
                              edgecolor=style.color, lw=min(2.2, _lw(style, scale)), linestyle=_dashes(style, scale),
                              hatch="///" if hatch else None)
            fig.patches.append(patch)
        for i, text in enumerate(lines):
            fig.text(x + 36 * scale / fig_w, y - i * line, text, fontproperties=body, va="top", ha="left")
        y -= max(len(lines) * line, sw_h) + 7 * scale / fig_h
    return y


def _box_aspect(box: tuple[float, float, float, float], inches: tuple[float, float] = SLIDE_INCHES) -> float:
    return (box[2] * inches[0]) / (box[3] * inches[1])


def _inset(fig: Figure, scene: Scene, era_id: str | None, frame, box, scale: float) -> None:
    """Where the frame lies within the c. 1900 range: a small overview with the frame as a red box."""
    ax = fig.add_axes(box)
    whole = fit_frame(scene.extent(), _box_aspect(box, tuple(fig.get_size_inches())), pad=0.08, min_width=0)
    ax.set_facecolor(SEA_COLOR)
    ax.set_xlim(whole[0], whole[2])
    ax.set_ylim(whole[1], whole[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for geoms, style in scene.basemap:
        _draw_shapes(ax, _clip(geoms, whole), LayerStyle(color="#9a9a9a", fill_color=style.fill_color,
                                                          fill_opacity=1.0, weight=0.4), scale=scale)
    if scene.context is not None and scene.context_style is not None:
        _draw_shapes(ax, scene.context, scene.context_style, hatch=True, scale=scale * 0.6)
    if era_id in scene.eras and scene.range_style is not None:
        _draw_shapes(ax, scene.eras[era_id], scene.range_style, scale=scale * 0.6)
    ax.set_xlabel("")
    ax.set_ylabel("")
    x0, y0, x1, y1 = frame
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor="#C00000", lw=1.8 * scale,
                           zorder=10))
    fig_h = _fig_pt(fig)[1]
    fig.text(box[0], box[1] + box[3] + 5 * scale / fig_h, print_text(t("media.overview", scene.lang)),
             fontproperties=sized(11 * scale, "bold"), va="bottom", ha="left")


def _note(fig: Figure, text: str, top: float, scale: float) -> float:
    """A boxed note in the side panel (the "approximate drawing" warning); returns the y under it."""
    fig_w, fig_h = _fig_pt(fig)
    prop = sized(11 * scale)
    lines = wrap(text, prop, (PANEL_RIGHT - PANEL_LEFT) * fig_w - 16 * scale)
    line = 15 * scale / fig_h
    height = len(lines) * line + 12 * scale / fig_h
    fig.patches.append(Rectangle((PANEL_LEFT, top - height), PANEL_RIGHT - PANEL_LEFT, height,
                                 transform=fig.transFigure, facecolor="#FFF4D6", edgecolor="#E69F00", lw=1))
    for i, text_line in enumerate(lines):
        fig.text(PANEL_LEFT + 8 * scale / fig_w, top - 6 * scale / fig_h - i * line, text_line, fontproperties=prop,
                 va="top", ha="left", color="#3a2a00")
    return top - height


def _header(fig: Figure, title: str, subtitle: str, scale: float) -> None:
    fig_h = _fig_pt(fig)[1]
    fig.text(MAP_LEFT, HEADER_TOP, print_text(title), fontproperties=sized(25 * scale, "bold"), va="top",
             ha="left", color="#111111")
    fig.text(MAP_LEFT, HEADER_TOP - 38 * scale / fig_h, print_text(subtitle), fontproperties=sized(14 * scale),
             va="top", ha="left", color="#333333")


def _footer(fig: Figure, scene: Scene, source_ids: list[str], url: str, scale: float) -> None:
    fig_w, fig_h = _fig_pt(fig)
    prop = sized(10 * scale)
    names = "; ".join(source_names(source_ids, scene.sources))
    lines = wrap(t("media.sources", scene.lang, sources=names), prop, (1 - 2 * MAP_LEFT) * fig_w, max_lines=2)
    credit = t("media.credit", scene.lang, url=url)
    line = 13.5 * scale / fig_h
    y = FOOTER_BOTTOM + line + len(lines) * line
    for i, text_line in enumerate(lines):
        fig.text(MAP_LEFT, y - i * line, text_line, fontproperties=prop, va="top", ha="left", color="#333333")
    fig.text(MAP_LEFT, FOOTER_BOTTOM, print_text(credit), fontproperties=sized(9.5 * scale), va="bottom",
             ha="left", color="#555555")


def _era_sources(scene: Scene, era_ids: list[str]) -> list[str]:
    ids: list[str] = []
    for era_id in era_ids:
        for source in scene.era_props.get(era_id, {}).get("source_ids") or []:
            if source not in ids:
                ids.append(source)
    return ids


def map_boxes(inches: tuple[float, float] = SLIDE_INCHES, scale: float = 1.0,
              count: int = 1) -> list[tuple[float, float, float, float]]:
    """Where the maps go (figure fractions: left, bottom, width, height), side by side: below the header and
    above the footer, whose text needs ``scale`` times its points."""
    fig_h = inches[1] * 72
    top = HEADER_TOP - 60 * scale / fig_h
    bottom = FOOTER_BOTTOM + 52 * scale / fig_h
    gap = 0.012
    count = max(1, count)
    width = (MAP_WIDTH - gap * (count - 1)) / count
    return [(MAP_LEFT + i * (width + gap), bottom, width, top - bottom) for i in range(count)]


def slide(scene: Scene, era_ids: list[str], *, title: str, subtitle: str, note: str | None = None,
          url: str = DEFAULT_URL, frame: tuple[float, float, float, float] | None = None, inset: bool = True,
          inches: tuple[float, float] = SLIDE_INCHES, scale: float = 1.0) -> Figure:
    """A 16:9 figure: header, one map per era (side by side), key, note, inset, sources and credit.

    Text sizes are points times ``scale``; the header and footer take the room their text needs and the
    maps the rest, so a smaller sheet (``inches``) with a larger ``scale`` suits print.
    """
    fig = Figure(figsize=inches, facecolor="white")
    FigureCanvasAgg(fig)
    fig_h = inches[1] * 72
    boxes = map_boxes(inches, scale, len(era_ids))
    top, bottom, height = boxes[0][1] + boxes[0][3], boxes[0][1], boxes[0][3]
    frame = frame or era_frame(scene, era_ids, _box_aspect(boxes[0], inches))
    for box, era_id in zip(boxes, era_ids or [None]):
        ax = fig.add_axes(box)
        _draw_map(ax, fig, scene, era_id, frame, scale, era_caption=True, labels=len(era_ids) < 2)
    _header(fig, title, subtitle, scale)
    era_label = scene.era_label(era_ids[0]) if len(era_ids) == 1 and era_ids[0] in scene.era_props else None
    y = _legend(fig, scene, era_label, top, scale)
    if note:
        y = _note(fig, note, y - 10 * scale / fig_h, scale)
    whole = scene.extent()
    shows_all = frame[0] <= whole[0] and frame[1] <= whole[1] and frame[2] >= whole[2] and frame[3] >= whole[3]
    inset_h = 0.3 * height
    if inset and not shows_all and y - 30 * scale / fig_h > bottom + inset_h:
        _inset(fig, scene, era_ids[-1] if era_ids else None, frame,
               (PANEL_LEFT, bottom, PANEL_RIGHT - PANEL_LEFT, inset_h), scale)
    _footer(fig, scene, _era_sources(scene, era_ids), url, scale)
    return fig


def figure_png(fig: Figure, dpi: float) -> bytes:
    """The figure as PNG bytes (no timestamps: the same figure gives the same file)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def era_slide(scene: Scene, era_id: str, url: str = DEFAULT_URL, inches: tuple[float, float] = SLIDE_INCHES,
              scale: float = 1.0) -> Figure:
    """One era framed on its range, with the c. 1900 outline and an overview inset."""
    return slide(scene, [era_id], title=t("legend.range_of", scene.lang, era=scene.era_label(era_id)),
                 subtitle=t("legend.note", scene.lang), url=url, inches=inches, scale=scale)


def map_png(atlas: Atlas, view: MapView, dpi: float = SLIDE_DPI, url: str = DEFAULT_URL) -> bytes:
    """A slide-ready PNG of a map view (16:9; 1600 x 900 px at the default ``dpi``)."""
    scene = build_scene(atlas, view.lang, view.layers)
    if view.era not in scene.eras:
        raise ValueError(f"unknown era {view.era!r}; expected one of {', '.join(scene.eras)}")
    with DRAWING:
        return figure_png(era_slide(scene, view.era, url), dpi)


def compare_png(atlas: Atlas, left: str, right: str, lang: str, layers: tuple[str, ...] = (),
                dpi: float = SLIDE_DPI, url: str = DEFAULT_URL) -> bytes:
    """Two eras side by side on the same frame (the Compare view) as a slide-ready PNG."""
    scene = build_scene(atlas, lang, layers)
    unknown = [e for e in (left, right) if e not in scene.eras]
    if unknown:
        raise ValueError(f"unknown era {unknown[0]!r}; expected one of {', '.join(scene.eras)}")
    with DRAWING:
        fig = slide(scene, [left, right], title=t("export.compare_title", lang, left=scene.era_label(left),
                                                    right=scene.era_label(right)),
                    subtitle=t("legend.note", lang), url=url)
        return figure_png(fig, dpi)
