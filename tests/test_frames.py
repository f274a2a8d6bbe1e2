"""gazetteer.frames: pandas / GeoPandas / Dask enrichment with the CLI's gaz_* columns."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gazetteer.model import RESULT_COLUMNS
from gazetteer.resolve import Resolver, default_resolver

frames = pytest.importorskip("gazetteer.frames")


class CountingResolver(Resolver):
    """A real resolver that counts how many lookups it is asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[object] = []

    def lookup(self, query, **kwargs):
        self.calls.append((query, kwargs.get("oblast")))
        return super().lookup(query, **kwargs)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "place": ["Kupyansk", "Артемовск", "Kupyansk", "Радьківка", "Kharkov", "Kupyansk"],
            "region": [None, None, None, "Kharkiv", None, "Харківська"],
            "n": [1, 2, 3, 4, 5, 6],
        },
        index=[10, 10, 3, 7, 7, 0],
    )


def test_adds_exactly_the_cli_result_columns(events):
    out = frames.enrich(events, "place", oblast_column="region")
    assert list(out.columns) == list(events.columns) + list(RESULT_COLUMNS)


def test_keeps_row_order_and_non_unique_index(events):
    out = frames.enrich(events, "place", oblast_column="region")
    assert out.index.equals(events.index)
    assert out["n"].tolist() == [1, 2, 3, 4, 5, 6]
    assert out["gaz_name_uk"].tolist() == ["Куп’янськ", "Бахмут", "Куп’янськ", "Радьківка", "Харків", "Куп’янськ"]


def test_does_not_modify_the_input_frame(events):
    before = events.copy()
    frames.enrich(events, "place")
    pd.testing.assert_frame_equal(events, before)


def test_each_distinct_query_and_hint_is_resolved_once():
    resolver = CountingResolver()
    df = pd.DataFrame({"place": ["Kupyansk", "Bakhmut"] * 500, "region": ["Kharkiv", None] * 500})
    out = frames.enrich(df, "place", oblast_column="region", resolver=resolver)
    assert sorted(resolver.calls, key=str) == [("Bakhmut", None), ("Kupyansk", "Kharkiv")]
    assert (out["gaz_status"] == "resolved").all()


def test_same_query_with_different_hints_is_resolved_per_hint():
    resolver = CountingResolver()
    df = pd.DataFrame({"place": ["Kupyansk", "Kupyansk", "Kupyansk"], "region": ["Kharkiv", None, "Kharkiv"]})
    frames.enrich(df, "place", oblast_column="region", resolver=resolver)
    assert len(resolver.calls) == 2


def test_cache_shared_between_chunks_resolves_each_name_once():
    resolver = CountingResolver()
    cache: dict = {}
    for _ in range(3):
        frames.enrich(pd.DataFrame({"place": ["Kupyansk", "Bakhmut"]}), "place", resolver=resolver, cache=cache)
    assert len(resolver.calls) == 2


def test_bad_cells_are_invalid_with_a_reason_and_do_not_raise():
    df = pd.DataFrame({"place": [None, np.nan, 42, "", "   ", pd.NA, 3.5]}, dtype=object)
    out = frames.enrich(df, "place")
    assert (out["gaz_status"] == "invalid").all()
    assert out["gaz_reason"].str.len().gt(0).all()
    assert out["gaz_id"].isna().all()


def test_unhashable_cell_is_invalid():
    df = pd.DataFrame({"place": [["Kyiv"], "Kyiv"]})
    out = frames.enrich(df, "place")
    assert out["gaz_status"].tolist() == ["invalid", "resolved"]


def test_a_place_cell_that_is_not_text_is_said_as_in_the_cli_batch():
    out = frames.enrich(pd.DataFrame({"place": [["Kyiv"], 12, "Kyiv"]}), "place")
    assert out["gaz_reason"].tolist()[:2] == ["a list, not a place name", "a number (12), not a place name"]


