"""Every UI string exists in all three languages; every key the code uses exists in English."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.core.i18n import LANGUAGES, catalog, missing_keys, t
from dashboard.core.paths import PACKAGE_DIR


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_no_missing_translations(lang: str) -> None:
    assert missing_keys(lang) == [], f"missing {lang} keys: {missing_keys(lang)}"


def test_every_literal_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in Path(PACKAGE_DIR).rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z_.0-9]+)"', path.read_text(encoding="utf-8")))
    assert sorted(used - set(catalog("en"))) == []


def test_placeholders_match_between_languages() -> None:
    english = catalog("en")
    for lang in LANGUAGES:
        for key, text in catalog(lang).items():
            if key in english:
                assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[key])), (lang, key)


def test_fallback_to_english() -> None:
    assert t("page.explore", "xx") == catalog("en")["page.explore"]
    assert t("no.such.key", "ru") == "no.such.key"
