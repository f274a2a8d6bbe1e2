"""The geoparser's word lists, folded once: read from :mod:`gazetteer.words` (the one place they live)."""

from __future__ import annotations

from functools import cache

from gazetteer.normalize import fold_key
from gazetteer.words import word_keys, word_list, word_table

#: The folded keys of word list ``name`` (``fold_key`` of every entry).
folded = word_keys


@cache
def folded_table(name: str) -> dict[str, str]:
    """Folded first field -> second field of a two-column word list."""
    out: dict[str, str] = {}
    for row in word_table(name):
        key = fold_key(row[0])
        if key and len(row) > 1:
            out.setdefault(key, row[1])
    return out


@cache
def area_words(lang: str) -> tuple[str, ...]:
    """Area words of one language ("uk", "ru", "en") that follow an oblast adjective."""
    return tuple(row[1] for row in word_table("area_words") if row[0] == lang)


@cache
def irregular_forms() -> dict[tuple[str, str], tuple[str, ...]]:
    """(language, name) -> case forms a dictionary cannot derive (у Кривому Розі)."""
    return {(row[0], row[1]): tuple(f.strip() for f in row[2].split(",")) for row in word_table("irregular_forms")}


@cache
def lowered(name: str) -> frozenset[str]:
    """The entries of word list ``name`` in lower case, unfolded (for exact little-word counts)."""
    return frozenset(w.lower() for w in word_list(name))


#: Kinds of foreign qualifiers that mark the place before them as foreign in running text. A foreign
#: "region" (Kursk, Belgorod, Gomel) is also a city's name, and "Sumy, Kursk and Belgorod" is a list of
#: places, so regions are left to the resolver's cells, where a qualifier's role is clear.
_TEXT_QUALIFIER_KINDS = ("country", "state", "province")


@cache
def foreign_qualifiers() -> tuple[frozenset[str], frozenset[str]]:
    """(folded names, folded codes) of states, provinces and countries abroad written after a place
    ("Odessa, Texas", "Paris, TX"): the resolver's facts table (gazetteer/facts/foreign_regions.tsv,
    :data:`gazetteer.query.FOREIGN_FACTS`) and the geoparser's own word list ``states_abroad``."""
    import csv

    from gazetteer.query import FOREIGN_FACTS

    names: set[str] = set()
    codes: set[str] = set()
    for word in word_list("states_abroad"):
        key = fold_key(word)
        if key:
            (codes if len(word.replace(".", "")) <= 3 else names).add(key)
    with open(FOREIGN_FACTS, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"):
            key = fold_key(row["name"])
            if not key or row["kind"] not in _TEXT_QUALIFIER_KINDS + ("state code",):
                continue
            if len(row["name"].replace(".", "")) <= 3:
                codes.add(key)
            elif row["kind"] != "state code":
                names.add(key)
    return frozenset(names), frozenset(codes)


@cache
def street_words() -> tuple[frozenset[tuple[str, bool]], frozenset[tuple[str, bool]], frozenset[tuple[str, bool]]]:
    """(words before a street's name, the abbreviations among them, words after it) of the ``street_words``
    list, each as (folded key, Cyrillic?): a key counts only in its own script ("пер." folds like "per")."""
    before: set[tuple[str, bool]] = set()
    abbreviations: set[tuple[str, bool]] = set()
    after: set[tuple[str, bool]] = set()
    for row in word_table("street_words"):
        key = fold_key(row[0])
        if not key:
            continue
        entry = (key, any("\u0400" <= ch <= "\u04ff" for ch in row[0]))
        where = row[1] if len(row) > 1 else "before"
        if where in ("before", "both"):
            before.add(entry)
            if row[0].endswith("."):
                abbreviations.add(entry)
        if where in ("after", "both"):
            after.add(entry)
    return frozenset(before), frozenset(abbreviations), frozenset(after)


@cache
def river_heads() -> dict[str, frozenset[str]]:
    """Folded case form of the last word of a two-word river name (Донці, Бузі, their nominatives too) ->
    the first four letters of the folded first words it follows (sive, pivd): "на Сіверському Донці",
    "Південний Буг" (``rivers`` and ``river_forms`` lists)."""
    forms: dict[str, set[str]] = {}
    for row in word_table("river_forms"):
        if len(row) > 1:
            forms.setdefault(fold_key(row[1]), set()).add(fold_key(row[0]))
    out: dict[str, set[str]] = {}
    for name in word_list("rivers"):
        words = name.split()
        if len(words) < 2:
            continue
        last = fold_key(words[-1])
        for form in forms.get(last, set()) | {last}:
            out.setdefault(form, set()).add(fold_key(words[0])[:4])
    return {form: frozenset(heads) for form, heads in out.items()}
