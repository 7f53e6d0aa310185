"""Read a map layer uploaded by a user (a student), safely.

``read_upload(data, filename)`` is what the app calls: it runs ``read_user_layer`` in a killable
worker process (``dashboard.core.bounded``) with limits on CPU time, memory and waiting, in a
temporary folder that this process owns and removes whatever happens to the worker.

``read_user_layer(data, filename)`` accepts GeoJSON (.geojson/.json), KML (.kml), a zipped
Shapefile (.zip) or a GeoPackage (.gpkg) and returns a GeoDataFrame in EPSG:4326 that contains
only valid, non-empty Polygon/MultiPolygon geometries. Anything wrong with the upload raises
``UserLayerError`` whose message is written for a 14-year-old (no traceback, no library error
text; sometimes a short technical hint in square brackets). Messages never contain text taken
from the upload itself. Each message is a catalog key (``upload.error.*``) with values:
``str(error)`` is the English text, ``error.message(lang)`` the text in the reader's language.

The returned frame has a ``name`` column first, then at most ``MAX_COLUMNS`` attribute columns,
then ``geometry``. Every attribute value is *raw* text (``str``, at most ``MAX_TEXT_CHARS``
characters, "" for missing values); column names come from the upload too. Nothing is escaped
here: callers MUST HTML-escape names, column names and values before showing them (folium
tooltips/popups, st.markdown with unsafe_allow_html, ...). ``gdf.attrs["repaired"]`` is the number
of shapes that were repaired, ``gdf.attrs["notes"]`` a list of ``Message`` notes for the UI
(``upload.note.*`` keys, translated when shown; they contain no text from the upload). Read the
attrs straight away: some pandas operations drop them.

The package, one job per module: ``errors`` (``UserLayerError``, shared catalog keys), ``limits``
(every limit, and the budget that counts vertices and features across the whole file),
``reader`` (size, format, and what every format shares: CRS, ranges, repair), ``geojson``,
``zipped_shapefile`` (zip safety), ``gdal`` (KML and shapefiles through pyogrio), ``gpkg``
(GeoPackages through sqlite3: only plain tables, never a view, trigger or virtual table),
``geometry_guard`` (outlines too complex for GEOS, repair, the 180th meridian), ``attributes``
(names and columns as short raw text), ``messages`` (notes about what was changed).

This package never imports streamlit (the worker process must not).
"""
from __future__ import annotations

import shutil
import tempfile
from typing import Any

import geopandas as gpd

from dashboard.core import bounded
from dashboard.upload.errors import ACCEPTED, UserLayerError
from dashboard.upload.limits import (
    MAX_COLUMNS, MAX_FEATURES, MAX_LAYERS, MAX_TEXT_CHARS, MAX_UNZIPPED_BYTES, MAX_UPLOAD_BYTES, MAX_VERTICES,
    MAX_ZIP_MEMBERS, MAX_ZIP_RATIO,
)
from dashboard.upload.reader import check_size, in_region, kind_from_name, read_user_layer

ACCEPTED_TYPES = str(ACCEPTED)  # in English
#: Reading a file the limits allow takes well under 3 s of CPU; a file that needs more is refused.
READ_LIMITS = bounded.Limits(cpu_seconds=10.0)
_REFUSALS = {  # why the worker gave up -> what the reader is told
    bounded.TooSlow: "upload.error.too_slow",
    bounded.OutOfMemory: "upload.error.out_of_memory",
    bounded.Busy: "upload.error.busy",
    bounded.Crashed: "upload.error.worker_failed",
}


def read_upload(data: Any, filename: Any, limits: bounded.Limits = READ_LIMITS,
                pool: bounded.WorkerPool | None = None) -> gpd.GeoDataFrame:
    """``read_user_layer`` in a worker process within ``limits``; raises only ``UserLayerError``.

    The size and the file name are checked here first (nothing too big is sent to a worker). The
    temporary folder the worker reads in belongs to this process, which removes it afterwards,
    also when the worker was killed.
    """
    data = check_size(data)
    kind_from_name(filename if isinstance(filename, str) else "")
    workdir = tempfile.mkdtemp(prefix="atlas-upload-")
    try:
        return (pool or bounded.default_pool()).run(read_user_layer, data, filename, workdir, limits=limits)
    except bounded.WorkFailed as failure:
        raise UserLayerError(_REFUSALS[type(failure)]) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

__all__ = [
    "ACCEPTED_TYPES",
    "MAX_COLUMNS",
    "MAX_FEATURES",
    "MAX_LAYERS",
    "MAX_TEXT_CHARS",
    "MAX_UPLOAD_BYTES",
    "MAX_UNZIPPED_BYTES",
    "MAX_VERTICES",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "UserLayerError",
    "in_region",
    "read_upload",
    "read_user_layer",
]
