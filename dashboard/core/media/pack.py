"""Every slide and handout file for one language, written into a folder (the export's one call)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from dashboard.core.loaders import Atlas
from dashboard.core.media.animation import mp4_available, range_gif, range_mp4
from dashboard.core.media.handout import PAPER_SIZES, handout_pdf
from dashboard.core.media.mapimage import DEFAULT_URL, MapView, map_png
from dashboard.core.paths import data_dir
from dashboard.core.story import load_story

MEDIA_DIR = "media"


def default_layers(atlas: Atlas) -> tuple[str, ...]:
    """The optional layers a map shows when nobody chose: those the catalog switches on by default."""
    return tuple(layer.spec.id for layer in atlas.layers.values()
                 if layer.spec.default_on and layer.spec.role in ("protected_area", "points"))


def media_names(lang: str, era_ids: list[str], with_mp4: bool) -> dict[str, str]:
    """What each file is called inside ``media/`` (key -> file name)."""
    names = {f"map:{era}": f"map-{era}-{lang}.png" for era in era_ids}
    names["gif"] = f"range-change-{lang}.gif"
    if with_mp4:
        names["mp4"] = f"range-change-{lang}.mp4"
    names |= {f"handout:{paper}": f"handout-{lang}-{paper.lower()}.pdf" for paper in PAPER_SIZES}
    return names


def write_media(outdir: str | Path, atlas: Atlas, lang: str, url: str = DEFAULT_URL,
                data_root: str | Path | None = None, report: bool = False) -> list[str]:
    """Write ``media/`` under ``outdir``: a PNG of every era, the range change as GIF (and MP4 where the
    ffmpeg of imageio-ffmpeg is at hand), the handout PDF on A4 and Letter. Returns the written paths
    relative to ``outdir`` (POSIX). ``report`` prints each file's size and build time to stderr."""
    root = Path(data_root) if data_root is not None else data_dir()
    sources = atlas.tables.get("sources")
    steps, _problems = load_story(root, {e["id"] for e in atlas.eras()}, set(atlas.layers),
                                  set(sources["id"]) if sources is not None else None)
    layers = default_layers(atlas)
    era_ids = [e["id"] for e in atlas.eras()]
    names = media_names(lang, era_ids, mp4_available())
    folder = Path(outdir) / MEDIA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    builders = {f"map:{era}": (lambda era=era: map_png(atlas, MapView(era, layers, lang), url=url)) for era in era_ids}
    if era_ids:
        builders["gif"] = lambda: range_gif(atlas, lang, layers, url=url)
        if "mp4" in names:
            builders["mp4"] = lambda: range_mp4(atlas, lang, layers, url=url)
    if steps:
        builders |= {f"handout:{paper}": (lambda paper=paper: handout_pdf(atlas, steps, lang, paper, url=url))
                     for paper in PAPER_SIZES}
    written = []
    for key, build in builders.items():
        started = time.perf_counter()
        data = build()
        (folder / names[key]).write_bytes(data)
        written.append(f"{MEDIA_DIR}/{names[key]}")
        if report:
            print(f"  {names[key]}: {len(data) / 1e6:.2f} MB in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return written
