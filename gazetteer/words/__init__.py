"""Word lists as data, one place for every module that needs them.

>>> from gazetteer.words import word_set
>>> "село" in word_set("type_words")
True

Each list is a UTF-8 text file in this folder: one word or phrase a line, ``#`` starts a comment, blank
lines are skipped. A tab splits a line into fields (:func:`word_table`). Lists are read once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# The lists are files beside this module (importlib.resources would cost every cold start ~4 ms of imports).
_HERE = Path(__file__).resolve().parent

__all__ = ["word_keys", "word_list", "word_set", "word_table"]


@cache
def _lines(name: str) -> tuple[str, ...]:
    text = (_HERE / f"{name}.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if line.strip():
            out.append(line.strip(" "))
    return tuple(out)


def word_list(name: str) -> tuple[str, ...]:
    """The entries of list ``name`` in file order (first field of each line). Raises FileNotFoundError."""
    return tuple(line.split("\t", 1)[0] for line in _lines(name))


def word_set(name: str) -> frozenset[str]:
    """The entries of list ``name`` as a set."""
    return frozenset(word_list(name))


def word_table(name: str) -> tuple[tuple[str, ...], ...]:
    """The lines of list ``name`` split on tabs: ``(("село", "C"), ...)``."""
    return tuple(tuple(f.strip() for f in line.split("\t")) for line in _lines(name))


@cache
def word_keys(name: str) -> frozenset[str]:
    """The folding keys (:func:`gazetteer.normalize.fold_key`) of the entries of list ``name``, empty ones left
    out: how the resolver and the geoparser compare a word with a list."""
    from gazetteer.normalize import fold_key  # (normalize reads lists from here: imported when first asked)

    return frozenset(k for k in map(fold_key, word_list(name)) if k)
