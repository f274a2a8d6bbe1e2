"""pandas, GeoPandas and Dask enrichment: add the ``gaz_*`` columns of the CLI batch to a DataFrame.

>>> import pandas as pd
>>> from gazetteer.frames import enrich
>>> df = pd.DataFrame({"place": ["Kupyansk", "Артемовск", "Kupyansk", None], "region": ["Kharkiv", None, None, None]})
>>> out = enrich(df, "place", oblast_column="region")
>>> out["gaz_name_uk"].tolist(), out["gaz_status"].tolist()[-1]
(['Куп’янськ', 'Бахмут', 'Куп’янськ', nan], 'invalid')
>>> out2 = df.gazetteer.enrich("place")            # the same, as a DataFrame accessor

Columns are exactly :data:`gazetteer.model.RESULT_COLUMNS`, as ``gazetteer batch`` writes them.
Rows keep their order and index (a duplicated or non-default index too). Each distinct
(query, oblast, raion) triple is resolved once and mapped back with an integer take, so the cost is
one lookup per distinct value plus a few vectorised column copies. Bad place cells (missing, numbers,
blank) get ``gaz_status == 'invalid'`` and a reason; a hint that is not text or names no unit is left out
and the reason says so, in the words of the CLI batch. They never raise.

``geo=True`` returns a GeoDataFrame of points in EPSG:4326 (rows without a match have no geometry); a
frame that already has a ``geometry`` column (a GeoDataFrame's own shapes) keeps it unchanged, and the points
go in ``gaz_geometry``, the active geometry.
:func:`enrich_dask` does the same per partition of a Dask DataFrame; the resolver ships settings only
when pickled, each worker loads the extract once.

This module needs the ``frames`` extra (pandas); ``geo=True`` and :func:`settlements_gdf` need ``geo``
(geopandas, shapely); :func:`enrich_dask` needs ``dask``. ``import gazetteer`` never imports pandas.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gazetteer.accessors import PandasAccessor, register_pandas
from gazetteer.extras import missing_extra
from gazetteer.model import RESULT_COLUMNS, Resolution
from gazetteer.resolve import (
    MISSING_VALUE,
    Resolver,
    default_resolver,
    lookup_one,
    non_text_hint,
    not_text_value,
)

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd
    import geopandas as gpd

__all__ = ["GazetteerAccessor", "enrich", "enrich_dask", "settlements_gdf"]

_FLOAT_COLUMNS = frozenset({"gaz_lat", "gaz_lon", "gaz_score"})
_STR_DTYPE: Any = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


class _Unhashable:
    """Stands in for a cell that cannot be hashed (a list in an object column): resolved as invalid."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __hash__(self) -> int:
        return hash(("_Unhashable", self.type_name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unhashable) and other.type_name == self.type_name

    def __repr__(self) -> str:  # as a reason shows it: "oblast hint <list> is not text; ..."
        return f"<{self.type_name}>"


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _lookup(resolver: Resolver, query: object, oblast: object, raion: object) -> Resolution:
    """One distinct key -> Resolution, the same rules as the CLI batch (never raises for bad cells): a
    hint that is not text is left out and the reason says so, in the batch's words."""
    if isinstance(query, _Unhashable):
        return Resolution(None, "invalid", not_text_value(query))
    if _is_missing(query):
        return Resolution(None, "invalid", MISSING_VALUE)
    if not isinstance(query, str) or not query.strip():
        return lookup_one(resolver, query)
    notes: list[str] = []

    def usable(level: str, hint: object) -> str | None:
        if hint is None or _is_missing(hint) or (isinstance(hint, str) and not hint.strip()):
            return None
        if not isinstance(hint, str):
            notes.append(non_text_hint(level, hint))
            return None
        return hint

    oblast, raion = usable("oblast", oblast), usable("raion", raion)
    res = lookup_one(resolver, query, oblast) if raion is None else resolver.lookup(query, oblast=oblast, raion=raion)
    if notes and res.status != "invalid":
        res = replace(res, reason="; ".join(filter(None, [res.reason, *notes])))
    return res


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorize one key column: (codes per row, distinct values). Missing values share one code."""
    arr = values.to_numpy(dtype=object, na_value=None)
    try:
        codes, uniques = pd.factorize(arr, use_na_sentinel=False)
    except TypeError:  # an unhashable cell somewhere: replace those cells by a hashable stand-in
        fixed = np.empty(len(arr), dtype=object)
        for i, v in enumerate(arr):
            try:
                hash(v)
                fixed[i] = v
            except TypeError:
                fixed[i] = _Unhashable(type(v).__name__)
        codes, uniques = pd.factorize(fixed, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _check_frame(df: object, *columns: str | None) -> None:
    if not isinstance(df, pd.DataFrame):
        more = " (a dask DataFrame: use gazetteer.enrich_dask)" if type(df).__module__.startswith("dask") else ""
        raise TypeError(f"enrich needs a pandas or polars DataFrame, not {type(df).__name__}{more}")
    for what, name in zip(("column", "oblast_column", "raion_column"), columns, strict=True):
        if name is not None and not isinstance(name, (str, int)):
            raise TypeError(f"{what} must be one column's name, not {type(name).__name__} {name!r}")
        if name is not None and name in df.columns and isinstance(df[name], pd.DataFrame):
            raise ValueError(f"{what} {name!r} names {df[name].shape[1]} columns of the DataFrame: rename them apart")
        if name is not None and name not in df.columns:
            shown = ", ".join(map(str, list(df.columns)[:20]))
            raise KeyError(f"{what} {name!r} is not in the DataFrame (columns: {shown})")
    clash = [c for c in RESULT_COLUMNS if c in df.columns]
    if clash:
        raise ValueError(f"the DataFrame already has output columns {clash}: rename or drop them first")


def _result_frame(rows: list[dict[str, Any]], codes: np.ndarray, index: pd.Index) -> dict[str, Any]:
    """Columns for every row: the distinct results taken by ``codes``, with fixed dtypes."""
    out: dict[str, Any] = {}
    for name in RESULT_COLUMNS:
        if name in _FLOAT_COLUMNS:
            distinct = np.array([np.nan if r[name] is None else r[name] for r in rows], dtype=np.float64)
            out[name] = pd.Series(distinct[codes] if len(rows) else np.empty(0), index=index, dtype=np.float64)
        else:
            distinct = np.array([r[name] for r in rows], dtype=object)
            taken = distinct[codes] if len(rows) else np.empty(0, dtype=object)
            out[name] = pd.Series(taken, index=index, dtype=_STR_DTYPE)
    return out


def enrich(
    df: pd.DataFrame,
    column: str,
    *,
    oblast_column: str | None = None,
    raion_column: str | None = None,
    resolver: Resolver | None = None,
    geo: bool = False,
    progress: bool = False,
    cache: dict | None = None,
) -> pd.DataFrame:
    """A copy of ``df`` with the ``gaz_*`` columns appended (a GeoDataFrame with ``geo=True``).

    ``df`` may also be a polars DataFrame or LazyFrame: the answer is the same kind of frame, converted
    through Arrow; only the key columns cross over to pandas. A LazyFrame stays lazy: it is resolved
    when collected, as one batch (``map_batches``), so its key columns are in memory at once.

    ``cache``: a dict you keep between calls (chunks of one file) so a name already resolved in an
    earlier chunk is not resolved again; it grows by one small entry per distinct (query, hints).

    Raises KeyError when a named column is missing and ValueError when ``df`` already has ``gaz_*``
    output columns; bad cells never raise (they get status 'invalid' and a reason).
    """
    if _is_polars(df):
        return _enrich_polars(
            df,
            column,
            oblast_column=oblast_column,
            raion_column=raion_column,
            resolver=resolver,
            geo=geo,
            progress=progress,
            cache=cache,
        )
    _check_frame(df, column, oblast_column, raion_column)
    resolver = resolver or default_resolver()
    key_columns = [c for c in (column, oblast_column, raion_column) if c is not None]
    parts = [_codes(df[c]) for c in key_columns]
    if len(parts) == 1:
        codes, _ = parts[0]
        keys = [(q, None, None) for q in parts[0][1]]
    else:
        # Combine per-column codes into one row key, then factorize that: distinct triples, in order.
        combined = np.zeros(len(df), dtype=np.int64)
        for c, u in parts:
            combined = combined * max(len(u), 1) + c
        codes, _ = pd.factorize(combined)
        _, starts = np.unique(codes, return_index=True)  # first row of each distinct key, by code
        cols = [u[c[starts]] for c, u in parts] + [np.full(len(starts), None, dtype=object)] * (3 - len(parts))
        if oblast_column is None:  # (query, raion) -> (query, None, raion)
            cols = [cols[0], cols[2], cols[1]]
        keys = list(zip(*cols, strict=True))
    todo = keys
    if progress:
        from tqdm.auto import tqdm

        todo = tqdm(keys, unit=" names", desc="gazetteer")
    if cache is None:
        rows = [_lookup(resolver, q, o, r).to_columns() for q, o, r in todo]
    else:
        rows = []
        for key in todo:
            try:
                row = cache.get(key)
            except TypeError:  # pragma: no cover - keys are hashable by construction
                row = None
            if row is None:
                row = cache[key] = _lookup(resolver, *key).to_columns()
            rows.append(row)
    result = _result_frame(rows, codes, df.index)
    out = df.copy()
    for name, series in result.items():
        out[name] = series
    if geo:
        return _to_geo(out)
    return out


def _to_geo(df: pd.DataFrame) -> gpd.GeoDataFrame:
    try:
        import geopandas as gpd
        import shapely
    except ImportError as exc:  # one line naming the extra, not a traceback from inside
        raise (missing_extra(exc, "enrich(geo=True)") or exc) from None

    lat = df["gaz_lat"].to_numpy(dtype=np.float64)
    lon = df["gaz_lon"].to_numpy(dtype=np.float64)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    geoms = np.full(len(df), None, dtype=object)
    geoms[ok] = shapely.points(lon[ok], lat[ok])
    # A frame that already has a "geometry" column (a GeoDataFrame's own shapes, say) keeps it as it is: the
    # points go in "gaz_geometry", which becomes the active geometry.
    name = "gaz_geometry" if "geometry" in df.columns else "geometry"
    points = gpd.GeoSeries(geoms, index=df.index, crs="EPSG:4326", name=name)
    plain = pd.DataFrame(df).copy() if isinstance(df, gpd.GeoDataFrame) else df
    plain[name] = points
    return gpd.GeoDataFrame(plain, geometry=name, crs="EPSG:4326")


def enrich_dask(
    ddf: dd.DataFrame,
    column: str,
    *,
    oblast_column: str | None = None,
    raion_column: str | None = None,
    resolver: Resolver | None = None,
) -> dd.DataFrame:
    """Lazy :func:`enrich` of every partition of a Dask DataFrame; compute() equals pandas ``enrich``.

    Distinct names are resolved once per partition (not across partitions): use few, large partitions.
    ``resolver`` is pickled into the graph as settings only; workers load the extract themselves.
    """
    meta = enrich(
        ddf._meta,
        column,
        oblast_column=oblast_column,
        raion_column=raion_column,
        resolver=resolver or default_resolver(),
    )
    return ddf.map_partitions(
        enrich, column, oblast_column=oblast_column, raion_column=raion_column, resolver=resolver, meta=meta
    )


def settlements_gdf() -> gpd.GeoDataFrame:
    """All settlements as a GeoDataFrame of points (EPSG:4326), indexed by KATOTTG id.

    ``coord_precision`` says whether a point is the settlement's own (``point``) or a centroid.
    """
    import geopandas as gpd

    from gazetteer import settlements

    df = settlements()
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


#: ``df.gazetteer.enrich("place", oblast_column="region")``: :func:`enrich` as a DataFrame method.
GazetteerAccessor = PandasAccessor
register_pandas()


# -- polars ------------------------------------------------------------------------------------------
def _is_polars(df: object) -> bool:
    return type(df).__module__.split(".")[0] == "polars"


def _enrich_polars(df: Any, column: str, **kwargs: Any) -> Any:
    """:func:`enrich` for a polars DataFrame (eager) or LazyFrame (lazy, via ``map_batches``)."""
    import polars as pl

    if kwargs.get("geo"):
        raise ValueError("geo=True needs a pandas DataFrame (GeoPandas); enrich the polars frame without it")
    names = [column, kwargs.get("oblast_column"), kwargs.get("raion_column")]
    schema = df.collect_schema() if isinstance(df, pl.LazyFrame) else df.schema
    for what, name in zip(("column", "oblast_column", "raion_column"), names, strict=True):
        if name is not None and name not in schema:
            shown = ", ".join(list(schema)[:20])
            raise KeyError(f"{what} {name!r} is not in the DataFrame (columns: {shown})")
    clash = [c for c in RESULT_COLUMNS if c in schema]
    if clash:
        raise ValueError(f"the DataFrame already has output columns {clash}: rename or drop them first")
    keys = [n for n in names if n is not None]

    def eager(frame: pl.DataFrame) -> pl.DataFrame:
        import pyarrow as pa

        # integers with nulls stay Python ints (a float would say "a number (1.0)" where pandas says 1)
        key_frame = frame.select(keys).to_arrow().to_pandas(integer_object_nulls=True)
        result = enrich(key_frame, column, **kwargs)[list(RESULT_COLUMNS)]
        table = pa.Table.from_pandas(result, preserve_index=False)
        return frame.hstack(pl.from_arrow(table).get_columns())

    if isinstance(df, pl.LazyFrame):
        out_schema = dict(schema)
        out_schema.update({c: pl.Float64 if c in _FLOAT_COLUMNS else pl.String for c in RESULT_COLUMNS})
        return df.map_batches(eager, schema=out_schema)
    return eager(df)
