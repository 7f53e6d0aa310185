"""The Sources page with a missing catalog (F6) and with markdown in data text (F9), and what it offers (F10)."""
from __future__ import annotations

import os

import pandas as pd
import pytest
from app_helpers import no_exceptions, run_app

IMAGE = "![i](http://127.0.0.1:9/md-image.png)"
LINK = "[click me](javascript:alert(1))"


@pytest.mark.parametrize("damage", ["missing", "empty"])
def test_sources_page_renders_without_a_catalog(broken_data, damage: str) -> None:
    catalog = broken_data / "catalog.json"
    catalog.unlink() if damage == "missing" else catalog.write_text('{"version": 1, "layers": []}')
    at = run_app(page="sources")
    assert [e.value for e in at.exception] == []
    assert not [e.value for e in at.error]  # no "this page could not be shown"
    layers = at.dataframe[0].value
    assert len(layers) == 0 and "id" in layers.columns
    labels = {button.proto.label for button in at.get("download_button")}
    assert {"sources.csv", "population.csv", "myths.csv"} <= labels  # the tables are still offered


def test_markdown_in_data_text_is_shown_as_text(broken_data) -> None:
    myths = broken_data / "tables" / "myths.csv"
    frame = pd.read_csv(myths, dtype=str, keep_default_na=False)
    frame.loc[0, "correction"] = f"{LINK} {IMAGE} <b>bold</b>"
    frame.to_csv(myths, index=False)
    at = run_app(page="sources")
    no_exceptions(at)
    bodies = [m.value for m in at.markdown]
    [shown] = [b for b in bodies if "md\\-image" in b or "md-image" in b]
    assert "![" not in shown and "](" not in shown and "<b>" not in shown  # escaped: no image, link or HTML
    assert "md\\-image" in shown and "click me" in shown  # the words are still there


def test_a_symlink_in_data_is_not_offered_for_download(broken_data) -> None:
    os.symlink("/etc/passwd", broken_data / "geo" / "zz_secret.geojson")
    (broken_data / "geo" / "stray.geojson").write_text("{}", encoding="utf-8")
    at = run_app(page="sources")
    no_exceptions(at)
    labels = {button.proto.label for button in at.get("download_button")}
    assert "zz_secret.geojson" not in labels and "stray.geojson" not in labels
    assert "range.geojson" in labels
