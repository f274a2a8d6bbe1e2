"""A light, offline base map of Ukraine and its oblasts, derived from the settlement points, for plots.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from gazetteer.frames import enrich
>>> from gazetteer.maps import plot_places
>>> df = enrich(pd.DataFrame({"place": ["Kupyansk", "Бахмут", "Odessa", "Lemberg", "Радьківка"]}), "place")
>>> ax = plot_places(df, title="Five places")
>>> ax.figure.savefig("/tmp/five_places.png")

Where the shapes come from (no download, no extra package: only the extract and shapely):

* **Country outline** — :func:`ukraine_outline`: Ukraine's border as drawn by Natural Earth (1:10m, public
  domain, Crimea included), widened by 5 km: the same outline :func:`gazetteer.nearby.inside_ukraine`
  uses to tell points inside Ukraine from points outside, for every face (see
  ``gazetteer/build/sources/README.md``).
* **Oblasts** — :func:`oblast_shapes`: Voronoi cells of the distinct settlement coordinates, each
  labelled by the oblast of its settlement, dissolved per oblast and clipped to the outline. Lines
  between oblasts run halfway between the last villages of each side, so they are off by a few km
  (about half the village spacing, more where villages are sparse). Kyiv and Sevastopol cities are own
  units (KATOTTG top level), as is Crimea. Coasts and borders follow the country outline.

Oblasts are computed on first use (a second or two) and cached for the process. Needs the ``geo`` extra (shapely, geopandas, matplotlib).
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["base_map", "oblast_shapes", "plot_places", "ukraine_outline"]

#: km per degree of latitude, and the latitude where the plane is true to scale.
KM_PER_DEGREE = 111.195
LAT0 = 48.4

PRECISION_COLORS = {
    "point": "#d62728",
    "hromada_centroid": "#ff7f0e",
    "raion_centroid": "#1f77b4",
    "oblast_centroid": "#7f7f7f",
}


def to_plane(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat in degrees -> x/y in km on the local equirectangular plane used for shapes."""
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    return lon * math.cos(math.radians(LAT0)) * KM_PER_DEGREE, lat * KM_PER_DEGREE


def _from_plane(geom: shapely.Geometry) -> shapely.Geometry:
    scale = np.array([1 / (math.cos(math.radians(LAT0)) * KM_PER_DEGREE), 1 / KM_PER_DEGREE])
    return shapely.transform(geom, lambda xy: xy * scale)


@functools.lru_cache(maxsize=1)
def _planar_points() -> tuple[np.ndarray, np.ndarray]:
    """Distinct settlement coordinates on the plane, and the oblast id of each (first settlement seen)."""
    from gazetteer.store import get_extract

    seen: dict[tuple[float, float], str] = {}
    for s in get_extract().settlements:
        seen.setdefault((round(s.lon, 5), round(s.lat, 5)), s.oblast_id)
    lonlat = np.array(list(seen), dtype=np.float64)
    x, y = to_plane(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y]), np.array(list(seen.values()), dtype=object)


@functools.lru_cache(maxsize=1)
def ukraine_outline() -> shapely.Polygon:
    """Ukraine's outline in lon/lat (EPSG:4326): :func:`gazetteer.nearby.ukraine_boundary` as a shape."""
    from gazetteer.nearby import ukraine_boundary

    rings = ukraine_boundary()
    exterior = max(rings, key=lambda r: shapely.area(shapely.Polygon(r)))
    return shapely.Polygon(exterior, [r for r in rings if r is not exterior])


@functools.lru_cache(maxsize=1)
def _planar_outline() -> shapely.Polygon:
    scale = np.array([math.cos(math.radians(LAT0)) * KM_PER_DEGREE, KM_PER_DEGREE])
    return shapely.transform(ukraine_outline(), lambda xy: xy * scale)


def inside_ukraine(lats: Any, lons: Any) -> np.ndarray:
    """True where a point lies inside :func:`ukraine_outline` (vectorised; NaN -> False): the one test,
    :func:`gazetteer.nearby.inside_ukraine`."""
    from gazetteer.nearby import inside_ukraine as inside

    return inside(lats, lons)


