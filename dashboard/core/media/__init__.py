"""Slides and handouts drawn on the server: map images (PNG), the range change as GIF and MP4, and a
printable handout (PDF) per language and paper size.

Everything is drawn from the same data, styles, legend entries and locale texts as the app's maps, with
the Atlas's own font (``dashboard.core.fonts``), so Chinese renders on a machine with no CJK font.
Pure package: never imports streamlit (``dashboard.cache`` builds and keeps the files for the app).

``python -m dashboard.core.media OUTDIR`` writes them all; ``write_media`` is the one call the export uses.
"""
from __future__ import annotations

from dashboard.core.media.animation import mp4_available, range_gif, range_mp4
from dashboard.core.media.handout import PAPER_SIZES, handout_pdf
from dashboard.core.media.mapimage import MapView, compare_png, map_png
from dashboard.core.media.pack import write_media

__all__ = ["PAPER_SIZES", "MapView", "compare_png", "handout_pdf", "map_png", "mp4_available", "range_gif",
           "range_mp4", "write_media"]
