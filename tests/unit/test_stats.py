"""Areas in an equal-area CRS; overlapping protected areas dissolved before measuring."""
from __future__ import annotations

import math

import pytest
import shapely

from dashboard.core import stats
from dashboard.core.loaders import Atlas


def test_area_of_a_one_degree_box_matches_a_geodesic_reference() -> None:
    # pyproj.Geod gives 9,058.40 km² for this box (see the environment notes); degrees would give 1.
    assert stats.area_km2(shapely.box(130.5, 42.5, 131.5, 43.5)) == pytest.approx(9058.4, rel=1e-3)


def test_dissolve_counts_overlap_once() -> None:
    a, b = shapely.box(130, 42, 131, 43), shapely.box(130.5, 42, 131.5, 43)
    union = stats.area_km2(stats.dissolve([a, b]))
    assert union == pytest.approx(stats.area_km2(a) * 1.5, rel=1e-3)
    assert union < stats.area_km2(a) + stats.area_km2(b)


def test_protected_geometry_dissolves_nested_parks(atlas: Atlas) -> None:
    protected = stats.protected_geometry(atlas)
    separate = sum(stats.area_km2(stats.feature_geometry(f)) for layer in atlas.layers_with_role("protected_area")
                   for f in layer.geojson["features"] if f["properties"].get("status", "current") == "current")
    assert stats.area_km2(protected) < separate  # Kedrovaya Pad inside LLNP, Hunchun inside the China NP


def test_era_summary_is_sane(atlas: Atlas) -> None:
    summary = stats.era_summary(atlas).set_index("id")
    assert summary.loc["range_c1900", "share_of_c1900"] == pytest.approx(1.0, abs=1e-6)
    present = summary.loc["range_present"]
    assert 0 < present["share_of_c1900"] < 0.1  # Jiang et al. 2015: 2.96 %
    assert 0 <= present["protected_share"] <= 1 and present["protected_share"] > 0.4
    areas = summary.sort_values("year_from")["area_km2"].tolist()
    assert areas[0] == max(areas)  # the range was largest c. 1900
    assert all(not math.isnan(a) and a > 0 for a in areas)


def test_area_by_admin_splits_the_present_range_between_russia_and_china(atlas: Atlas) -> None:
    geom = stats.era_geometry(atlas, "range_present")
    by_country = stats.area_by_country(geom, atlas).set_index("country")
    assert {"Russia", "China"} <= set(by_country.index)
    assert by_country["area_km2"].sum() == pytest.approx(stats.area_km2(geom), rel=0.02)
    by_unit = stats.area_by_admin(geom, atlas)
    assert "basemap_ru_primorye" in set(by_unit["unit_id"]) or any("Primor" in n for n in by_unit["name_en"])


def test_overlap_report_and_added_protection(atlas: Atlas) -> None:
    llnp = stats.feature_geometry(atlas.find_feature("pa_land_of_the_leopard")[1])
    report = stats.overlap_report(llnp, atlas).set_index("id")
    assert report.loc["pa_land_of_the_leopard", "share_of_area"] == pytest.approx(1.0, abs=0.01)
    assert report.loc["range_present", "overlap_km2"] > 0
    # drawing exactly an existing park adds (almost) no new protection
    assert stats.added_protection_km2(llnp, atlas) < 0.05 * stats.area_km2(llnp)
    far = shapely.box(140, 50, 141, 51)
    assert stats.added_protection_km2(far, atlas) == 0
