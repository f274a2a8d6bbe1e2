"""Reverse geocoding: the settlements nearest to a point, with great-circle distances in km.

>>> from gazetteer.nearby import reverse
>>> [(s.name_uk, round(km, 1)) for s, km in reverse(49.7100, 37.6158)]
[('Куп’янськ', 0.0)]
>>> [s.name_uk for s, _ in reverse(50.4501, 30.5234, k=3)][0]
'Київ'
>>> reverse(52.52, 13.40)  # Berlin
Traceback (most recent call last):
...
gazetteer.nearby.PointOutsideUkraine: (52.52, 13.4) is outside Ukraine (about 719 km from the nearest settlement, Піща)

**Which settlements are candidates.** By default only settlements with their own coordinates
(``coord_precision == "point"``, about 5,000 of 29,700: all cities and the larger villages). The others
are stored at the centroid of their hromada or raion, so dozens of villages share one point and the
"nearest" of them would be arbitrary. ``precision=None`` takes every settlement; distances are then to
the stored coordinates, which may be a centroid: each result's ``Settlement.coord_precision`` says which.

**Points outside Ukraine.** :func:`reverse` raises :class:`PointOutsideUkraine` (a ValueError) for a
point outside the approximate outline of :func:`gazetteer.maps.ukraine_outline` (a concave hull of all
settlement coordinates, buffered by 8 km: it can be ~10-15 km off the true border; Berlin, Minsk,
Chișinău, Belgorod or the open Black Sea are outside, Przemyśl 12 km from the border may count as
inside). Without shapely the test falls back to "farther than 40 km from every settlement", which is
coarser. :func:`reverse_many` does not raise: such points get an empty list.

Search is exact brute force over 3-D unit vectors with numpy (one matrix product per block of points);
measured on 2 cores: ~40 µs per point in bulk with the default ~5,000 candidates, ~250 µs with
``precision=None`` (29,700 candidates). A KD-tree (scipy, not installed here) would be faster for millions
of points.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from gazetteer.errors import GazetteerError
from gazetteer.model import PRECISIONS, Settlement

__all__ = ["EARTH_RADIUS_KM", "PointOutsideUkraine", "nearest", "reverse", "reverse_many"]

EARTH_RADIUS_KM = 6371.0088
#: Without shapely: a point farther than this from every settlement counts as outside Ukraine.
FALLBACK_OUTSIDE_KM = 40.0
_BLOCK = 1024


class PointOutsideUkraine(GazetteerError, ValueError):
    """The point lies outside (the approximate outline of) Ukraine; ``nearest_km`` says how far the
    nearest settlement is."""

    def __init__(self, lat: float, lon: float, nearest_km: float, nearest_name: str) -> None:
        self.lat, self.lon, self.nearest_km = lat, lon, nearest_km
        super().__init__(
            f"({lat}, {lon}) is outside Ukraine (about {nearest_km:.0f} km from the nearest settlement, {nearest_name})"
        )


def _unit_vectors(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lats), np.radians(lons)
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])


@functools.lru_cache(maxsize=8)
def _candidates(precision: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(indices into extract.settlements, their unit vectors) for one precision filter."""
    from gazetteer.store import get_extract

    settlements = get_extract().settlements
    idx = np.array(
        [i for i, s in enumerate(settlements) if precision is None or s.coord_precision == precision], dtype=np.int64
    )
    lats = np.array([settlements[i].lat for i in idx], dtype=np.float64)
    lons = np.array([settlements[i].lon for i in idx], dtype=np.float64)
    return idx, _unit_vectors(lats, lons)


def _check_precision(precision: str | None) -> None:
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"precision must be None or one of {PRECISIONS}, not {precision!r}")


