"""packaging: a wheel built from the repository carries the extract and works outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_extract_and_works_outside_the_repository(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("gazetteer-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {"gazetteer/_data/MANIFEST", "gazetteer/_data/settlements.tsv", "gazetteer/_data/LICENSES"} <= names
        # The geoparser's shipped name forms and the word lists are data inside the package.
        assert {"gazetteer/geoparse/name_forms.tsv.gz", "gazetteer/words/type_words.txt"} <= names
        # The query reader's facts (places abroad, region aliases).
        assert {"gazetteer/facts/foreign_regions.tsv", "gazetteer/facts/region_aliases.tsv"} <= names
        assert not any(n.startswith(("tests/", "benchmarks/", "data/")) for n in names)
        zf.extractall(tmp_path / "site")
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        "import gazetteer, gazetteer.store as s; m = gazetteer.geocode('Kupyansk');"
        "print(gazetteer.__file__); print(s.data_dir()); print(m.name_uk);"
        "print(gazetteer.geocode('Odessa, Texas'), gazetteer.geocode('Kupiansk', oblast='Слобожанщина').id)"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    env.pop("GAZETTEER_DATA", None)
    ran = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr[-2000:]
    out = ran.stdout.splitlines()
    assert out[0].startswith(str(tmp_path / "site"))
    assert out[1] == str(tmp_path / "site" / "gazetteer" / "_data")
    assert out[2] == "Куп’янськ"
    assert out[3] == "None UA63080090010026457"  # facts read from the wheel: a place abroad; a region alias
