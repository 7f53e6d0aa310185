"""The shipped Chinese font: every character the Atlas writes is in the subsets, and every page links it."""
from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path

import folium
import pytest

from dashboard.core import fonts
from dashboard.core.assets import FONT_ELEMENT_NAME, use_local_assets
from dashboard.core.charts import CHART_FONT
from dashboard.core.maps import MAP_FONT, MapOptions, build_compare_map, build_explore_map
from dashboard.core.paths import REPO_ROOT


def _build_script():
    spec = importlib.util.spec_from_file_location("build_fonts", REPO_ROOT / "scripts" / "build_fonts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _where(used: dict[str, list[Path]], chars: list[str]) -> str:
    return "; ".join(f"{c!r} (U+{ord(c):04X}) in " + ", ".join(str(p.relative_to(REPO_ROOT)) for p in used[c][:3])
                     for c in chars[:20])


def test_every_chinese_character_the_app_uses_is_in_the_web_subset() -> None:
    used = fonts.used_characters()
    wanted = fonts.web_characters(used)
    assert len(wanted) > 500  # the zh catalog alone has hundreds: the scan really reads the texts
    missing = fonts.missing_characters(fonts.WEB_FONT, wanted)
    assert not missing, f"not in {fonts.WEB_FONT.name} (run `make fonts`): {_where(used, missing)}"


@pytest.mark.parametrize("style", sorted(fonts.PRINT_FONTS))
def test_every_character_the_images_and_pdfs_write_is_in_the_print_subsets(style: str) -> None:
    used = fonts.used_characters()
    missing = fonts.missing_characters(fonts.PRINT_FONTS[style], fonts.print_characters(used))
    assert not missing, f"not in {fonts.PRINT_FONTS[style].name} (run `make fonts`): {_where(used, missing)}"
    have = fonts.font_codepoints(fonts.PRINT_FONTS[style])
    assert all(ord(c) in have for c in "AZaz09ЁЖжё豹—–·№")  # Latin, Cyrillic, Chinese, punctuation


def test_a_new_chinese_character_in_the_data_is_reported(data_copy: Path) -> None:
    """The check can fail: a character no text used before is found, with the file it is in."""
    catalog = data_copy / "catalog.json"
    raw = json.loads(catalog.read_text(encoding="utf-8"))
    raw["layers"][0]["title"]["zh"] += "龘"  # a rare character nobody writes
    catalog.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    used = fonts.used_characters(data_copy)
    assert used["龘"] == [catalog]
    assert fonts.missing_characters(fonts.WEB_FONT, fonts.web_characters(used)) == ["龘"]


def test_narrow_spaces_are_written_as_no_break_spaces_in_print() -> None:
    assert fonts.print_text("1\u202f087") == "1\u00a0087"
    assert "\u202f" not in fonts.print_characters(["\u202f"])


def test_the_subsets_carry_the_open_font_licence() -> None:
    for folder in (fonts.FONT_DIR, fonts.PRINT_FONT_DIR):
        text = (folder / "LICENSE").read_text(encoding="utf-8")
        assert "SIL Open Font License, Version 1.1" in text, folder
    from fontTools.ttLib import TTFont

    with TTFont(fonts.WEB_FONT) as font:
        assert font.flavor == "woff2"
        assert "Open Font License" in font["name"].getDebugName(13)
    assert fonts.WEB_FONT.stat().st_size < 400_000  # small enough for a phone on a school link


def test_the_font_rule_is_the_build_scripts_and_covers_only_cjk() -> None:
    assert fonts.WEB_CSS.read_text(encoding="utf-8") == _build_script().font_css()
    assert fonts.is_web_character("豹") and fonts.is_web_character("，")
    assert not fonts.is_web_character("A") and not fonts.is_web_character("Ж") and not fonts.is_web_character("—")


def test_the_streamlit_theme_declares_the_shipped_font() -> None:
    theme = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    assert fonts.WEB_FAMILY in theme["font"]
    (face,) = [f for f in theme["fontFaces"] if f["family"] == fonts.WEB_FAMILY]
    assert face["unicodeRange"] == fonts.unicode_range_css()
    assert face["url"] == "app/static/vendor/" + fonts.WEB_CSS_REL.replace("atlas-cjk.css", fonts.WEB_FONT.name)
    assert (fonts.FONT_DIR / fonts.WEB_FONT.name).is_file()


def test_every_map_frame_links_the_font_rule(atlas) -> None:
    fmap = build_explore_map(atlas, "range_present", MapOptions(lang="zh"))
    html = fmap.get_root().render()
    assert f'href="/app/static/vendor/{fonts.WEB_CSS_REL}"' in html
    assert f"font-family:{MAP_FONT}" in html and MAP_FONT.startswith(f'"{fonts.WEB_FAMILY}"')
    assert json.dumps(f"13px/1.3 {MAP_FONT}") in html  # the legend control
    dual = build_compare_map(atlas, "range_c1900", "range_present", MapOptions(lang="zh", asset_base="../vendor"))
    assert all(FONT_ELEMENT_NAME in side._children for side in (dual.m1, dual.m2))
    assert f'href="../vendor/{fonts.WEB_CSS_REL}"' in dual.get_root().render()


def test_the_font_link_follows_the_asset_base_when_retargeted() -> None:
    fmap = folium.Map(tiles=None)
    use_local_assets(fmap)
    use_local_assets(fmap, base_url="vendor")
    assert list(fmap._children).count(FONT_ELEMENT_NAME) == 1
    assert fmap._children[FONT_ELEMENT_NAME].default_css == [("atlas_shipped_font", f"vendor/{fonts.WEB_CSS_REL}")]


def test_charts_name_the_shipped_font_first() -> None:
    assert CHART_FONT.startswith(f'"{fonts.WEB_FAMILY}"')
