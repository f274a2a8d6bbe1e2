"""Reverse geocoding: the settlements nearest to a point, with great-circle distances in km.

>>> from gazetteer.nearby import reverse
>>> [(s.name_uk, round(km, 1)) for s, km in reverse(49.7100, 37.6158)]
[('Куп’янськ', 0.0)]
>>> [s.name_uk for s, _ in reverse(50.4501, 30.5234, k=3)][0]
'Київ'
>>> reverse(52.52, 13.40)  # Berlin
Traceback (most recent call last):
...
gazetteer.nearby.PointOutsideUkraine: (52.52, 13.4) is outside Ukraine (about 707 km from the nearest settlement, Красний Бір)

**Which settlements are candidates.** By default only settlements with their own coordinates
(``coord_precision == "point"``, about 5,000 of 29,700: all cities and the larger villages). The others
are stored at the centroid of their hromada or raion, so dozens of villages share one point and the
"nearest" of them would be arbitrary. ``precision=None`` takes every settlement; distances are then to
the stored coordinates, which may be a centroid: each result's ``Settlement.coord_precision`` says which.

**Points outside Ukraine.** One notion of "inside Ukraine" serves every face (this module,
:meth:`gazetteer.geocoder.Gazetteer.reverse`, the checks on online answers, the maps): the point lies inside
Ukraine's border as drawn by Natural Earth (1:10m Admin 0, public domain; Crimea included), widened by 5 km
so that shore and border villages whose points lie a little off that line, and coastal waters, count
(``gazetteer/build/sources/ukraine_boundary.geojson``, see its README). Berlin, Przemyśl (8.5 km over the
Polish border), Suceava, Gomel, Belgorod, Chișinău or the open Black Sea are outside; a town right across
a border river (Sighetu Marmației, 1 km from the line) counts as inside: the outline cannot separate
places closer to the border than its own accuracy. :func:`reverse` raises :class:`PointOutsideUkraine` (a ValueError) for such a point;
:func:`reverse_many` does not raise: such points get an empty list whose ``status`` and ``reason`` say why, in
the words of that error ("are latitude and longitude swapped?" too), as a batch row would
(:class:`ReverseRow`). :func:`inside_ukraine` answers the question alone, for arrays of points.

Search is exact: each point looks at the settlements of its grid cell (0.25° x 0.375°, ~27 km) and the
eight around it, and keeps that answer when the k-th found is nearer than anything beyond those cells can
be; other points (outside Ukraine, a large ``k``) are scanned against every candidate, by one numpy matrix
product of 3-D unit vectors per block. Candidates: ``precision="point"``, the settlements with their own
point (26,925 in the extract of Dec 2026); ``None``, all 29,707. Measured on 2 busy shared cores with
points inside Ukraine: ~26 µs per point in bulk (the full scan: ~265 µs), ~10 µs of it the border test.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gazetteer.errors import DataError, GazetteerError
from gazetteer.geodesy import EARTH_RADIUS_KM, chord_to_km, in_ukraine_box, unit_vectors
from gazetteer.model import PRECISIONS, Settlement

__all__ = [
    "EARTH_RADIUS_KM",
    "PointOutsideUkraine",
    "ReverseRow",
    "inside_ukraine",
    "nearest",
    "nearest_settlements",
    "reverse",
    "reverse_many",
    "ukraine_boundary",
]

_BLOCK = 1024
BOUNDARY_FILE = Path(__file__).resolve().parent / "build" / "sources" / "ukraine_boundary.geojson"


class PointOutsideUkraine(GazetteerError, ValueError):
    """The point lies outside (the approximate outline of) Ukraine; ``nearest_km`` says how far the
    nearest settlement is."""

    def __init__(self, lat: float, lon: float, nearest_km: float, nearest_name: str) -> None:
        self.lat, self.lon, self.nearest_km = lat, lon, nearest_km
        swapped = ""
        if in_ukraine_box(lon, lat):
            swapped = f"; ({lon}, {lat}) would be: are latitude and longitude swapped?"
        super().__init__(
            f"({lat}, {lon}) is outside Ukraine (about {nearest_km:.0f} km from the nearest settlement, "
            f"{nearest_name}){swapped}"
        )


@functools.lru_cache(maxsize=1)
def ukraine_boundary() -> tuple[np.ndarray, ...]:
    """The rings (exterior and holes) of the outline behind :func:`inside_ukraine`, each an (n, 2) array of
    lon, lat in degrees (EPSG:4326). Source: Natural Earth, widened by 5 km (see the module docstring)."""
    try:
        feature = json.loads(BOUNDARY_FILE.read_text(encoding="utf-8"))
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        rings = tuple(np.asarray(ring, dtype=np.float64) for polygon in polygons for ring in polygon)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"the boundary of Ukraine cannot be read: {exc}", BOUNDARY_FILE) from None
    if not rings or any(r.ndim != 2 or r.shape[1] != 2 or len(r) < 4 for r in rings):
        raise DataError("the boundary of Ukraine is not a polygon", BOUNDARY_FILE)
    return rings


@functools.lru_cache(maxsize=1)
def _edges() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    rings = ukraine_boundary()
    a = np.concatenate([r[:-1] for r in rings])
    b = np.concatenate([r[1:] for r in rings])
    lon_min, lat_min = np.min([r.min(axis=0) for r in rings], axis=0)
    lon_max, lat_max = np.max([r.max(axis=0) for r in rings], axis=0)
    return a[:, 0], a[:, 1], b[:, 0], b[:, 1], (lat_min, lon_min, lat_max, lon_max)


def inside_ukraine(lats: Any, lons: Any) -> np.ndarray:
    """True where a point (degrees) lies inside Ukraine's outline (vectorised; NaN -> False).

    >>> inside_ukraine([49.71, 49.7838, 52.52], [37.61, 22.7678, 13.40]).tolist()  # Kupiansk, Przemyśl, Berlin
    [True, False, False]
    """
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    x1, y1, x2, y2, (s, w, n, e) = _edges()
    out = np.zeros(lats.shape, dtype=bool)
    rows = np.flatnonzero((lats >= s) & (lats <= n) & (lons >= w) & (lons <= e))  # NaN fails every test
    for start in range(0, len(rows), 256):
        block = rows[start : start + 256]
        px, py = lons[block][:, None], lats[block][:, None]
        # Even-odd rule: count the edges a ray from the point towards +x crosses.
        spans = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross_x = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        out[block] = (np.count_nonzero(spans & (px < cross_x), axis=1) % 2) == 1
    return out


#: Grid cells (degrees) of the nearest search: a point's nearest settlements are looked for in its cell and
#: the eight around it; when the k-th found lies nearer than anything outside those nine cells can be, the
#: answer is exact, else that point falls back to the full scan.
_DLAT, _DLON = 0.25, 0.375


@dataclass(frozen=True)
class _Pool:
    settlements: Sequence[Settlement]
    idx: np.ndarray  # indices into settlements
    vectors: np.ndarray  # their unit vectors
    cells: dict[tuple[int, int], np.ndarray]  # grid cell -> positions into idx (ascending)


_POOLS: dict[tuple[int, str | None], _Pool] = {}


def _settlements(settlements: Sequence[Settlement] | None) -> Sequence[Settlement]:
    if settlements is not None:
        return settlements
    from gazetteer.store import get_extract

    return get_extract().settlements


def _cell_of(lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(lats / _DLAT).astype(np.int64), np.floor(lons / _DLON).astype(np.int64)


def _pool(settlements: Sequence[Settlement], precision: str | None) -> _Pool:
    """The candidates for one precision filter, their unit vectors and grid; kept per extract."""
    key = (id(settlements), precision)
    hit = _POOLS.get(key)
    if hit is not None and hit.settlements is settlements:
        return hit
    from gazetteer.store import record_columns

    all_lats, all_lons, precisions = record_columns(settlements, "lat", "lon", "coord_precision")
    idx = np.array([i for i, p in enumerate(precisions) if precision is None or p == precision], dtype=np.int64)
    lats = np.array(all_lats, dtype=np.float64)[idx]
    lons = np.array(all_lons, dtype=np.float64)[idx]
    ci, cj = _cell_of(lats, lons)
    order = np.lexsort((np.arange(len(idx)), cj, ci))
    cells: dict[tuple[int, int], np.ndarray] = {}
    if len(order):
        pairs = np.column_stack([ci[order], cj[order]])
        starts = np.flatnonzero(np.r_[True, np.any(pairs[1:] != pairs[:-1], axis=1)])
        for a, b in zip(starts, np.r_[starts[1:], len(order)], strict=True):
            cells[(int(pairs[a, 0]), int(pairs[a, 1]))] = np.sort(order[a:b])
    pool = _Pool(settlements, idx, unit_vectors(lats, lons), cells)
    if len(_POOLS) >= 8:
        _POOLS.clear()
    _POOLS[key] = pool
    return pool


def _grid_nearest(pool: _Pool, lats: np.ndarray, lons: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions (n, k), km (n, k), exact (n,)) from each point's 3x3 cells; rows not exact are to be scanned."""
    n = len(lats)
    pos = np.full((n, k), -1, dtype=np.int64)
    km = np.full((n, k), np.nan, dtype=np.float64)
    exact = np.zeros(n, dtype=bool)
    if n == 0:
        return pos, km, exact
    # Anything outside the 3x3 cells differs by >= _DLAT in latitude or >= _DLON in longitude; the nearest
    # such point is at least this far (haversine, with cos(latitude) bounded over the band).
    phi = np.radians(np.abs(lats))
    across = 2 * np.arcsin(
        np.sqrt(np.cos(phi) * np.clip(np.cos(phi + np.radians(_DLAT)), 0, 1)) * math.sin(math.radians(_DLON) / 2)
    )
    safe_km = EARTH_RADIUS_KM * np.minimum(math.radians(_DLAT), across)
    vq = unit_vectors(lats, lons)
    ci, cj = _cell_of(lats, lons)
    order = np.lexsort((cj, ci))
    pairs = np.column_stack([ci[order], cj[order]])
    starts = np.flatnonzero(np.r_[True, np.any(pairs[1:] != pairs[:-1], axis=1)])
    empty = np.empty(0, dtype=np.int64)
    for a, b in zip(starts, np.r_[starts[1:], n], strict=True):
        c0, c1 = int(pairs[a, 0]), int(pairs[a, 1])
        cand = np.concatenate([pool.cells.get((c0 + di, c1 + dj), empty) for di in (-1, 0, 1) for dj in (-1, 0, 1)])
        if len(cand) < k:
            continue
        cand.sort()  # ties go to the lower extract index
        rows = order[a:b]
        dots = vq[rows] @ pool.vectors[cand].T
        top = np.argsort(-dots, axis=1, kind="stable")[:, :k]
        d = chord_to_km(np.take_along_axis(dots, top, axis=1))
        pos[rows] = cand[top]
        km[rows] = d
        exact[rows] = d[:, -1] < safe_km[rows]
    return pos, km, exact