@functools.lru_cache(maxsize=1)
def _oblast_table() -> tuple[tuple[str, str, str, shapely.Geometry], ...]:
    from gazetteer.store import get_extract

    units = get_extract().units
    xy, oblast_ids = _planar_points()
    outline = _planar_outline()
    cells = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=outline.buffer(50), ordered=True)
    cells = np.asarray(shapely.get_parts(cells))
    rows = []
    for oid in sorted(set(oblast_ids)):
        shape = shapely.union_all(cells[oblast_ids == oid], grid_size=0.01).intersection(outline)
        unit = units.get(oid)
        rows.append((oid, unit.name_uk if unit else oid, unit.name_en if unit else oid, _from_plane(shape)))
    return tuple(rows)


def oblast_shapes() -> gpd.GeoDataFrame:
    """One approximate polygon per oblast (plus Kyiv, Sevastopol, Crimea), EPSG:4326, indexed by unit id."""
    import geopandas as gpd

    rows = _oblast_table()
    return gpd.GeoDataFrame(
        {"name_uk": [r[1] for r in rows], "name_en": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
        index=[r[0] for r in rows],
        crs="EPSG:4326",
    ).rename_axis("oblast_id")


def base_map(ax: Axes | None = None, *, figsize: tuple[float, float] = (10, 6.8)) -> Axes:
    """Draw the oblasts (light fill, grey lines) and the country outline; return the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    shapes = oblast_shapes()
    shapes.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.6)
    gs = type(shapes.geometry)([ukraine_outline()], crs="EPSG:4326")
    gs.boundary.plot(ax=ax, color="#444444", linewidth=1.0)
    ax.set_aspect(1 / math.cos(math.radians(LAT0)))
    ax.set_xlim(21.8, 40.6)
    ax.set_ylim(44.0, 52.7)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    return ax


def plot_places(
    data: pd.DataFrame,
    ax: Axes | None = None,
    color_by: str = "gaz_coord_precision",
    title: str | None = None,
    *,
    lat: str | None = None,
    lon: str | None = None,
    size: float = 18,
) -> Axes:
    """Draw resolved places on the base map.

    Coordinates come from ``lat``/``lon`` if given, else from ``gaz_lat``/``gaz_lon`` (what
    :func:`gazetteer.frames.enrich` and ``gazetteer batch`` add) or ``lat``/``lon`` (what
    :func:`gazetteer.find_places` and ``gazetteer parse`` give per mention), whichever the data has;
    ``color_by`` falls back the same way (``gaz_coord_precision`` or ``coord_precision``).

    Points are coloured by ``color_by`` (by default the coordinate precision: red = the place's own point,
    orange/blue = a hromada/raion centroid) with a legend; rows without coordinates are skipped and
    counted in the legend title. A GeoDataFrame works too (its ``gaz_lat``/``gaz_lon`` columns are used).
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if lat is None and lon is None:
        lat, lon = next(
            ((a, b) for a, b in (("gaz_lat", "gaz_lon"), ("lat", "lon")) if a in data.columns and b in data.columns),
            ("gaz_lat", "gaz_lon"),
        )
        if color_by == "gaz_coord_precision" and color_by not in data.columns and "coord_precision" in data.columns:
            color_by = "coord_precision"
    for col in (lat, lon):
        if col not in data.columns:
            raise KeyError(
                f"column {col!r} is not in the data: enrich it first (gazetteer.frames.enrich), or pass lat=/lon="
            )
    ax = base_map(ax)
    ys = data[lat].to_numpy(dtype=np.float64)
    xs = data[lon].to_numpy(dtype=np.float64)
    has = ~(np.isnan(xs) | np.isnan(ys))
    if color_by in data.columns:
        groups = data[color_by].astype(object).where(data[color_by].notna(), "unknown").to_numpy()[has]
    else:
        groups = np.full(int(has.sum()), "place", dtype=object)
    xs, ys = xs[has], ys[has]
    order = [g for g in PRECISION_COLORS if g in set(groups)] + sorted(set(groups) - set(PRECISION_COLORS), key=str)
    cmap = plt.get_cmap("tab10")
    handles = []
    for i, group in enumerate(order):
        color = PRECISION_COLORS.get(group) if color_by in ("gaz_coord_precision", "coord_precision") else None
        color = color or cmap(i % 10)
        mask = groups == group
        ax.scatter(xs[mask], ys[mask], s=size, color=color, edgecolor="black", linewidth=0.3, zorder=3, alpha=0.85)
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=color,
                markeredgecolor="black",
                label=f"{group} ({int(mask.sum())})",
            )
        )
    missing = int((~has).sum())
    legend_title = color_by if not missing else f"{color_by}; {missing} rows without coordinates"
    if handles:
        ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=8, title_fontsize=8)
    if title:
        ax.set_title(title)
    return ax
