"""Coordinate reference systems shared by the build scripts, the tests and the app."""

# Equal-area CRS for every area computation (km²): NSIDC EASE-Grid 2.0 Global, a cylindrical
# equal-area projection (WGS84). Areas agree with a Lambert azimuthal equal-area projection
# centred at 43 N 131 E and with geodesic areas to better than 0.01 % in the study region.
EQUAL_AREA_CRS = "EPSG:6933"

# Coordinates of every data file and of the maps.
DISPLAY_CRS = "EPSG:4326"
