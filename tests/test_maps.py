"""gazetteer.maps: the derived base map and plot_places."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

maps = pytest.importorskip("gazetteer.maps")
frames = pytest.importorskip("gazetteer.frames")


@pytest.fixture(scope="module")
def enriched() -> pd.DataFrame:
    places = [
        "Kupyansk",
        "Бахмут",
        "Odessa",
        "Lemberg",
        "Чернигов",
        "Радьківка",
        "Ужгород",
        "Berlin",
        "Сімферополь",
        "Kharkiv",
    ]
    return frames.enrich(pd.DataFrame({"place": places}), "place")


def test_outline_area_is_close_to_ukraines():
    area_km2 = maps.ukraine_outline().area * 111.195**2 * 0.6639  # cos(48.4°): rough planar km²
    assert 560_000 < area_km2 < 660_000  # Ukraine: 603,628 km²


def test_oblast_shapes_cover_every_top_level_unit():
    shapes = maps.oblast_shapes()
    assert len(shapes) == 27  # 24 oblasts + Crimea + Kyiv + Sevastopol
    assert shapes.crs.to_epsg() == 4326
    assert "Харківська" in set(shapes["name_uk"])


def test_settlements_fall_in_their_own_oblast_shape():
    from shapely import Point

    shapes = maps.oblast_shapes()
    kupiansk = Point(37.61581, 49.71003)
    assert shapes.loc[shapes.contains(kupiansk), "name_uk"].tolist() == ["Харківська"]


def test_plot_places_returns_axes_and_writes_png(enriched, tmp_path):
    from matplotlib.axes import Axes

    ax = maps.plot_places(enriched, title="test")
    assert isinstance(ax, Axes)
    target = tmp_path / "places.png"
    ax.figure.savefig(target, dpi=80)
    assert target.stat().st_size > 10_000
    matplotlib.pyplot.close(ax.figure)


def test_plot_places_legend_names_precisions(enriched):
    ax = maps.plot_places(enriched)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("point") for label in labels)
    assert "without coordinates" in ax.get_legend().get_title().get_text()
    matplotlib.pyplot.close(ax.figure)


def test_plot_places_accepts_a_geodataframe():
    gdf = frames.enrich(pd.DataFrame({"place": ["Kyiv", "Lviv"]}), "place", geo=True)
    ax = maps.plot_places(gdf, color_by="gaz_oblast_en")
    assert len(ax.get_legend().get_texts()) == 2
    matplotlib.pyplot.close(ax.figure)


def test_plot_places_without_coordinates_raises_key_error():
    with pytest.raises(KeyError, match="enrich"):
        maps.plot_places(pd.DataFrame({"place": ["Kyiv"]}))
