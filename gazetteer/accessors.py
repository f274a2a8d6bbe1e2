"""``df.gazetteer`` on pandas and polars frames, without importing either at ``import gazetteer``.

>>> import pandas as pd
>>> import gazetteer
>>> pd.DataFrame({"place": ["Kupyansk"]}).gazetteer.enrich("place")["gaz_name_uk"].tolist()
['Куп’янськ']

The namespace is registered when pandas (or polars) is imported, before or after gazetteer: if it is
already imported, at ``import gazetteer``; otherwise by a small import hook that runs once, right after
that package's own import has finished. ``import gazetteer`` itself imports neither.
"""

from __future__ import annotations

import sys
import threading
from importlib.machinery import ModuleSpec
from typing import Any

__all__ = ["PandasAccessor", "PolarsNamespace", "install", "register_pandas", "register_polars"]

_lock = threading.Lock()
_registered: set[str] = set()


class PandasAccessor:
    """``df.gazetteer.enrich("place", oblast_column="region")``: :func:`gazetteer.frames.enrich` as a method."""

    def __init__(self, df: Any) -> None:
        self._df = df

    def enrich(self, column: str, **kwargs: Any) -> Any:
        """``gazetteer.enrich(df, column, **kwargs)`` on this frame: the same frame with the ``gaz_*`` columns
        appended, rows and index kept. Options (``oblast_column``, ``geo``, ...) and errors are
        :func:`gazetteer.frames.enrich`'s; ``help(gazetteer.enrich)`` lists them."""
        from gazetteer.frames import enrich

        return enrich(self._df, column, **kwargs)


class PolarsNamespace(PandasAccessor):
    """The same on a polars DataFrame or LazyFrame (through Arrow; needs pyarrow and pandas)."""


def register_pandas() -> None:
    """Register ``DataFrame.gazetteer`` on pandas (idempotent)."""
    with _lock:
        if "pandas" in _registered:
            return
        import pandas as pd

        if "gazetteer" not in getattr(pd.DataFrame, "_accessors", set()):
            pd.api.extensions.register_dataframe_accessor("gazetteer")(PandasAccessor)
        _registered.add("pandas")


def register_polars() -> None:
    """Register ``DataFrame.gazetteer`` and ``LazyFrame.gazetteer`` on polars (idempotent)."""
    with _lock:
        if "polars" in _registered:
            return
        import polars as pl

        pl.api.register_dataframe_namespace("gazetteer")(PolarsNamespace)
        pl.api.register_lazyframe_namespace("gazetteer")(PolarsNamespace)
        _registered.add("polars")


_HOOKS = {"pandas": register_pandas, "polars": register_polars}


class _AfterImport:
    """A meta path finder that finds nothing itself: it lets the real finder find pandas/polars and
    then runs our registration right after that module's own code has run."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        hook = _HOOKS.get(name)
        if hook is None or name in _registered:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            try:
                hook()
            except Exception:  # never let our registration break the user's own import
                pass

        loader.exec_module = exec_module  # this loader instance serves this one module only
        return spec


def install() -> None:
    """Register now for what is imported, and on import for the rest (called by ``import gazetteer``)."""
    for name, hook in _HOOKS.items():
        if name in sys.modules:
            try:
                hook()
            except Exception:  # a half-imported or broken package: leave it alone
                pass
    if not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())
