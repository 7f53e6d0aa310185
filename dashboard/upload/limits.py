"""How much of an upload we read: sizes, counts and the budget that counts them across the whole file."""
from __future__ import annotations

from dashboard.upload.errors import TOO_MANY_FEATURES, TOO_MANY_VERTICES, UserLayerError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # the upload itself
MAX_VERTICES = 200_000  # coordinates in the whole file (areas, lines and points)
MAX_FEATURES = 5_000  # features in the whole file, all layers together
MAX_COLUMNS = 20  # attribute columns kept (the added ``name`` column is extra)
MAX_TEXT_CHARS = 200  # characters per attribute value / column name
MAX_ZIP_MEMBERS = 50
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # sum of the declared sizes of all zip members
MAX_ZIP_RATIO = 100  # uncompressed : compressed, per member (members above 1 MiB)
ZIP_RATIO_MIN_BYTES = 1024 * 1024  # smaller members cannot be bombs, whatever their ratio
MAX_LAYERS = 50  # layers of a GeoPackage / folders of a KML
MAX_COLLECTION_DEPTH = 8  # GeometryCollection inside GeometryCollection inside ...
# Broken shapes are repaired only while the total number of places where their outlines touch or
# cross themselves stays below this (see geometry_guard.self_crossings), and while counting stays cheap.
MAX_SELF_CROSSINGS = 20_000
# Segment pairs with overlapping bounding boxes (the work GEOS does in is_valid, make_valid ...):
# inside shapes, and between different shapes. Normal outlines have ~3 per segment.
MAX_SEGMENT_CANDIDATES = 5_000_000
MAX_SEGMENT_CANDIDATES_BETWEEN = 50_000_000
# No coordinate system has places beyond ~1e8 (metres, feet); bigger numbers are garbage that a
# projection could otherwise silently wrap onto the globe.
MAX_ABS_COORDINATE = 1e9
# A shape wider than this (in degrees of longitude, after conversion to WGS 84) either crosses the
# 180th meridian, where longitudes jump from 180 to -180, or covers half the globe: neither can be
# measured as drawn.
MAX_LONGITUDE_SPAN = 180.0


class Budget:
    """Counts vertices and features across the whole upload (every layer together)."""

    def __init__(self) -> None:
        self.vertices = 0
        self.features = 0

    def add_vertices(self, n: int) -> None:
        self.vertices += n
        if self.vertices > MAX_VERTICES:
            raise UserLayerError(TOO_MANY_VERTICES, limit=MAX_VERTICES)

    def add_features(self, n: int) -> None:
        self.features += n
        if self.features > MAX_FEATURES:
            raise UserLayerError(TOO_MANY_FEATURES, limit=MAX_FEATURES)

    def features_left(self) -> int:
        """Features the file may still have; reading one more than this proves it has too many."""
        return MAX_FEATURES - self.features
