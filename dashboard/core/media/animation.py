"""The range contraction as an animation: every era from c. 1900 to the latest, one frame each, all on the
same frame (the c. 1900 range) with the same title, key, scale, era, note and sources burned in.

GIF with Pillow; MP4 with the ffmpeg that the ``imageio-ffmpeg`` wheel ships (H.264, yuv420p, so phones and
slide software play it). There are only a handful of eras: each frame says these are approximate drawings,
not yearly data.
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image

from dashboard.core.i18n import t
from dashboard.core.loaders import Atlas
from dashboard.core.media.mapimage import (DEFAULT_URL, DRAWING, SLIDE_DPI, Scene, _box_aspect, build_scene, figure_png,
                                           fit_frame, map_boxes, slide)

GIF_DPI = 80  # 1280 x 720 px
ERA_SECONDS = 2.5  # each era stays this long
LAST_SECONDS = 4.0  # the latest era stays longer before the loop starts again
MP4_FPS = 2  # frames repeat; 2 per second keeps the era changes on whole seconds


def era_frames(atlas: Atlas, lang: str, layers: tuple[str, ...] = (), dpi: float = GIF_DPI,
               url: str = DEFAULT_URL) -> list[Image.Image]:
    """One RGB image per era, oldest first, all the same size and frame."""
    scene = build_scene(atlas, lang, layers)
    era_ids = list(scene.eras)
    frame = fit_frame(scene.extent(), _box_aspect(map_boxes()[0]), pad=0.04, min_width=0)
    images = []
    for number, era_id in enumerate(era_ids, start=1):
        with DRAWING:
            images.append(_frame(scene, era_id, number, len(era_ids), frame, dpi, url))
    return images


def _frame(scene: Scene, era_id: str, number: int, total: int, frame, dpi: float, url: str) -> Image.Image:
    """One era on the shared frame: its title, the "not yearly data" note and its place in the sequence."""
    lang = scene.lang
    fig = slide(scene, [era_id], title=t("legend.range_of", lang, era=scene.era_label(era_id)),
                subtitle=f"{t('media.animation_note', lang)}   {t('media.frame', lang, n=number, total=total)}",
                note=t("media.approximate", lang), url=url, frame=frame, inset=False)
    return Image.open(io.BytesIO(figure_png(fig, dpi))).convert("RGB")


def range_gif(atlas: Atlas, lang: str, layers: tuple[str, ...] = (), dpi: float = GIF_DPI,
              url: str = DEFAULT_URL) -> bytes:
    """An animated GIF, one frame per era, looping (the last era stays longest)."""
    frames = era_frames(atlas, lang, layers, dpi, url)
    if not frames:
        raise ValueError("the atlas has no range eras to animate")
    palette = [f.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) for f in frames]
    durations = [int(ERA_SECONDS * 1000)] * (len(frames) - 1) + [int(LAST_SECONDS * 1000)]
    buffer = io.BytesIO()
    palette[0].save(buffer, format="GIF", save_all=True, append_images=palette[1:], duration=durations, loop=0,
                    optimize=False, disposal=1)
    return buffer.getvalue()


def _ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


def mp4_available() -> bool:
    """True when an ffmpeg binary is at hand (the imageio-ffmpeg wheel ships one)."""
    return _ffmpeg() is not None


def range_mp4(atlas: Atlas, lang: str, layers: tuple[str, ...] = (), dpi: float = SLIDE_DPI,
              url: str = DEFAULT_URL) -> bytes:
    """An H.264 MP4 of the same frames: each era ``ERA_SECONDS`` (the last ``LAST_SECONDS``), ``MP4_FPS``
    frames per second. Raises RuntimeError when no ffmpeg is available."""
    import imageio_ffmpeg

    if not mp4_available():
        raise RuntimeError("no ffmpeg: install the pinned imageio-ffmpeg (requirements.txt)")
    frames = era_frames(atlas, lang, layers, dpi, url)
    if not frames:
        raise ValueError("the atlas has no range eras to animate")
    width, height = (d - d % 16 for d in frames[0].size)  # H.264 in yuv420p wants even sizes; 16 avoids rescaling
    repeats = [round(ERA_SECONDS * MP4_FPS)] * (len(frames) - 1) + [round(LAST_SECONDS * MP4_FPS)]
    with tempfile.TemporaryDirectory(prefix="atlas-mp4-") as tmp:
        target = Path(tmp) / "range.mp4"
        writer = imageio_ffmpeg.write_frames(str(target), (width, height), fps=MP4_FPS, codec="libx264",
                                             pix_fmt_out="yuv420p", macro_block_size=16, quality=8,
                                             ffmpeg_log_level="error", output_params=["-movflags", "+faststart"])
        writer.send(None)
        try:
            for image, count in zip(frames, repeats):
                data = image.crop((0, 0, width, height)).tobytes()
                for _ in range(count):
                    writer.send(data)
        finally:
            writer.close()
        return target.read_bytes()


def mp4_frame_count(data: bytes) -> tuple[int, float]:
    """(frames, seconds) of an MP4, read back with ffmpeg (for tests and the CLI's report)."""
    import imageio_ffmpeg

    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        return imageio_ffmpeg.count_frames_and_secs(handle.name)


__all__ = ["ERA_SECONDS", "GIF_DPI", "LAST_SECONDS", "MP4_FPS", "era_frames", "mp4_available", "mp4_frame_count",
           "range_gif", "range_mp4"]
