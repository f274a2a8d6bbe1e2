"""Shared fixtures: the real bundled extract (loaded once) and a resolver over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gazetteer.resolve import Resolver
from gazetteer.store import Extract, bundled_data_dir, get_extract

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def extract() -> Extract:
    return get_extract()


@pytest.fixture(scope="session")
def resolver(extract: Extract) -> Resolver:
    return Resolver(extract)


@pytest.fixture
def extract_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled extract that a test may damage."""
    target = tmp_path / "extract"
    shutil.copytree(bundled_data_dir(), target)
    return target


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's data or cache folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("GAZETTEER_HOME", str(home / "data"))
    monkeypatch.setenv("GAZETTEER_CACHE", str(home / "cache"))
    monkeypatch.delenv("GAZETTEER_DATA", raising=False)
