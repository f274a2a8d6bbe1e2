"""Python faces: df.gazetteer without importing gazetteer.frames, polars in and out, category names,
and find_places output that plot_places draws as it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gazetteer.model import RESULT_COLUMNS

REPO = Path(__file__).resolve().parent.parent


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)


@pytest.mark.parametrize(
    "imports",
    ["import pandas as pd\nimport gazetteer", "import gazetteer\nimport pandas as pd"],
    ids=["pandas-first", "gazetteer-first"],
)
def test_pandas_accessor_works_without_importing_gazetteer_frames(tmp_path: Path, imports: str) -> None:
    pytest.importorskip("pandas")
    code = (
        f"{imports}\nimport sys\n"
        "assert 'gazetteer.frames' not in sys.modules\n"
        "df = pd.DataFrame({'place': ['Kupyansk', 'Artemivsk']})\n"
        "print(df.gazetteer.enrich('place')['gaz_name_uk'].tolist())\n"
    )
    ran = _python(code, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "['Куп’янськ', 'Бахмут']"
    assert "Warning" not in ran.stderr


def test_import_gazetteer_imports_neither_pandas_nor_polars(tmp_path: Path) -> None:
    ran = _python("import sys, gazetteer\nprint(sorted({'pandas', 'polars', 'numpy'} & set(sys.modules)))", tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "pandas" not in ran.stdout and "polars" not in ran.stdout


def test_polars_namespace_works_after_import_gazetteer(tmp_path: Path) -> None:
    pytest.importorskip("polars")
    code = (
        "import gazetteer\nimport polars as pl\n"
        "df = pl.DataFrame({'place': ['Kupyansk']})\n"
        "print(df.gazetteer.enrich('place')['gaz_id'].to_list())\n"
        "print(type(df.lazy().gazetteer.enrich('place')).__name__)\n"
    )
    ran = _python(code, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["['UA63080090010026457']", "LazyFrame"]


# -- polars --------------------------------------------------------------------------------------------
@pytest.fixture
def places():
    return {
        "place": ["Kupyansk", "Радьківка", None, "Moscow", "Радьківка", "Artemivsk"],
        "region": ["", "Kharkiv", None, None, None, ""],
        "n": [1, 2, 3, 4, 5, 6],
    }


def test_polars_enrich_equals_pandas_enrich(places) -> None:
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    from gazetteer.frames import enrich

    out = enrich(pl.DataFrame(places), "place", oblast_column="region")
    ref = enrich(pd.DataFrame(places), "place", oblast_column="region")
    assert isinstance(out, pl.DataFrame)
    assert out.columns == list(places) + list(RESULT_COLUMNS)
    assert out["n"].to_list() == places["n"]
    for col in ("gaz_id", "gaz_status", "gaz_category", "gaz_reason"):
        assert out[col].to_list() == [None if v is None or v != v else v for v in ref[col].tolist()]
    assert out.schema["gaz_lat"] == pl.Float64 and out.schema["gaz_status"] == pl.String


def test_polars_integers_with_nulls_read_as_pandas_reads_them() -> None:
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    from gazetteer.frames import enrich

    out = enrich(pl.DataFrame({"place": [1, None, 3]}), "place")["gaz_reason"].to_list()
    ref = enrich(pd.DataFrame({"place": pd.array([1, None, 3], dtype="Int64")}), "place")["gaz_reason"].tolist()
    assert out == ref and out[0] == "a number (1), not a place name"  # not "1.0"


def test_polars_lazyframe_stays_lazy_and_collects_the_same(places) -> None:
    pl = pytest.importorskip("polars")
    import gazetteer

    lazy = gazetteer.enrich(pl.DataFrame(places).lazy(), "place", oblast_column="region")
    assert isinstance(lazy, pl.LazyFrame)
    assert list(lazy.collect_schema()) == list(places) + list(RESULT_COLUMNS)
    eager = gazetteer.enrich(pl.DataFrame(places), "place", oblast_column="region")
    assert lazy.collect().equals(eager)


def test_polars_missing_column_and_output_clash_raise(places) -> None:
    pl = pytest.importorskip("polars")
    from gazetteer.frames import enrich

    with pytest.raises(KeyError, match="nope"):
        enrich(pl.DataFrame(places), "nope")
    done = enrich(pl.DataFrame(places), "place")
    with pytest.raises(ValueError, match="already has output columns"):
        enrich(done, "place")
    with pytest.raises(ValueError, match="geo=True"):
        enrich(pl.DataFrame(places), "place", geo=True)


# -- category names ------------------------------------------------------------------------------------
def test_gaz_category_is_a_word_not_the_katottg_letter() -> None:
    from gazetteer.resolve import default_resolver, lookup_one

    r = default_resolver()
    got = {q: lookup_one(r, q).to_columns()["gaz_category"] for q in ("Київ", "Kupyansk", "Kindrashivka")}
    assert got == {"Київ": "special status city", "Kupyansk": "city", "Kindrashivka": "village"}
    settlements = [s for s in r.extract.settlements if s.category == "X"][:1]
    assert settlements and settlements[0].category_name == "settlement"


def test_batch_and_frames_write_the_same_category_word(tmp_path: Path, capsys) -> None:
    pd = pytest.importorskip("pandas")
    from gazetteer.cli import main
    from gazetteer.frames import enrich

    (tmp_path / "in.csv").write_text("place\nKupyansk\nКиїв\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "in.csv"), "--column", "place", "-o", str(tmp_path / "out.csv")]) == 0
    capsys.readouterr()
    batch = pd.read_csv(tmp_path / "out.csv")["gaz_category"].tolist()
    frame = enrich(pd.DataFrame({"place": ["Kupyansk", "Київ"]}), "place")["gaz_category"].tolist()
    assert batch == frame == ["city", "special status city"]


# -- parse and plot_places -----------------------------------------------------------------------------
def test_plot_places_draws_find_places_output_as_it_is() -> None:
    pytest.importorskip("pymorphy3")
    pytest.importorskip("geopandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import pandas as pd

    import gazetteer

    mentions = gazetteer.find_places("Обстріли Куп'янська і Харкова тривали.")
    df = pd.DataFrame([m.to_dict() for m in mentions])
    assert {"lat", "lon"} <= set(df.columns)
    ax = gazetteer.plot_places(df)
    drawn = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
    assert drawn >= 2
    legend = ax.get_legend()
    assert legend is not None and any("point" in t.get_text() for t in legend.get_texts())
    matplotlib.pyplot.close(ax.figure)
