"""Every UI string exists in all three languages; every key the code uses exists in English."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.core.i18n import area_text, catalog, LANGUAGES, missing_keys, PLURAL_FORMS, t
from dashboard.core.paths import PACKAGE_DIR

# Upload messages are keys written as literals (UserLayerError("upload.error.x"), Message("upload.note.x"), ...);
# they always have two dots, so the reader's temporary file names ("upload.gpkg") do not match.
UPLOAD_KEY = re.compile(r'"(upload\.[a-z_]+\.[a-z_0-9]+)"')


def _upload_keys_used() -> set[str]:
    return {key for path in Path(PACKAGE_DIR).rglob("*.py") for key in UPLOAD_KEY.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_no_missing_translations(lang: str) -> None:
    assert missing_keys(lang) == [], f"missing {lang} keys: {missing_keys(lang)}"


def test_every_literal_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in Path(PACKAGE_DIR).rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z_.0-9]+)"', path.read_text(encoding="utf-8")))
    assert sorted(used - set(catalog("en"))) == []


def test_every_upload_key_used_in_code_exists_and_every_upload_key_is_used() -> None:
    english = catalog("en")
    used = _upload_keys_used()
    assert len(used) > 50  # the scan sees the upload reader's keys
    # a key used with a count names a group of plural forms: <key>.one / .few / .many
    assert sorted(k for k in used if k not in english and not all(f"{k}.{f}" in english for f in PLURAL_FORMS)) == []
    groups = {k.rsplit(".", 1)[0] for k in english if k.rsplit(".", 1)[-1] in PLURAL_FORMS}
    unused = [k for k in english if k.startswith("upload.") and k not in used and k.rsplit(".", 1)[0] not in (used & groups)]
    assert unused == []


def test_placeholders_match_between_languages() -> None:
    english = catalog("en")
    for lang in LANGUAGES:
        for key, text in catalog(lang).items():
            if key in english:
                assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[key])), (lang, key)


def test_fallback_to_english() -> None:
    assert t("page.explore", "xx") == catalog("en")["page.explore"]
    assert t("no.such.key", "ru") == "no.such.key"


def test_areas_are_written_in_each_languages_number_format_and_unit() -> None:
    assert area_text(1087.4, "en") == "1,087 km²"
    assert area_text(1087.4, "ru") == "1\u202f087 км²"
    assert area_text(1087.4, "zh") == "1,087 平方千米"
