"""Slides and handouts: open the files the way a teacher's software would and check what is in them.

Images are drawn at a low resolution here (the layout is the same at any resolution; the text is in points).
"""
from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from dashboard.core.i18n import LANGUAGES, t
from dashboard.core.loaders import Atlas
from dashboard.core.media import MapView, compare_png, handout_pdf, map_png, mp4_available, range_gif, range_mp4
from dashboard.core.media import animation, mapimage
from dashboard.core.media.pack import default_layers, media_names, write_media
from dashboard.core.paths import REPO_ROOT
from dashboard.core.story import StoryStep, load_story

DPI = 40  # 640 x 360 px
LAYERS = ("protected_areas_russia", "protected_areas_china")
RANGE_FILL = (230, 175, 129)  # the range's orange (#D55E00) at 45 % over the land colour (#f4f1ea)


@pytest.fixture(scope="module")
def steps(atlas: Atlas) -> list[StoryStep]:
    found, problems = load_story(REPO_ROOT / "data")
    assert found and not problems
    return found


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of non-white pixels in a box given as fractions of the image (left, top, right, bottom)."""
    w, h = image.size
    crop = np.asarray(image.convert("L").crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h))))
    return float((crop < 235).mean()) if crop.size else 0.0


def _has_colour(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 45, pixels: int = 12) -> bool:
    """At least ``pixels`` pixels within ``tolerance`` (sum of channel differences) of ``colour``."""
    rgb = np.asarray(image.convert("RGB")).astype(int)
    return int((np.abs(rgb - np.array(colour)).sum(axis=2) < tolerance).sum()) >= pixels


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_map_png_is_a_slide_with_map_key_and_sources(atlas: Atlas, lang: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for a box (tofu)
        data = map_png(atlas, MapView("range_present", LAYERS, lang), dpi=DPI)
    image = _image(data)
    assert image.format == "PNG" and image.size == (640, 360)
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 20  # not blank
    top = 1 - (mapimage.map_boxes()[0][1] + mapimage.map_boxes()[0][3])
    assert _ink(image, (mapimage.PANEL_LEFT, top, mapimage.PANEL_RIGHT, top + 0.25)) > 0.05  # the key
    assert _ink(image, (0.0, 0.0, 0.6, 0.08)) > 0.03  # the title
    assert _ink(image, (0.0, 0.93, 0.7, 1.0)) > 0.02  # sources and credit
    left, bottom, width, height = mapimage.map_boxes()[0]
    map_area = image.crop((int(left * 640), int((1 - bottom - height) * 360), int((left + width) * 640),
                           int((1 - bottom) * 360)))
    assert _has_colour(map_area, RANGE_FILL, pixels=200)  # the range, drawn large enough to see


def test_each_era_draws_a_different_range(atlas: Atlas) -> None:
    old = _image(map_png(atlas, MapView("range_c1900", (), "en"), dpi=DPI)).convert("RGB")
    new = _image(map_png(atlas, MapView("range_present", (), "en"), dpi=DPI)).convert("RGB")
    assert ImageChops.difference(old, new).getbbox() is not None


def test_an_unknown_era_is_refused(atlas: Atlas) -> None:
    with pytest.raises(ValueError, match="unknown era 'range_1800'"):
        map_png(atlas, MapView("range_1800", (), "en"), dpi=DPI)


def test_compare_png(atlas: Atlas) -> None:
    image = _image(compare_png(atlas, "range_c1900", "range_present", "zh", LAYERS, dpi=DPI))
    assert image.size == (640, 360)
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 20


def test_the_frame_keeps_the_range_in_view_with_room_around_it(atlas: Atlas) -> None:
    scene = mapimage.build_scene(atlas, "en")
    for era_id, era in scene.eras.items():
        x0, y0, x1, y1 = mapimage.era_frame(scene, [era_id], 1.6)
        ex0, ey0, ex1, ey1 = era.bounds
        assert x0 < ex0 and y0 < ey0 and x1 > ex1 and y1 > ey1, era_id
        assert (x1 - x0) / (y1 - y0) == pytest.approx(1.6)
        assert (ex1 - ex0) > 0.3 * (x1 - x0) or (ey1 - ey0) > 0.3 * (y1 - y0), f"{era_id} is a speck in its frame"


def test_gif_has_one_frame_per_era_all_the_same_size(atlas: Atlas) -> None:
    data = range_gif(atlas, "ru", LAYERS, dpi=DPI)
    image = Image.open(io.BytesIO(data))
    assert image.format == "GIF"
    assert image.n_frames == len(atlas.eras()) == 5
    frames, durations = [], []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(image.convert("RGB"))
        durations.append(image.info["duration"])
    assert {f.size for f in frames} == {(640, 360)}
    assert durations[-1] > durations[0] > 1000  # each era stays, the latest longest
    for before, after in zip(frames, frames[1:]):
        assert ImageChops.difference(before, after).getbbox() is not None  # the range changes every frame
    assert all(_has_colour(f, RANGE_FILL) for f in frames)


@pytest.mark.skipif(not mp4_available(), reason="no ffmpeg (imageio-ffmpeg is pinned in requirements.txt)")
def test_mp4_has_the_expected_frames_and_duration(atlas: Atlas) -> None:
    data = range_mp4(atlas, "zh", (), dpi=DPI)
    assert data[4:8] == b"ftyp"
    frames, seconds = animation.mp4_frame_count(data)
    eras = len(atlas.eras())
    per_era = round(animation.ERA_SECONDS * animation.MP4_FPS)
    last = round(animation.LAST_SECONDS * animation.MP4_FPS)
    assert frames == per_era * (eras - 1) + last
    assert seconds == pytest.approx((eras - 1) * animation.ERA_SECONDS + animation.LAST_SECONDS, abs=0.6)


def _squash(text: str) -> str:
    """Text without whitespace (PDF extraction breaks lines where the layout did)."""
    return re.sub(r"\s+", "", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.mark.parametrize("lang,paper,size", [("en", "A4", (595, 842)), ("ru", "A4", (595, 842)),
                                             ("zh", "Letter", (612, 792))])
def test_handout_holds_every_question_the_answer_key_and_the_sources(atlas: Atlas, steps: list[StoryStep],
                                                                      lang: str, paper: str, size) -> None:
    pdf = PdfReader(io.BytesIO(handout_pdf(atlas, steps, lang, paper, dpi=20)))
    pages = [_squash(page.extract_text() or "") for page in pdf.pages]
    for page in pdf.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
    whole = "".join(pages)
    key_pages = [i for i, text in enumerate(pages) if text.startswith(_squash(t("handout.answer_key", lang)))]
    assert len(key_pages) == 1, "the answer key starts a page of its own"
    key = pages[key_pages[0]] + pages[key_pages[0] + 1] if key_pages[0] + 1 < len(pages) else pages[key_pages[0]]
    for step in steps:
        assert _squash(t(step.title_key, lang)) in whole
        for q in (1, 2, 3):
            question = _squash(t(f"story.{step.id}.q{q}", lang))
            answer = _squash(t(f"story.{step.id}.a{q}", lang))
            assert question in whole, (step.id, q)
            assert question not in key, "questions and answers are on separate pages"
            assert answer in key, (step.id, q)
            assert max(i for i, text in enumerate(pages) if question in text) < key_pages[0], "key after questions"
        for source_id in step.source_ids:
            assert f"[{source_id}]" in whole
    assert _squash(t("handout.sources", lang)) in whole
    assert "http://localhost:8501/" in whole  # the address of the Atlas


def test_handout_refuses_an_unknown_paper(atlas: Atlas, steps: list[StoryStep]) -> None:
    with pytest.raises(ValueError, match="unknown paper size 'A5'"):
        handout_pdf(atlas, steps, "en", "A5")


_NUMBER = re.compile(r"\d(?:[\d,\u00a0\u202f ]*\d)?")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"[,\u00a0\u202f ]", "", n) for n in _NUMBER.findall(text)}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_question_and_answer_is_backed_by_its_steps_text(steps: list[StoryStep], lang: str) -> None:
    """The questions must be answerable from the step: every number in a question or answer is in the step's
    title or text (in the same language), so an edited story cannot leave a stale answer behind."""
    for step in steps:
        given = _numbers(t(step.title_key, lang) + " " + t(step.text_key, lang))
        for q in (1, 2, 3):
            for kind in ("q", "a"):
                key = f"story.{step.id}.{kind}{q}"
                text = t(key, lang)
                assert text != key, f"{key} missing in {lang}"
                assert _numbers(text) <= given, f"{key} ({lang}) has {_numbers(text) - given}, not in the step"


def test_write_media_names_and_files(atlas: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("dashboard.core.media.pack.map_png", lambda *a, **k: calls.append("png") or b"png")
    monkeypatch.setattr("dashboard.core.media.pack.range_gif", lambda *a, **k: b"gif")
    monkeypatch.setattr("dashboard.core.media.pack.range_mp4", lambda *a, **k: b"mp4")
    monkeypatch.setattr("dashboard.core.media.pack.handout_pdf", lambda *a, **k: b"pdf")
    monkeypatch.setattr("dashboard.core.media.pack.mp4_available", lambda: True)
    files = write_media(tmp_path, atlas, "ru", data_root=REPO_ROOT / "data")
    eras = [e["id"] for e in atlas.eras()]
    assert sorted(files) == sorted(f"media/{name}" for name in media_names("ru", eras, True).values())
    assert len(calls) == len(eras)
    assert (tmp_path / "media" / "handout-ru-letter.pdf").read_bytes() == b"pdf"
    assert set(default_layers(atlas)) >= {"protected_areas_russia"}


def test_export_cli_writes_media_unless_told_not_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import export

    seen = []
    monkeypatch.setattr(export, "write_pack", lambda *a, **k: [])
    monkeypatch.setattr(export, "write_media", lambda outdir, atlas, lang, url: seen.append((outdir, lang, url)) or [])
    assert export.main([str(tmp_path / "a"), "--lang", "zh", "--url", "https://atlas.example/"]) == 0
    assert seen == [(tmp_path / "a", "zh", "https://atlas.example/")]
    assert export.main([str(tmp_path / "b"), "--no-media"]) == 0
    assert len(seen) == 1


@pytest.mark.parametrize("citation,year,short", [
    ("Jiang G., Qi J., Wang G. (2015). New hope.", 2015, "Jiang et al. 2015"),
    ("Jackson P., Nowell K. (2008). Panthera pardus.", 2008, "Jackson & Nowell 2008"),
    ("Uphyrkina O. (2003). Applying tools.", 2003, "Uphyrkina 2003"),
    ("Kitchener et al. (2017). Revised cat taxonomy.", 2017, "Kitchener et al. 2017"),
    ("TASS, 16 January 2013: governor's decree fixes the borders.", 2013, "TASS, 16 January 2013"),
])
def test_short_citations_name_authors_and_year(citation: str, year: int, short: str) -> None:
    from dashboard.core.media.text import short_citation

    assert short_citation({"citation": citation, "year": year}) == short
