"""Great-circle distance: the one implementation behind the build, the resolver, the geoparser,
reverse geocoding and the checks on online answers.

>>> round(haversine_km(50.45, 30.52, 49.99, 36.23))  # Kyiv to Kharkiv
409
>>> [round(float(d)) for d in haversine_km_many([50.45, 46.48], [30.52, 30.72], 49.99, 36.23)]  # and Odesa
[409, 564]
"""

from __future__ import annotations

import math
from typing import Any

EARTH_RADIUS_KM = 6371.0088

__all__ = [
    "EARTH_RADIUS_KM",
    "UKRAINE_BOX",
    "chord_to_km",
    "haversine_km",
    "haversine_km_many",
    "in_ukraine_box",
    "unit_vectors",
]


#: Ukraine's bounding box (south, north, west, east; degrees): for telling a point far outside it, or given
#: as (lon, lat), not for borders (see gazetteer.nearby.inside_ukraine).
UKRAINE_BOX = (44.38, 52.38, 22.13, 40.23)


def in_ukraine_box(lat: float, lon: float) -> bool:
    """Is (lat, lon) inside :data:`UKRAINE_BOX`?"""
    south, north, west, east = UKRAINE_BOX
    return south <= lat <= north and west <= lon <= east


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two points given in degrees (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def haversine_km_many(lats1: Any, lons1: Any, lats2: Any, lons2: Any) -> Any:
    """:func:`haversine_km` over numpy arrays (broadcast); needs numpy."""
    import numpy as np

    p1, p2 = np.radians(np.asarray(lats1, dtype=np.float64)), np.radians(np.asarray(lats2, dtype=np.float64))
    dlon = np.radians(np.asarray(lons2, dtype=np.float64) - np.asarray(lons1, dtype=np.float64))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def unit_vectors(lats: Any, lons: Any) -> Any:
    """Points in degrees -> 3-D unit vectors (n, 3), for nearest searches by dot product."""
    import numpy as np

    phi, lam = np.radians(np.asarray(lats, dtype=np.float64)), np.radians(np.asarray(lons, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])


def chord_to_km(dots: Any) -> Any:
    """Cosines of central angles (dot products of unit vectors) -> great-circle km, the haversine way.

    2R·asin(chord/2) stays accurate for small angles, where arccos of a dot product does not.
    """
    import numpy as np

    chord = np.sqrt(np.clip(2.0 - 2.0 * np.asarray(dots, dtype=np.float64), 0.0, 4.0))
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