def test_a_non_text_hint_beside_a_raion_hint_is_left_out_as_in_the_cli_batch():
    region, raion = pd.Series([7, None], dtype=object), pd.Series(["Куп'янський", 12], dtype=object)
    df = pd.DataFrame({"place": ["Радьківка", "Радьківка"], "region": region, "raion": raion})
    out = frames.enrich(df, "place", oblast_column="region", raion_column="raion")
    assert out["gaz_status"].tolist() == ["resolved", "ambiguous"]
    assert out["gaz_raion_uk"].iloc[0].startswith("Куп")
    assert out["gaz_reason"].iloc[0].endswith("oblast hint 7 is not text; looked up without it")
    assert out["gaz_reason"].iloc[1].endswith("raion hint 12 is not text; looked up without it")


def test_non_text_oblast_hint_is_left_out_and_said_so():
    out = frames.enrich(pd.DataFrame({"place": ["Kupyansk"], "region": [7]}), "place", oblast_column="region")
    assert out["gaz_status"].iloc[0] == "resolved"
    assert out["gaz_reason"].iloc[0] == "oblast hint 7 is not text; looked up without it"


def test_unknown_oblast_hint_is_left_out_and_said_so():
    out = frames.enrich(pd.DataFrame({"place": ["Kupyansk"], "region": ["Atlantis"]}), "place", oblast_column="region")
    assert out["gaz_status"].iloc[0] == "resolved"
    assert out["gaz_reason"].iloc[0] == "oblast hint 'Atlantis' names no oblast of Ukraine; looked up without it"


def test_oblast_hint_picks_the_right_settlement():
    df = pd.DataFrame({"place": ["Радьківка"], "region": ["Kharkiv oblast"]})
    out = frames.enrich(df, "place", oblast_column="region")
    assert out["gaz_oblast_uk"].iloc[0] == "Харківська"


def test_raion_hint_is_used():
    df = pd.DataFrame({"place": ["Радьківка"], "raion": ["Куп'янський"]})
    out = frames.enrich(df, "place", raion_column="raion")
    assert out["gaz_status"].iloc[0] == "resolved"
    assert out["gaz_raion_uk"].iloc[0].startswith("Куп")


def test_missing_column_raises_key_error_naming_it(events):
    with pytest.raises(KeyError, match="plaec"):
        frames.enrich(events, "plaec")


def test_missing_oblast_column_raises_key_error(events):
    with pytest.raises(KeyError, match="oblast_column"):
        frames.enrich(events, "place", oblast_column="oblast")


def test_existing_output_columns_raise_value_error(events):
    out = frames.enrich(events, "place")
    with pytest.raises(ValueError, match="gaz_"):
        frames.enrich(out, "place")


def test_matches_the_cli_batch_values():
    queries = ["Kupyansk", "Артемовск", "Berlin", "n/a", "Олександрівка"]
    out = frames.enrich(pd.DataFrame({"q": queries}), "q")
    from gazetteer.resolve import lookup_one

    for row, q in zip(out.to_dict("records"), queries, strict=True):
        expected = lookup_one(default_resolver(), q).to_columns()
        got = {c: (None if pd.isna(row[c]) else row[c]) for c in RESULT_COLUMNS}
        assert got == expected


def test_empty_frame_gives_typed_empty_columns():
    out = frames.enrich(pd.DataFrame({"place": pd.Series([], dtype=object)}), "place")
    assert len(out) == 0
    assert out["gaz_lat"].dtype == np.float64


def test_geo_returns_geodataframe_in_epsg_4326(events):
    gpd = pytest.importorskip("geopandas")
    out = frames.enrich(events, "place", geo=True)
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs.to_epsg() == 4326
    point = out.geometry.iloc[0]
    assert (point.y, point.x) == pytest.approx((out["gaz_lat"].iloc[0], out["gaz_lon"].iloc[0]))


