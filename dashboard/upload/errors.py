"""``UserLayerError``: why an upload cannot be used, as a catalog key (``upload.error.*``) with values.

Messages never contain text taken from the upload itself: only numbers, file extensions the
reader checked, and other catalog words.
"""
from __future__ import annotations

from typing import Any

from dashboard.core.i18n import Message


class UserLayerError(ValueError):
    """The upload cannot be used: a message a student can understand, as a catalog key and values.

    ``str(error)`` is the English text (for logs); ``error.message(lang)`` translates it, and
    ``error.text`` is the untranslated ``Message`` to keep (it holds no traceback).
    """

    def __init__(self, key: str, /, *, hint: str = "", **values: Any) -> None:
        self.text = Message(key, values, hint=hint)
        super().__init__(str(self.text))

    @classmethod
    def of(cls, text: Message) -> UserLayerError:
        """The error that says ``text`` (e.g. a message made elsewhere)."""
        error = cls.__new__(cls)
        error.text = text
        ValueError.__init__(error, str(text))
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent back from the worker process: rebuilt from its Message, not from the English text.
        return (UserLayerError.of, (self.text,))

    def message(self, lang: str) -> str:
        """The message in ``lang`` (English for a language without a catalog)."""
        return self.text.render(lang)


# --- catalog keys used in more than one module ------------------------------------------------
TOO_BIG = "upload.error.too_big"
EMPTY_FILE = "upload.error.empty_file"
TOO_MANY_VERTICES = "upload.error.too_many_vertices"
TOO_MANY_FEATURES = "upload.error.too_many_features"
NOT_NUMBERS = "upload.error.not_numbers"
OUT_OF_RANGE = "upload.error.out_of_range"
CRS_UNREADABLE = "upload.error.crs_unreadable"
CRS_MISSING = "upload.error.crs_missing"
NOT_CONVERTIBLE = "upload.error.not_convertible"
NO_SHAPES = "upload.error.no_shapes"
ONLY_POINTS_LINES = "upload.error.only_points_lines"
NO_USABLE_AREAS = "upload.error.no_usable_areas"
TOO_TANGLED = "upload.error.too_tangled"
TOO_COMPLEX = "upload.error.too_complex"
TOO_DEEP = "upload.error.too_deep"
TOO_WIDE = "upload.error.too_wide"

ACCEPTED = Message("upload.word.accepted_types")
FORMAT_WORDS = {  # "a GeoJSON file" ...
    "geojson": Message("upload.word.geojson_file"),
    "kml": Message("upload.word.kml_file"),
    "zip": Message("upload.word.zip_file"),
    "gpkg": Message("upload.word.geopackage"),
}


def damaged(kind: str, hint: str = "") -> UserLayerError:
    """"We could not read this file ... it may not really be <a GeoJSON file>"."""
    return UserLayerError("upload.error.damaged", hint=hint, format=FORMAT_WORDS[kind])


def mismatch(ext: str, kind: str, sniffed: str | None) -> UserLayerError:
    """The file name says one format, the bytes another (or none)."""
    if sniffed is not None:
        inside = Message("upload.word.looks_like", {"format": FORMAT_WORDS[sniffed]})
    elif kind == "zip":
        inside = Message("upload.word.looks_unknown_zip")
    else:
        inside = Message("upload.word.looks_unknown")
    return UserLayerError("upload.error.mismatch", ext=ext, expected=FORMAT_WORDS[kind], inside=inside,
                          accepted=ACCEPTED)
