"""A categorical legend: what each colour, line and hatch on the map means. All text is escaped."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from branca.element import MacroElement, Template

from dashboard.core.catalog import LayerStyle
from dashboard.core.fonts import font_stack


@dataclass(frozen=True)
class LegendEntry:
    label: str
    style: LayerStyle
    shape: str = "area"  # "area", "point" or "outline"


def swatch_css(entry: LegendEntry) -> str:
    """Inline CSS for a swatch that mimics the map symbol (fill, border, dash, hatch)."""
    style = entry.style
    border = "dashed" if style.dash else "solid"
    if entry.shape == "point":
        return (f"display:inline-block;width:12px;height:12px;border-radius:50%;background:{style.fill_color};"
                f"border:1.5px solid {style.color};")
    background = _rgba(style.fill_color, style.fill_opacity)
    if style.hatch:
        background = (f"repeating-linear-gradient(-45deg,{style.color} 0 1.5px,transparent 1.5px 6px)")
    return (f"display:inline-block;width:22px;height:14px;background:{background};"
            f"border:{max(1.0, min(style.weight, 3.0)):.1f}px {border} {style.color};")


def _rgba(hex_color: str, alpha: float) -> str:
    value = hex_color.lstrip("#")
    if len(value) != 6:
        return hex_color
    r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def legend_html(title: str, entries: list[LegendEntry], note: str = "", inline: bool = False) -> str:
    """The legend as an HTML fragment (beside the map, under it with ``inline``, or inside exported maps)."""
    rows = "".join(
        f'<li style="list-style:none;margin:3px 14px 3px 0;display:flex;align-items:center;gap:8px">'
        f'<span aria-hidden="true" style="{swatch_css(e)}"></span><span>{escape(e.label)}</span></li>'
        for e in entries
    )
    list_style = "display:flex;flex-wrap:wrap;" if inline else ""
    note_html = f'<div style="font-size:0.8em;color:#444;margin-top:4px">{escape(note)}</div>' if note else ""
    return (f'<div class="atlas-legend" role="list" aria-label="{escape(title)}">'
            f'<div style="font-weight:600;margin-bottom:2px">{escape(title)}</div>'
            f'<ul style="{list_style}padding:0;margin:0">{rows}</ul>{note_html}</div>')


class MapLegend(MacroElement):
    """The legend as a Leaflet control in the bottom-left corner (for exported maps)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "atlas-map-legend");
                div.style.background = "rgba(255,255,255,0.92)";
                div.style.padding = "6px 8px";
                div.style.font = {{ this.font|tojson }};
                div.style.borderRadius = "4px";
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "MapLegend"
        self.html = html
        self.font = f"13px/1.3 {font_stack('sans-serif')}"