def test_geo_without_geopandas_is_one_line_naming_the_extra(events, monkeypatch):
    import sys

    from gazetteer.extras import MissingExtra

    monkeypatch.setitem(sys.modules, "geopandas", None)  # as if not installed: import raises ImportError
    with pytest.raises(MissingExtra, match=r"enrich\(geo=True\) needs the optional package geopandas: .*\[geo\]"):
        frames.enrich(events, "place", geo=True)


def test_geo_rows_without_coordinates_have_no_geometry():
    pytest.importorskip("geopandas")
    out = frames.enrich(pd.DataFrame({"place": ["Kupyansk", None, "Berlin"]}), "place", geo=True)
    assert out.geometry.isna().tolist() == [False, True, True]


def test_geo_keeps_a_geodataframes_own_geometry():
    gpd = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    areas = [shapely.box(37.5, 49.6, 37.7, 49.8), shapely.box(30.4, 50.3, 30.6, 50.5)]
    gdf = gpd.GeoDataFrame({"place": ["Kupyansk", "Kyiv"]}, geometry=areas, crs="EPSG:4326")
    out = frames.enrich(gdf, "place", geo=True)
    assert out.geometry.name == "gaz_geometry"
    assert out["geometry"].tolist() == areas  # the frame's own shapes, untouched
    assert out.geometry.iloc[0].geom_type == "Point"
    assert out.geometry.iloc[0].within(areas[0])
    # Without geo=True a GeoDataFrame stays one, with its own geometry active.
    plain = frames.enrich(gdf, "place")
    assert plain.geometry.name == "geometry" and plain["geometry"].tolist() == areas


def test_accessor_equals_function(events):
    pd.testing.assert_frame_equal(
        events.gazetteer.enrich("place", oblast_column="region"), frames.enrich(events, "place", oblast_column="region")
    )


def test_settlements_gdf_has_every_settlement_as_a_point():
    pytest.importorskip("geopandas")
    gdf = frames.settlements_gdf()
    assert len(gdf) > 25_000
    assert gdf.crs.to_epsg() == 4326
    assert set(gdf.geometry.geom_type) == {"Point"}


def test_resolver_pickles_small():
    resolver = default_resolver()
    resolver.lookup("Kupyansk")  # index built: still must not be shipped
    assert len(pickle.dumps(resolver)) < 10_000


def test_import_gazetteer_does_not_import_pandas():
    code = "import sys, gazetteer; gazetteer.geocode('Kyiv'); print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_dask_on_a_local_cluster_equals_pandas(events):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    df = pd.concat([events.reset_index(drop=True)] * 20, ignore_index=True)
    df.loc[5, "place"] = None
    ddf = dd.from_pandas(df, npartitions=3)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl,
        distributed.Client(cl),
    ):
        got = frames.enrich_dask(ddf, "place", oblast_column="region").compute()
        as_dask_holds_it = ddf.compute()  # dask may turn object columns into pyarrow strings
    pd.testing.assert_frame_equal(got, frames.enrich(as_dask_holds_it, "place", oblast_column="region"))
    pd.testing.assert_frame_equal(
        got[list(RESULT_COLUMNS)],
        frames.enrich(df, "place", oblast_column="region")[list(RESULT_COLUMNS)],
        check_dtype=False,
    )


def test_dask_meta_matches_computed_dtypes(events):
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(events, npartitions=2)
    lazy = frames.enrich_dask(ddf, "place")
    got = lazy.compute(scheduler="sync")
    assert list(lazy.columns) == list(got.columns)
    assert lazy.dtypes.to_dict() == got.dtypes.to_dict()


def test_a_column_option_that_is_no_single_column_is_a_plain_error() -> None:
    pd = pytest.importorskip("pandas")
    from gazetteer import enrich

    twice = pd.DataFrame([["Kyiv", "Lviv"]], columns=["place", "place"])
    with pytest.raises(ValueError, match="names 2 columns"):
        enrich(twice, "place")
    with pytest.raises(TypeError, match="one column's name"):
        enrich(pd.DataFrame({"place": ["Kyiv"]}), ["place"])
