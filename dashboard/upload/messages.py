"""What the reader changed or left out while reading (``Stats``), told as notes in the reader's language."""
from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.core.i18n import Message
from dashboard.upload.limits import MAX_COLUMNS, MAX_TEXT_CHARS


@dataclass
class Stats:
    """Counts kept while reading one upload; ``notes`` turns them into messages."""

    no_shape: int = 0  # features without geometry (or with an empty one)
    not_area: int = 0  # points and lines left out
    too_few_corners: int = 0  # rings with fewer than 3 distinct corners
    repaired: int = 0
    self_crossings: int = 0  # summed over the shapes that needed repair
    emptied_by_repair: int = 0
    truncated: int = 0
    dropped_columns: bool = False
    assumed_lonlat: bool = False
    converted_from: set[str] = field(default_factory=set)  # "EPSG:…" codes; "" for a system without one


def notes(stats: Stats) -> list[Message]:
    """What the reader changed or left out, as untranslated messages (the UI shows them in its language)."""
    out: list[Message] = []
    for source in sorted(stats.converted_from, key=lambda code: (not code, code)):
        if source:
            out.append(Message("upload.note.converted", {"source": source}))
        else:
            out.append(Message("upload.note.converted_own_system"))
    if stats.assumed_lonlat:
        out.append(Message("upload.note.assumed_lonlat"))
    counted = (
        ("upload.note.repaired", stats.repaired),
        ("upload.note.emptied_by_repair", stats.emptied_by_repair),
        ("upload.note.not_area", stats.not_area),
        ("upload.note.too_few_corners", stats.too_few_corners),
        ("upload.note.no_shape", stats.no_shape),
    )
    out += [Message(key, count=n) for key, n in counted if n]
    if stats.dropped_columns:
        out.append(Message("upload.note.dropped_columns", {"limit": MAX_COLUMNS}))
    if stats.truncated:
        out.append(Message("upload.note.truncated", {"limit": MAX_TEXT_CHARS}, count=stats.truncated))
    return out