def nearest(
    lats: Any, lons: Any, k: int = 1, *, precision: str | None = "point"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numpy core: for n points, (settlement indices (n, k), distances in km (n, k), inside (n,)).

    Indices point into ``get_extract().settlements``; rows are sorted by distance. Rows for NaN points
    are -1 / NaN. ``inside`` is False for points outside Ukraine (they still get their nearest rows).
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive int, not {k!r}")
    _check_precision(precision)
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    if lats.shape != lons.shape or lats.ndim != 1:
        raise ValueError(f"lats and lons must be 1-D of equal length, not {lats.shape} and {lons.shape}")
    idx, vectors = _candidates(precision)
    k_eff = min(k, len(idx))
    n = len(lats)
    out_idx = np.full((n, k), -1, dtype=np.int64)
    out_km = np.full((n, k), np.nan, dtype=np.float64)
    ok = ~(np.isnan(lats) | np.isnan(lons)) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180)
    rows = np.flatnonzero(ok)
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        dots = _unit_vectors(lats[block], lons[block]) @ vectors.T  # cosine of the central angle
        if k_eff < dots.shape[1]:
            part = np.argpartition(-dots, k_eff - 1, axis=1)[:, :k_eff]
        else:
            part = np.broadcast_to(np.arange(dots.shape[1]), (len(block), dots.shape[1]))
        best = np.take_along_axis(dots, part, axis=1)
        order = np.argsort(-best, axis=1, kind="stable")
        part = np.take_along_axis(part, order, axis=1)
        best = np.take_along_axis(best, order, axis=1)
        out_idx[block, :k_eff] = idx[part]
        # 2R·asin(chord/2) is accurate for small angles, where arccos of a dot product is not.
        chord = np.sqrt(np.clip(2.0 - 2.0 * best, 0.0, 4.0))
        out_km[block, :k_eff] = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
    inside = np.zeros(n, dtype=bool)
    if len(rows):
        inside[rows] = _inside(lats[rows], lons[rows])
    return out_idx, out_km, inside


def _inside(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    try:
        from gazetteer.maps import inside_ukraine
    except ImportError:  # no shapely: distance to the nearest settlement of any precision
        _, km, _ = _nearest_any(lats, lons)
        return km <= FALLBACK_OUTSIDE_KM
    return inside_ukraine(lats, lons)


def _nearest_any(lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
    idx, vectors = _candidates(None)
    out = np.empty(len(lats))
    for start in range(0, len(lats), _BLOCK):
        dots = _unit_vectors(lats[start : start + _BLOCK], lons[start : start + _BLOCK]) @ vectors.T
        chord = np.sqrt(np.clip(2.0 - 2.0 * dots.max(axis=1), 0.0, 4.0))
        out[start : start + _BLOCK] = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
    return idx, out, None


def reverse(
    lat: float, lon: float, k: int = 1, *, max_km: float | None = None, precision: str | None = "point"
) -> list[tuple[Settlement, float]]:
    """The ``k`` settlements nearest to (lat, lon), nearest first, as (Settlement, km) pairs.

    ``max_km`` drops results farther than that (the list may then be empty). Raises ValueError for a
    bad point or ``k``, and :class:`PointOutsideUkraine` for a point outside Ukraine.
    """
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError(f"lat and lon must be numbers, not {lat!r}, {lon!r}") from None
    if math.isnan(lat_f) or math.isnan(lon_f) or not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        raise ValueError(f"({lat!r}, {lon!r}) is not a valid point")
    out_idx, out_km, inside = nearest([lat_f], [lon_f], k, precision=precision)
    from gazetteer.store import get_extract

    settlements = get_extract().settlements
    if not inside[0]:
        name = settlements[out_idx[0, 0]].name_uk if out_idx[0, 0] >= 0 else "?"
        raise PointOutsideUkraine(lat_f, lon_f, float(out_km[0, 0]), name)
    return _pairs(out_idx[0], out_km[0], max_km, settlements)


def _pairs(
    idx: np.ndarray, km: np.ndarray, max_km: float | None, settlements: list[Settlement]
) -> list[tuple[Settlement, float]]:
    return [
        (settlements[i], float(d))
        for i, d in zip(idx.tolist(), km.tolist(), strict=True)
        if i >= 0 and (max_km is None or d <= max_km)
    ]


def reverse_many(
    lats: Any, lons: Any, k: int = 1, *, max_km: float | None = None, precision: str | None = "point"
) -> list[list[tuple[Settlement, float]]]:
    """:func:`reverse` for arrays of points, vectorised; one list per point, in input order.

    Never raises for a single bad point: points outside Ukraine and NaN / out-of-range points get an
    empty list (use :func:`nearest` for the raw arrays and the ``inside`` mask).
    """
    from gazetteer.store import get_extract

    out_idx, out_km, inside = nearest(lats, lons, k, precision=precision)
    settlements = get_extract().settlements
    return [_pairs(out_idx[i], out_km[i], max_km, settlements) if inside[i] else [] for i in range(len(inside))]
