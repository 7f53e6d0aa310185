"""The attribute table of an upload: a name per shape, at most MAX_COLUMNS columns of short raw text.

Nothing is escaped here (callers escape when they show it); lone surrogates are replaced so the
text can be sent to a browser.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from dashboard.upload.limits import MAX_COLUMNS, MAX_TEXT_CHARS
from dashboard.upload.messages import Stats

NAME_KEYS = ("name", "Name", "NAME", "title", "Title", "TITLE")


def feature_name(props: dict[str, Any], number: int, stats: Stats) -> str:
    for key in NAME_KEYS:
        if key in props:
            text = to_text(props[key], stats)
            if text.strip():
                return text
    return f"Area {number}"


def attribute_columns(
    rows: list[dict[str, Any]], drop_keys: Iterable[str], stats: Stats
) -> list[tuple[str, str]]:
    """(column label, property key) for the first MAX_COLUMNS keys that have any value.

    name/Name/NAME are left out: they are what the ``name`` column is made from.
    """
    skip = set(drop_keys)
    order: dict[str, None] = {}
    for props in rows:
        for key in props:
            if key in order or key in skip:
                continue
            if str(key).lower() == "name":
                skip.add(key)
            elif not _is_blank(props[key]):
                order[key] = None
    keys = list(order)
    if len(keys) > MAX_COLUMNS:
        stats.dropped_columns = True
        keys = keys[:MAX_COLUMNS]
    used = {"name", "geometry"}
    out = []
    for key in keys:
        label = _clean_text(str(key))[:MAX_TEXT_CHARS].strip() or "unnamed"
        if label.lower() in ("geometry", "name"):
            label = f"{label} (property)"
        base, n = label, 2
        while label in used:
            label = f"{base} ({n})"
            n += 1
        used.add(label)
        out.append((label, key))
    return out


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _clean_text(text: str) -> str:
    # Lone surrogates (legal in JSON escapes) cannot be sent to a browser: replace them.
    return text.encode("utf-8", "replace").decode("utf-8")


def to_text(value: Any, stats: Stats) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, (dict, list, tuple)):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError, TypeError, OverflowError):
            text = "(nested data)"
    else:
        try:
            text = str(value)
        except (ValueError, TypeError, OverflowError, RecursionError):
            text = "(unreadable value)"
    text = _clean_text(text)
    if len(text) > MAX_TEXT_CHARS:
        stats.truncated += 1
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    return text


def table(rows: list[dict[str, Any]], drop_keys: Iterable[str], stats: Stats) -> dict[str, list[str]]:
    """The ``name`` column, then the attribute columns, as lists of text (one value per row)."""
    out: dict[str, list[str]] = {"name": [feature_name(props, n, stats) for n, props in enumerate(rows, start=1)]}
    for label, key in attribute_columns(rows, drop_keys, stats):
        out[label] = [to_text(props.get(key), stats) for props in rows]
    return out