def _check_precision(precision: str | None) -> None:
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"precision must be None or one of {PRECISIONS}, not {precision!r}")


def _degrees(values: Any) -> np.ndarray:
    """Coordinates as a 1-D float array; a value that is no number (None, "abc") becomes NaN (that point's
    row is then -1 / NaN) instead of failing the whole array."""
    try:
        return np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError):
        pass

    def one(v: Any) -> float:
        try:
            return float(v)
        except (TypeError, ValueError):
            return math.nan

    items = values if isinstance(values, (list, tuple)) else list(np.atleast_1d(np.asarray(values, dtype=object)))
    return np.array([one(v) for v in items], dtype=np.float64)


def _check_max_km(max_km: float | None) -> None:
    if max_km is not None and not (isinstance(max_km, (int, float)) and math.isfinite(max_km) and max_km > 0):
        raise ValueError(f"max_km must be a distance in km above 0 (or None), not {max_km!r}")


def nearest(
    lats: Any,
    lons: Any,
    k: int = 1,
    *,
    precision: str | None = "point",
    settlements: Sequence[Settlement] | None = None,
    scan: str = "grid",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numpy core: for n points, (settlement indices (n, k'), distances in km (n, k'), inside (n,)), where
    k' is ``k`` or the number of settlements in the pool if fewer.

    ``scan="grid"`` looks in the point's grid cell and its neighbours and scans everything only where that
    cannot prove the answer; ``scan="full"`` always scans everything (same answers, for checking).

    Indices point into ``settlements`` (default ``get_extract().settlements``); rows are sorted by
    distance. Rows for NaN points are -1 / NaN. ``inside`` is False for points outside Ukraine (they still
    get their nearest rows).
    """
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive int, not {k!r}")
    _check_precision(precision)
    if scan not in ("grid", "full"):
        raise ValueError(f"scan must be 'grid' or 'full', not {scan!r}")
    lats, lons = _degrees(lats), _degrees(lons)
    if lats.shape != lons.shape or lats.ndim != 1:
        raise ValueError(f"lats and lons must be 1-D of equal length, not {lats.shape} and {lons.shape}")
    pool = _pool(_settlements(settlements), precision)
    idx, vectors = pool.idx, pool.vectors
    k_eff = min(k, len(idx))
    n = len(lats)
    width = max(k_eff, 1)  # never wider than the settlements there are (k=10**9 must not allocate 7 GiB)
    out_idx = np.full((n, width), -1, dtype=np.int64)
    out_km = np.full((n, width), np.nan, dtype=np.float64)
    ok = ~(np.isnan(lats) | np.isnan(lons)) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180)
    rows = np.flatnonzero(ok)
    if k_eff and scan == "grid":
        pos, km, exact = _grid_nearest(pool, lats[rows], lons[rows], k_eff)
        done = rows[exact]
        out_idx[done, :k_eff] = idx[pos[exact]]
        out_km[done, :k_eff] = km[exact]
        rows = rows[~exact]
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        dots = unit_vectors(lats[block], lons[block]) @ vectors.T  # cosine of the central angle
        if k_eff < dots.shape[1]:
            part = np.argpartition(-dots, k_eff - 1, axis=1)[:, :k_eff]
        else:
            part = np.broadcast_to(np.arange(dots.shape[1]), (len(block), dots.shape[1]))
        best = np.take_along_axis(dots, part, axis=1)
        order = np.lexsort((part, -best), axis=1)  # nearest first, ties to the lower extract index
        part = np.take_along_axis(part, order, axis=1)
        best = np.take_along_axis(best, order, axis=1)
        out_idx[block, :k_eff] = idx[part]
        out_km[block, :k_eff] = chord_to_km(best)
    return out_idx, out_km, inside_ukraine(lats, lons)


def nearest_settlements(
    lat: float,
    lon: float,
    k: int = 1,
    *,
    max_km: float | None = None,
    precision: str | None = "point",
    settlements: Sequence[Settlement] | None = None,
) -> list[tuple[Settlement, float]]:
    """Like :func:`reverse` but for any point, inside Ukraine or not (never raises PointOutsideUkraine).

    ``settlements`` defaults to the loaded extract's; faces built on another extract pass theirs.
    """
    pool = _settlements(settlements)
    out_idx, out_km, _ = nearest([lat], [lon], k, precision=precision, settlements=pool)
    return _pairs(out_idx[0], out_km[0], max_km, pool)


def reverse(
    lat: float, lon: float, k: int = 1, *, max_km: float | None = None, precision: str | None = "point"
) -> list[tuple[Settlement, float]]:
    """The ``k`` settlements nearest to (lat, lon), nearest first, as (Settlement, km) pairs.

    The one reverse geocoder of the package (``gazetteer.reverse``; the geopy face, the HTTP service and
    the CLI call it). ``lat``/``lon`` in degrees (WGS84); km are great-circle distances
    (:func:`gazetteer.geodesy.haversine_km`) to the stored coordinates. ``precision="point"`` (default)
    answers only settlements with their own point; ``None`` takes every settlement (centroids included).
    ``max_km`` (km, above 0) drops results farther than that (the list may then be empty); ``k`` beyond the
    number of settlements gives them all. Raises ValueError for a bad point, ``k`` or ``max_km``, and :class:`PointOutsideUkraine` (a ValueError) for a point outside Ukraine's
    border (:func:`inside_ukraine`). Data: the loaded extract, and Natural Earth's border.
    """
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValueError(f"lat and lon must be numbers, not {lat!r}, {lon!r}") from None
    if math.isnan(lat_f) or math.isnan(lon_f) or not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        raise ValueError(f"({lat!r}, {lon!r}) is not a valid point")
    _check_max_km(max_km)
    out_idx, out_km, inside = nearest([lat_f], [lon_f], k, precision=precision)
    from gazetteer.store import get_extract

    settlements = get_extract().settlements
    if not inside[0]:
        name = settlements[out_idx[0, 0]].name_uk if out_idx[0, 0] >= 0 else "?"
        raise PointOutsideUkraine(lat_f, lon_f, float(out_km[0, 0]), name)
    return _pairs(out_idx[0], out_km[0], max_km, settlements)


def _pairs(
    idx: np.ndarray, km: np.ndarray, max_km: float | None, settlements: Sequence[Settlement]
) -> list[tuple[Settlement, float]]:
    return [
        (settlements[i], float(d))
        for i, d in zip(idx.tolist(), km.tolist(), strict=True)
        if i >= 0 and (max_km is None or d <= max_km)
    ]


class ReverseRow(list):
    """One point's answer from :func:`reverse_many`: its (Settlement, km) pairs, nearest first (a list, as
    :func:`reverse` returns), with ``status`` and ``reason`` as a batch row has them: ``nearest`` (reason
    ""); ``not_found`` for a point outside Ukraine (the reason is :class:`PointOutsideUkraine`'s message, which
    says when latitude and longitude look swapped) or with no settlement within ``max_km``; ``invalid`` for a
    coordinate that is missing, no number or out of range. An empty row is still ``== []``."""

    def __init__(self, pairs: Any = (), status: str = "nearest", reason: str = "") -> None:
        super().__init__(pairs)
        self.status, self.reason = status, reason


def reverse_many(
    lats: Any, lons: Any, k: int = 1, *, max_km: float | None = None, precision: str | None = "point"
) -> list[ReverseRow]:
    """:func:`reverse` for arrays of points, vectorised; one list per point, in input order.

    Never raises for a single bad point and never drops one: points outside Ukraine and NaN / out-of-range
    points get an empty list, whose ``status`` and ``reason`` say why (:class:`ReverseRow`; outside Ukraine,
    in the words :func:`reverse` raises, "are latitude and longitude swapped?" when they look so). Use
    :func:`nearest` for the raw arrays and the ``inside`` mask.
    """
    from gazetteer.store import get_extract

    _check_max_km(max_km)
    out_idx, out_km, inside = nearest(lats, lons, k, precision=precision)
    settlements = get_extract().settlements
    lat_f, lon_f = _degrees(lats), _degrees(lons)
    rows = []
    for i in range(len(inside)):
        lat, lon = float(lat_f[i]), float(lon_f[i])
        if math.isnan(lat) or math.isnan(lon):
            rows.append(ReverseRow(status="invalid", reason="lat or lon is missing or not a number"))
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            why = f"({lat:g}, {lon:g}) is not a valid point (latitude within ±90, longitude within ±180)"
            rows.append(ReverseRow(status="invalid", reason=why))
        elif not inside[i]:
            name = settlements[out_idx[i, 0]].name_uk if out_idx[i, 0] >= 0 else "?"
            why = str(PointOutsideUkraine(lat, lon, float(out_km[i, 0]), name))
            rows.append(ReverseRow(status="not_found", reason=why))
        else:
            pairs = _pairs(out_idx[i], out_km[i], max_km, settlements)
            if pairs:
                rows.append(ReverseRow(pairs))
            else:
                rows.append(ReverseRow(status="not_found", reason=f"no settlement within {max_km:g} km"))
    return rows
