"""The examples in the package's docstrings are true: each module's ``>>>`` lines run as doctests.

A module that cannot be imported because an optional extra is missing is skipped, naming it; the examples
marked ``# doctest: +SKIP`` (network calls) are not run.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gazetteer

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(gazetteer.__path__, "gazetteer.") if not m.name.endswith("__main__")
)


def _with_examples() -> list[str]:
    """The modules whose source holds an example (read as text: importing all of them up front is slow)."""
    out = []
    for name in MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            with open(spec.origin, encoding="utf-8") as fh:
                if ">>> " in fh.read():
                    out.append(name)
    return out


def test_the_walk_finds_the_modules_with_examples() -> None:
    # The resolver's, the reverse geocoder's and the distance module's docstrings open with examples.
    assert {"gazetteer.resolve", "gazetteer.nearby", "gazetteer.geodesy"} <= set(_with_examples())


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples_hold(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        pytest.skip(f"{name} needs an optional extra: {exc}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name)
    assert tests, f"{name} has '>>> ' in its source but no doctest was found"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail (run pytest --doctest-modules)"
