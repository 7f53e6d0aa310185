"""KML and (extracted) shapefiles, read by GDAL through pyogrio.

Features are counted from the frames GDAL returns, never from a count the file declares, and
each layer is read with at most the features the whole file may still have, plus one (so one
too many proves the file has too many). GeoPackages are not read here (see ``gpkg``).
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from dashboard.upload.errors import UserLayerError, damaged
from dashboard.upload.layer import Layer, polygonal_only
from dashboard.upload.limits import MAX_LAYERS, Budget
from dashboard.upload.messages import Stats

# Drawing settings that LIBKML turns into columns; they are not information about the area.
KML_STYLE_COLUMNS = frozenset({"altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon"})


def read(path: Path, kind: str, budget: Budget, stats: Stats) -> list[Layer]:
    """Every layer of ``path`` that has shapes (``kind``: "kml" or "zip", for messages)."""
    source = str(path)
    try:
        listed = pyogrio.list_layers(source)
    except Exception as exc:  # GDAL/pyogrio on hostile bytes (see the comment below)
        raise damaged(kind, type(exc).__name__) from None
    if len(listed) > MAX_LAYERS:
        raise UserLayerError("upload.error.too_many_layers", limit=MAX_LAYERS)
    layers: list[Layer] = []
    for index in range(len(listed)):
        if listed[index][1] is None:  # a table without shapes
            continue
        try:
            df = pyogrio.read_dataframe(source, layer=index, force_2d=True, on_invalid="ignore",
                                        max_features=budget.features_left() + 1, use_arrow=False)
        except Exception as exc:
            # pyogrio's own errors are RuntimeErrors, but on damaged files its Cython code also
            # raises other classes (e.g. UnboundLocalError in get_crs for a non-UTF-8 .prj in
            # pyogrio 0.13), so anything from this block means "GDAL could not read the file".
            raise damaged(kind, type(exc).__name__) from None
        budget.add_features(len(df))  # what was read, whatever the file says it holds
        if not isinstance(df, gpd.GeoDataFrame):
            continue
        raw = np.asarray(df.geometry.array, dtype=object)
        budget.add_vertices(int(shapely.get_num_coordinates(raw).sum()))  # before repair/reprojection
        crs = CRS.from_user_input(df.crs) if df.crs is not None else None
        attributes = df.drop(columns=df.geometry.name)
        props = attributes.to_dict("records") if len(attributes.columns) else [{} for _ in range(len(df))]
        geoms = [polygonal_only(g, stats) for g in raw]
        layers.append(Layer(geoms, props, crs, KML_STYLE_COLUMNS if kind == "kml" else frozenset()))
    return layers
