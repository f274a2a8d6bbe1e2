"""gazetteer.nearby (gazetteer.reverse): nearest settlements to a point, and points outside Ukraine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gazetteer.errors import GazetteerError
from gazetteer.nearby import PointOutsideUkraine, nearest, reverse, reverse_many

KUPIANSK = (49.71003, 37.61581)


def test_kupiansk_coordinates_give_kupiansk():
    [(settlement, km)] = reverse(*KUPIANSK)
    assert settlement.name_uk == "Куп’янськ"
    assert km < 0.1


def test_nearby_point_gives_distance_in_km():
    [(settlement, km)] = reverse(49.72, 37.62)  # ~1.1 km north-north-east of Kupiansk's point
    assert settlement.name_uk == "Куп’янськ"
    assert km == pytest.approx(1.14, abs=0.1)


def test_k_results_are_sorted_by_distance():
    found = reverse(*KUPIANSK, k=3)
    assert len(found) == 3
    distances = [km for _, km in found]
    assert distances == sorted(distances)
    assert len({s.id for s, _ in found}) == 3


def test_max_km_drops_farther_results():
    found = reverse(*KUPIANSK, k=10, max_km=5)
    assert found and all(km <= 5 for _, km in found)
    assert len(found) < 10


def test_default_candidates_have_their_own_point():
    assert all(s.coord_precision == "point" for s, _ in reverse(48.0, 32.0, k=5))


def test_precision_none_includes_centroid_settlements():
    found = reverse(48.0, 32.0, k=20, precision=None)
    assert {s.coord_precision for s, _ in found} - {"point"}


def test_vectorised_matches_scalar():
    lats = [49.71, 50.45, 46.48, 48.62, 44.95]
    lons = [37.61, 30.52, 30.72, 22.29, 34.10]
    many = reverse_many(lats, lons, k=3)
    for lat, lon, got in zip(lats, lons, many, strict=True):
        want = reverse(lat, lon, k=3)
        assert [s.id for s, _ in got] == [s.id for s, _ in want]
        assert [km for _, km in got] == pytest.approx([km for _, km in want])


def test_distance_agrees_with_haversine():
    [(s, km)] = reverse(50.0, 30.0)
    p1, p2 = math.radians(50.0), math.radians(s.lat)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(s.lon - 30.0) / 2) ** 2
    assert km == pytest.approx(2 * 6371.0088 * math.asin(math.sqrt(a)), rel=1e-6)


@pytest.mark.parametrize(
    "name,lat,lon",
    [
        ("Berlin", 52.52, 13.40),
        ("Black Sea", 43.0, 33.0),
        ("Minsk", 53.90, 27.56),
        ("Chisinau", 47.01, 28.86),
        ("Belgorod", 50.60, 36.60),
    ],
)
def test_point_outside_ukraine_raises(name, lat, lon):
    with pytest.raises(PointOutsideUkraine) as info:
        reverse(lat, lon)
    assert info.value.nearest_km > 5


def test_point_outside_ukraine_is_a_gazetteer_value_error():
    assert issubclass(PointOutsideUkraine, GazetteerError)
    assert issubclass(PointOutsideUkraine, ValueError)


@pytest.mark.parametrize(
    "name,lat,lon",
    [
        ("Uzhhorod", 48.62, 22.29),
        ("Sevastopol", 44.60, 33.52),
        ("Izmail", 45.35, 28.84),
        ("Chornobyl", 51.27, 30.22),
        ("Kharkiv", 49.99, 36.23),
    ],
)
def test_points_near_the_edges_are_inside(name, lat, lon):
    assert reverse(lat, lon)


def test_reverse_many_gives_empty_lists_outside_and_for_nan():
    got = reverse_many([52.52, 49.71, np.nan], [13.40, 37.61, 30.0])
    assert got[0] == [] and got[2] == []
    assert got[1][0][0].name_uk == "Куп’янськ"


def test_reverse_many_says_per_row_why_a_point_got_nothing_and_names_a_swap():
    # before: a swapped point got [] and no word, where reverse() says "are latitude and longitude swapped?"
    lats = [KUPIANSK[0], KUPIANSK[1], 52.52, np.nan, 95.0]
    lons = [KUPIANSK[1], KUPIANSK[0], 13.40, 30.0, 30.0]
    rows = reverse_many(lats, lons)
    assert len(rows) == 5  # one row per point, none dropped
    assert [r.status for r in rows] == ["nearest", "not_found", "not_found", "invalid", "invalid"]
    assert rows[0][0][0].name_uk == "Куп’янськ" and rows[0].reason == ""
    assert rows[1] == [] and "swapped" in rows[1].reason
    with pytest.raises(PointOutsideUkraine) as raised:
        reverse(KUPIANSK[1], KUPIANSK[0])
    assert rows[1].reason == str(raised.value)  # the same words as reverse's error
    assert "outside Ukraine" in rows[2].reason and "swapped" not in rows[2].reason  # Berlin swapped is no better
    assert "not a number" in rows[3].reason and "not a valid point" in rows[4].reason
    far = reverse_many([KUPIANSK[0] + 0.3], [KUPIANSK[1]], max_km=1)[0]
    assert far == [] and far.status == "not_found" and "within 1 km" in far.reason


def test_nearest_returns_arrays_and_inside_mask():
    idx, km, inside = nearest([49.71, 52.52], [37.61, 13.40], k=2)
    assert idx.shape == km.shape == (2, 2)
    assert inside.tolist() == [True, False]


@pytest.mark.parametrize("lat,lon", [(float("nan"), 30.0), (95.0, 30.0), ("x", 30.0), (None, 30.0)])
def test_bad_point_raises_value_error(lat, lon):
    with pytest.raises(ValueError):
        reverse(lat, lon)


def test_bad_k_raises_value_error():
    with pytest.raises(ValueError, match="k must"):
        reverse(*KUPIANSK, k=0)


# -- one engine, one boundary, one great-circle function for every face --------------------------------
@pytest.mark.parametrize(
    "name,lat,lon",
    [
        ("Przemyśl, Poland", 49.7838, 22.7678),
        ("Suceava, Romania", 47.6514, 26.2556),
        ("Bryansk, Russia", 53.2434, 34.3637),
        ("Gomel, Belarus", 52.4345, 30.9754),
        ("Black Sea 40 km off Odesa", 46.20, 31.20),
    ],
)
def test_points_just_across_the_border_are_outside_for_every_face(name, lat, lon):
    from gazetteer.geocoder import Gazetteer

    with pytest.raises(PointOutsideUkraine):
        reverse(lat, lon)
    assert Gazetteer(reverse_max_km=1000).reverse((lat, lon)) is None
    assert reverse_many([lat], [lon]) == [[]]


@pytest.mark.parametrize(
    "name,lat,lon",
    [
        ("Kerch", 45.36, 36.47),
        ("Sevastopol", 44.60, 33.52),
        ("Vylkove", 45.40, 29.59),
        ("Khorly, on the Black Sea shore", 46.0803, 33.2975),
        ("Chop, at the Hungarian border", 48.4318, 22.2032),
    ],
)
def test_points_inside_the_border_are_inside_for_every_face(name, lat, lon):
    from gazetteer.geocoder import Gazetteer

    [(s, _)] = reverse(lat, lon)
    loc = Gazetteer(reverse_max_km=1000).reverse((lat, lon))
    assert loc is not None and loc.raw["id"] == s.id


def test_every_face_gives_the_same_nearest_settlement_over_a_grid():
    from gazetteer.geocoder import Gazetteer

    geolocator = Gazetteer(reverse_max_km=10_000)
    lats = np.arange(44.3, 52.5, 0.35)
    lons = np.arange(22.1, 40.3, 0.45)
    grid = [(float(a), float(b)) for a in lats for b in lons]
    many = reverse_many([p[0] for p in grid], [p[1] for p in grid], k=1)
    disagree = []
    for (lat, lon), got in zip(grid, many, strict=True):
        loc = geolocator.reverse((lat, lon))
        try:
            one = reverse(lat, lon)
        except PointOutsideUkraine:
            one = []
        ids = {
            "reverse": one[0][0].id if one else None,
            "reverse_many": got[0][0].id if got else None,
            "Gazetteer": loc.raw["id"] if loc is not None else None,
        }
        if len(set(ids.values())) != 1:
            disagree.append(((lat, lon), ids))
    assert len(grid) > 800 and not disagree, disagree[:5]


def test_every_settlement_point_is_inside_ukraine():
    from gazetteer.store import get_extract

    settlements = get_extract().settlements
    _, _, inside = nearest([s.lat for s in settlements], [s.lon for s in settlements], 1, precision=None)
    assert inside.all(), [settlements[i].name_uk for i in np.flatnonzero(~inside)][:10]


def test_one_great_circle_function_for_every_face():
    import gazetteer.geocoder
    import gazetteer.geodesy
    import gazetteer.nearby

    assert gazetteer.geocoder.distance_km is gazetteer.geodesy.haversine_km
    assert gazetteer.nearby.EARTH_RADIUS_KM == gazetteer.geodesy.EARTH_RADIUS_KM
    rng = np.random.default_rng(7)
    a = rng.uniform([44, 22], [52.5, 40.3], size=(200, 2))
    b = rng.uniform([44, 22], [52.5, 40.3], size=(200, 2))
    vec = gazetteer.geodesy.haversine_km_many(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    one = [gazetteer.geodesy.haversine_km(*p, *q) for p, q in zip(a, b, strict=True)]
    assert vec == pytest.approx(one, rel=1e-9)


@pytest.mark.parametrize("precision,k", [("point", 1), ("point", 4), (None, 1), (None, 12)])
def test_grid_search_gives_the_full_scan_distances(precision, k):
    rng = np.random.default_rng(11)
    lats = np.r_[rng.uniform(43.0, 54.0, 1500), 49.7838, 44.5, 52.4]
    lons = np.r_[rng.uniform(20.0, 42.0, 1500), 22.7678, 33.5, 30.9]
    g_idx, g_km, g_in = nearest(lats, lons, k, precision=precision)
    f_idx, f_km, f_in = nearest(lats, lons, k, precision=precision, scan="full")
    assert g_km == pytest.approx(f_km, abs=1e-6)  # 1 mm: matrix products of other shapes round differently
    assert (g_in == f_in).all()
    same = (g_idx == f_idx).mean()
    assert same > 0.97  # ids differ only where two settlements share one coordinate


def test_a_k_beyond_the_settlements_gives_them_all_without_allocating_k_columns():
    found = reverse(*KUPIANSK, k=10**9)  # a (1, 10**9) array would be 16 GB: the process would die
    assert 20_000 < len(found) < 40_000 and found[0][1] <= found[-1][1]


@pytest.mark.parametrize("max_km", [-1, 0, float("nan"), float("inf")])
def test_a_max_km_that_is_no_distance_is_a_value_error(max_km):
    with pytest.raises(ValueError, match="max_km"):
        reverse(*KUPIANSK, max_km=max_km)
    with pytest.raises(ValueError, match="max_km"):
        reverse_many([KUPIANSK[0]], [KUPIANSK[1]], max_km=max_km)


def test_reverse_many_gives_an_empty_list_for_a_value_that_is_no_number():
    got = reverse_many([str(KUPIANSK[0]), "abc", None], [str(KUPIANSK[1]), "1", 3.0])
    assert len(got) == 3 and got[0] and got[1] == [] and got[2] == []
