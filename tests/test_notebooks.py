"""Execute every notebook in notebooks/ with nbclient (in a temp copy) and fail on any cell error."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def _text_available() -> bool:
    try:
        import gazetteer.text  # noqa: F401
    except ImportError:
        return False
    return True


def _execute(name: str, tmp_path: Path) -> None:
    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(work / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ipykernel") is None, reason="needs ipykernel")
def test_quickstart_notebook_runs(tmp_path):
    _execute("01_quickstart.ipynb", tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ipykernel") is None, reason="needs ipykernel")
def test_enrich_events_notebook_runs(tmp_path):
    _execute("02_enrich_events.ipynb", tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ipykernel") is None, reason="needs ipykernel")
@pytest.mark.skipif(
    not _text_available(),
    reason="gazetteer.text (find_places) is not importable: needs the "
    "`text` extra (pymorphy3, pyahocorasick) or is not written yet",
)
def test_geoparse_news_notebook_runs(tmp_path):
    _execute("03_geoparse_news.ipynb", tmp_path)
