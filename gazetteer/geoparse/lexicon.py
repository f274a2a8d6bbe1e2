"""Lexicon: every settlement name and oblast phrase in its case forms, as folded patterns in one automaton.

Case forms come from pymorphy3 (Ukrainian and Russian paradigms: Куп'янськ -> Куп'янську, Куп'янськом...).
Inflecting ~40,000 names takes pymorphy about half a minute, so the folded forms of every name are
kept in a *forms lexicon*: shipped with the package for the names of the bundled extract
(``name_forms.tsv.gz``, written by ``python -m gazetteer.geoparse``), and for names it lacks (an
updated extract) computed once and kept in the cache folder as plain JSON with a version and a sha256
checksum. Nothing loaded from disk can run code: a cache file that does not parse, has the wrong shape,
version or checksum is ignored and rebuilt.

The tables built from those forms (the automaton's patterns and their groups, oblast centres, raion and
hromada stems) are kept in the cache folder too, as a :mod:`gazetteer.cachefile` snapshot (marshal parts
behind CRC-checked headers) keyed by the extract's MANIFEST, the shipped forms, the word lists, this
module's code and the versions: every process after the first reads them instead of building them (only
the automaton is rebuilt from its patterns). A stale, damaged or wrong-shaped snapshot is rebuilt.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import os
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

from gazetteer import cachefile
from gazetteer.extras import missing_extra
from gazetteer.geoparse.words import area_words, irregular_forms
from gazetteer.index import NameIndex
from gazetteer.model import Unit
from gazetteer.normalize import KEY_VERSION, fold_key
from gazetteer.resolve import KIND_SCORE, NAMESAKE_FACTOR, NAMESAKE_KINDS, NAMESAKE_LIKENESS, Resolver
from gazetteer.store import cache_dir

#: Bump when the way name forms are generated changes: shipped and cached forms are then ignored.
FORMS_VERSION = 6
SHIPPED_FORMS = Path(__file__).with_name("name_forms.tsv.gz")
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_ADJ = {"ADJF", "PRTF"}
PERSON_TAGS = {"Name", "Surn", "Patr"}
_KYIV_SEVASTOPOL = ("UA80", "UA85")
_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_SPLIT = re.compile(r"[\s\-‐‑–]+")
_ONE_WORD = re.compile(r"[^\s\-‐‑–]+")
_CACHE_FORMAT = "gazetteer-name-forms"
#: Name kinds that do not name the settlement in running text: a city section ("district": Салтівка,
#: Сосновка in Павлоград) named in a text is the section, and its name is often a village's elsewhere.
NOT_IN_TEXT = frozenset({"district"})
#: Name kinds that are a settlement's current name in some language; the others (alternate, renamed,
#: historical, GeoNames' own) yield to another settlement's current name.
CURRENT_KINDS = frozenset({"official", "romanization", "russian"})
#: Show a progress line on a terminal when inflecting is expected to take longer than this.
PROGRESS_AFTER_S = 1.0


@lru_cache(maxsize=4)
def analyzer(lang: str) -> Any:
    """pymorphy3's analyzer for "uk" or "ru" (loaded once). ImportError without the ``text`` extra: only
    the geoparser's reading of words in free text and the inflecting of names the package does not ship
    need it (the case forms of the bundled extract's names ship precomputed)."""
    try:
        import pymorphy3
    except ImportError as exc:
        raise (missing_extra(exc, "finding places in text (find_places, gazetteer parse)") or exc) from None
    return pymorphy3.MorphAnalyzer(lang=lang)


def morph_version() -> str:
    """pymorphy3's version, or "absent" (then names the package does not ship get no case forms)."""
    try:
        import pymorphy3
    except ImportError:
        return "absent"
    return pymorphy3.__version__


def split_words(name: str) -> list[str]:
    return [w for w in _SPLIT.split(name) if w]


def pattern(words: Iterable[str]) -> str | None:
    """The automaton pattern of a word sequence: folded keys joined and framed by spaces."""
    keys = [fold_key(w) for w in words]
    if not keys or not all(keys):
        return None
    return " " + " ".join(keys) + " "


# -- morphology ------------------------------------------------------------------------------------
def _best_parse(morph: Any, word: str) -> Any:
    parses = morph.parse(word)
    for p in parses:
        if p.tag.case == "nomn" and (p.tag.POS == "NOUN" or p.tag.POS in _ADJ) and not (PERSON_TAGS & p.tag.grammemes):
            return p
    for p in parses:
        if p.tag.case == "nomn" and (p.tag.POS == "NOUN" or p.tag.POS in _ADJ):
            return p
    return None


def _case_forms(morph: Any, word: str) -> dict[str, list[str]]:
    """Case -> forms of one word of a name, keeping its number (and gender for adjectives)."""
    p = _best_parse(morph, word)
    if p is None:
        return {}
    out: dict[str, list[str]] = {}
    plural, gender, adj = p.tag.number == "plur", p.tag.gender, p.tag.POS in _ADJ
    for f in p.lexeme:
        t = f.tag
        if t.case not in _CASES or (t.number == "plur") != plural:
            continue
        if adj and not plural and gender and t.gender and t.gender != gender:
            continue
        forms = out.setdefault(t.case, [])
        if f.word not in forms:
            forms.append(f.word)
    return out


#: Russian place names in -ень and vowel + ль are mostly masculine (Ирпень, Ворзель, Тернополь, the German
#: colonies' -таль); those in -ань, -адь, -ть are mostly feminine (Умань, Бершадь) and keep pymorphy's
#: paradigm. A word with a Ukrainian or Belarusian letter is not Russian (the extract's Ukrainian spellings
#: are inflected as Russian too: Ірпінь).
_RU_MASC_SOFT = re.compile(r"(?:[её]\u0301?нь|[аеёиоуыэюя]\u0301?ль)$", re.IGNORECASE)
_NOT_RUSSIAN = re.compile(r"[іїєґў'’]", re.IGNORECASE)


def _ru_masculine_forms(morph: Any, word: str) -> dict[str, list[str]]:
    """Masculine case forms of a Russian place name in -ень/-ль that pymorphy reads as feminine.

    The dictionary guesses a feminine paradigm for an unknown -ень/-оль/-таль name (Хотень: хотени, like
    сирень) and even lists some towns as feminine (Ирпень: ирпени, ирпенью), while Russian usage declines
    them as masculine: в Ирпене, из Ирпеня, под Ирпенем. Such a word gets the masculine -я/-ю/-ем/-е set as
    well (the feminine forms stay: "в Ирпени" is written too). A common feminine noun the dictionary knows
    (Купель, Метель) keeps its paradigm, and a new form that is itself a known word is not added."""
    if not _RU_MASC_SOFT.search(word) or _NOT_RUSSIAN.search(word):
        return {}
    p = _best_parse(morph, word)
    if p is None or p.tag.POS != "NOUN" or p.tag.gender != "femn" or p.tag.number == "plur":
        return {}
    if p.is_known and "Geox" not in p.tag.grammemes:
        return {}
    stem = word[:-1].lower()
    out: dict[str, list[str]] = {}
    for case, ending in (("gent", "я"), ("datv", "ю"), ("ablt", "ем"), ("loct", "е")):
        form = stem + ending
        if not morph.word_is_known(form):
            out[case] = [form]
    return out


def inflections(lang: str, name: str) -> frozenset[str]:
    """Case forms (lower case) of a possibly multiword, hyphenated name: Нова Одеса -> нової одеси, ..."""
    morph = analyzer(lang)
    words = split_words(name)
    per_word = [_case_forms(morph, w) for w in words]
    if lang == "ru" and len(words) == 1:
        for case, extra in _ru_masculine_forms(morph, words[0]).items():
            per_word[0].setdefault(case, []).extend(f for f in extra if f not in per_word[0].get(case, ()))
    forms: set[str] = set(irregular_forms().get((lang, name), ()))
    for case in _CASES:
        if not any(case in pw for pw in per_word):
            continue
        if len(words) == 1:
            forms.update(per_word[0][case])
            continue
        combos: list[list[str]] = [[]]
        for w, pw in zip(words, per_word):
            combos = [c + [f] for c in combos for f in pw.get(case, [w.lower()])[:2]]
        forms.update(" ".join(c) for c in combos[:4])
    return frozenset(forms)


def form_patterns(lang: str, name: str) -> tuple[str, ...]:
    """The automaton patterns of a name's case forms in one language, sorted."""
    return tuple(sorted({p for p in (pattern(split_words(f)) for f in inflections(lang, name)) if p}))


# -- the forms lexicon (shipped + cached + computed) -------------------------------------------------
def _stamp() -> str:
    return f"forms={FORMS_VERSION}|keys={KEY_VERSION}"


def _read_shipped(path: Path = SHIPPED_FORMS) -> dict[tuple[str, str], tuple[str, ...]]:
    """The shipped forms lexicon, or {} when missing or made with other form/key versions."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            if fh.readline().rstrip("\n") != f"# {_CACHE_FORMAT} {_stamp()}":
                return {}
            for line in fh:
                lang, name, pats = line.rstrip("\n").split("\t")
                out[(lang, name)] = tuple(f" {p} " for p in pats.split("|")) if pats else ()
    except (OSError, ValueError, EOFError):
        return {}
    return out


def write_shipped(names: Iterable[tuple[str, str]], path: Path = SHIPPED_FORMS) -> int:
    """Write the forms lexicon of ``(lang, name)`` pairs to ``path`` (gzip TSV); returns the count."""
    rows = sorted(set(names))
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(f"# {_CACHE_FORMAT} {_stamp()}\n")
        for lang, name in rows:
            pats = "|".join(p.strip() for p in form_patterns(lang, name))
            fh.write(f"{lang}\t{name}\t{pats}\n")
    return len(rows)


def _cache_file(extract_manifest: Any) -> Path:
    manifest = json.dumps(extract_manifest, sort_keys=True, default=str)
    versions = f"{_stamp()}|{morph_version()}|{manifest}"
    return cache_dir() / f"text-forms-{hashlib.sha256(versions.encode()).hexdigest()[:16]}.json"


def read_cache(path: Path) -> dict[tuple[str, str], tuple[str, ...]] | None:
    """The cached forms of names the shipped lexicon lacks, or None when the file is missing, not ours,
    of another version, damaged (checksum) or of the wrong shape. Plain JSON: nothing is executed."""
    try:
        raw = path.read_bytes()
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if (
            not isinstance(header, dict)
            or header.get("format") != _CACHE_FORMAT
            or header.get("version") != _stamp()
            or header.get("sha256") != hashlib.sha256(body).hexdigest()
        ):
            return None
        rows = json.loads(body)
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        if not isinstance(rows, list):
            return None
        for row in rows:
            lang, name, pats = row
            if not (isinstance(lang, str) and isinstance(name, str) and isinstance(pats, list)):
                return None
            if not all(isinstance(p, str) and p.startswith(" ") and p.endswith(" ") for p in pats):
                return None
            out[(lang, name)] = tuple(pats)
        return out
    except (OSError, ValueError, TypeError):
        return None


def write_cache(path: Path, forms: dict[tuple[str, str], tuple[str, ...]]) -> None:
    """Write computed forms as JSON with a header line (format, version, sha256 of the body); atomic."""
    body = json.dumps([[lang, name, list(p)] for (lang, name), p in sorted(forms.items())], ensure_ascii=False)
    data = body.encode("utf-8")
    header = json.dumps({"format": _CACHE_FORMAT, "version": _stamp(), "sha256": hashlib.sha256(data).hexdigest()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(header.encode() + b"\n" + data)
        os.replace(tmp, path)
    except OSError:
        pass


class _Progress:
    """A one-line progress counter on stderr, only on a terminal and only once work is slow."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.t0, self.shown = total, label, time.perf_counter(), False
        self.enabled = total > 0 and sys.stderr.isatty()

    def step(self, done: int) -> None:
        if not self.enabled or done % 200:
            return
        elapsed = time.perf_counter() - self.t0
        if not self.shown and (elapsed < 0.3 or elapsed / max(done, 1) * self.total < PROGRESS_AFTER_S):
            return
        self.shown = True
        sys.stderr.write(f"\rgazetteer: {self.label}: {done:,}/{self.total:,}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write(f"\rgazetteer: {self.label}: done in {time.perf_counter() - self.t0:.0f} s\n")
            sys.stderr.flush()


def forms_lexicon(wanted: set[tuple[str, str]], manifest: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    """Forms of every wanted ``(lang, name)``: shipped, else cached, else computed now (and cached); with the
    forms of words/irregular_forms.txt always (an entry added there counts before the shipped lexicon is made
    again)."""
    lexicon = _computed_forms(wanted, manifest)
    irregular = irregular_forms()
    for key in wanted & irregular.keys():
        known = set(lexicon.get(key, ()))
        extra = {p for p in (pattern(split_words(f)) for f in irregular[key]) if p} - known
        if extra:
            lexicon[key] = tuple(sorted(known | extra))
    return lexicon


def _computed_forms(wanted: set[tuple[str, str]], manifest: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    lexicon = {k: v for k, v in _read_shipped().items() if k in wanted}
    missing = wanted - lexicon.keys()
    if not missing:
        return lexicon
    path = _cache_file(manifest)
    cached = read_cache(path) or {}
    lexicon.update({k: v for k, v in cached.items() if k in missing})
    todo = sorted(missing - cached.keys())
    if todo and morph_version() == "absent":
        # Without pymorphy3 (no text extra) a name the package does not ship keeps its nominative only.
        lexicon.update({k: () for k in todo})
        todo = []
    if todo:
        progress = _Progress(len(todo), "inflecting place names for the geoparser (once)")
        for n, (lang, name) in enumerate(todo, 1):
            lexicon[(lang, name)] = cached[(lang, name)] = form_patterns(lang, name)
            progress.step(n)
        progress.close()
        write_cache(path, {k: v for k, v in cached.items() if k in missing})
    return lexicon


# -- tables built once per extract -------------------------------------------------------------------
class Records(dict):
    """Settlement index -> :class:`~gazetteer.model.Settlement`, each fetched from the extract once: a dict
    probe is several times cheaper than the extract's lazily decoded record list, and the geoparser asks
    for the same few thousand settlements over and over."""

    __slots__ = ("source",)

    def __init__(self, source: Any) -> None:
        super().__init__()
        self.source = source

    def __missing__(self, sidx: int) -> Any:
        record = self[sidx] = self.source[sidx]
        return record


@dataclass(slots=True)
class Tables:
    resolver: Resolver
    automaton: Any
    groups: list[tuple]
    centre_of: dict[int, str]  # settlement index of an oblast centre -> oblast id
    oblast_units: dict[str, Unit]
    unit_stems: dict[str, dict[str, set[str]]]  # level -> folded adjective stem -> unit ids
    parse_cache: dict[tuple[str, str], tuple] = field(default_factory=dict)
    records: Records = field(init=False)
    #: (question, word, language) -> answer, for questions about a word alone (see :func:`word_memo`)
    word_answers: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.records = Records(self.resolver.extract.settlements)


def oblast_units(resolver: Resolver) -> dict[str, Unit]:
    return {u.id: u for u in resolver.extract.units.values() if u.level == "oblast"}


def _settlement_wants(extract: Any) -> Iterable[tuple[str, str]]:
    names = {n for n, k in zip(extract.name_text, extract.name_kind) if k not in NOT_IN_TEXT}
    for name in names:
        if _CYRILLIC.search(name):
            yield from (("uk", name), ("ru", name))


def _is_adjective(name: str, kind: str) -> bool:
    """An oblast name that is an adjective (Харківська, alias Дніпровська): a mention only with an area
    word or an administration abbreviation after it."""
    return kind in ("official", "russian") or kind == "alias" and bool(_ADJ_ENDING.search(name.lower()))


def _adjective_lang(name: str, kind: str) -> str:
    return "ru" if kind == "russian" or re.search("[ыэъё]", name) else "uk"


def _oblast_wants(extract: Any, oblasts: dict[str, Unit]) -> Iterable[tuple[str, str]]:
    for uid, name, kind, _key in extract.unit_names:
        if uid not in oblasts or uid.startswith(_KYIV_SEVASTOPOL) or kind == "centre" or not _CYRILLIC.search(name):
            continue
        if _is_adjective(name, kind) and not uid.startswith("UA01"):
            yield (_adjective_lang(name, kind), name)
        else:
            yield from (("uk", name), ("ru", name))


_ADJ_ENDING = re.compile(
    r"(?:ського|ському|ським|ський|ська|ської|ській|ську|ською|ське|ських|ськими|ськім"
    r"|ского|скому|ским|ский|ская|ской|скую|ское|ских|скими|ском)$"
)


def adjective_stem(word: str) -> str:
    """The folded stem of a place adjective in any case: Ізюмського, Изюмском, Ізюмський -> "iziumsk"."""
    low = word.lower()
    m = _ADJ_ENDING.search(low)
    if m is None:
        return ""
    return fold_key(low[: m.start()] + "ськ")


def _unit_stems(extract: Any) -> dict[str, dict[str, set[str]]]:
    stems: dict[str, dict[str, set[str]]] = {"raion": defaultdict(set), "hromada": defaultdict(set)}
    for uid, name, kind, _key in extract.unit_names:
        unit = extract.units.get(uid)
        if unit is None or unit.level not in stems or kind not in ("official", "russian"):
            continue
        words = split_words(name)
        stem = adjective_stem(words[-1]) if words else ""
        if stem:
            prefix = " ".join(fold_key(w) for w in words[:-1])
            stems[unit.level][f"{prefix} {stem}".strip()].add(uid)
    return {level: dict(v) for level, v in stems.items()}


@dataclass(slots=True)
class TableParts:
    """What the tables are built from, as plain data (kept in the cache folder between processes)."""

    patterns: list[str]  # automaton patterns: folded words framed by spaces
    gids: list[int]  # the group of each pattern
    groups: list[tuple]  # entries: ("s", settlement index, score, key, latin ok, cyrillic ok, current)
    # or ("o", oblast id, needs an admin abbreviation)
    centre_of: dict[int, str]
    unit_stems: dict[str, dict[str, set[str]]]


def build_parts(resolver: Resolver, lexicon: Callable[..., dict] = forms_lexicon) -> TableParts:
    """The patterns, groups and lookup tables of one extract (name forms from the forms lexicon)."""
    extract = resolver.extract
    index: NameIndex = resolver.index
    oblasts = oblast_units(resolver)
    wanted = set(_settlement_wants(extract)) | set(_oblast_wants(extract, oblasts))
    forms = lexicon(wanted, extract.manifest)
    table: dict[str, dict[tuple, None]] = defaultdict(dict)

    def add(pat: str | None, entry: tuple) -> None:
        if pat and len(pat) > 4:
            table[pat][entry] = None

    # Settlements: ("s", settlement index, kind score, nominative key, latin ok, cyrillic ok, current name).
    pattern_of: dict[str, str | None] = {}
    for sidx, name, kind, key in zip(extract.name_settlement, extract.name_text, extract.name_kind, extract.name_key):
        if not key or kind in NOT_IN_TEXT:
            continue
        score = KIND_SCORE.get(kind, 0.93)
        current = kind in CURRENT_KINDS
        if name not in pattern_of:
            # One-word names: the extract's key is the folded word (folding 40,000 names again costs 2 s).
            pattern_of[name] = f" {key} " if _ONE_WORD.fullmatch(name) else pattern(split_words(name))
        # A Russian or GeoNames spelling recorded for one settlement names its official namesakes too
        # (Markovo for one of four villages Маркове): they come in at NAMESAKE_FACTOR, as in the resolver.
        bearers = [(sidx, score)] + [(o, score * NAMESAKE_FACTOR) for o in resolver.namesakes_through(sidx, name, kind)]
        if _CYRILLIC.search(name):
            lang_pairs = (("uk", 1.0), ("ru", 0.99)) if kind != "russian" else (("ru", 1.0), ("uk", 0.98))
            for bearer, base in bearers:
                add(pattern_of[name], ("s", bearer, round(base, 4), key, True, True, current))
                for lang, factor in lang_pairs:
                    entry = ("s", bearer, round(base * factor, 4), key, False, True, current)
                    for pat in forms.get((lang, name), ()):
                        add(pat, entry)
        else:
            # Latin names: not inflected; refuse codes (KBP), lower-case transcriptions and tiny keys.
            words = split_words(name)
            if len(key) < 4 or not all(w[:1].isupper() and not w.isupper() for w in words):
                continue
            for bearer, base in bearers:
                add(pattern_of[name], ("s", bearer, round(base, 4), key, True, False, current))

    # Oblasts: ("o", unit id, needs an admin abbreviation after it).
    for uid, name, kind, _key in extract.unit_names:
        if uid not in oblasts or uid.startswith(_KYIV_SEVASTOPOL) or kind == "centre":
            continue
        if not _CYRILLIC.search(name):
            words = split_words(name)
            if not all(w[:1].isupper() or w.lower() in ("region", "of") for w in words):
                continue
            add(pattern(words), ("o", uid, False))
            base = words[:-1] if words[-1].lower() == "region" else words if kind != "alias" else None
            if base:
                for area in area_words("en"):
                    add(pattern([*base, area]), ("o", uid, False))
            continue
        if _is_adjective(name, kind) and not uid.startswith("UA01"):
            # An adjective: with an area word it is a phrase, alone it needs "ОВА" after it.
            lang = _adjective_lang(name, kind)
            pats = set(forms.get((lang, name), ())) | {pattern(split_words(name.lower()))}
            for pat in pats:
                if not pat:
                    continue
                for area in area_words(lang):
                    add(pat + fold_key(area) + " ", ("o", uid, False))
                add(pat, ("o", uid, True))
        else:
            pats = {pattern(split_words(name.lower()))} | set(forms.get(("uk", name), ()))
            pats |= set(forms.get(("ru", name), ()))
            for pat in pats:
                add(pat, ("o", uid, False))

    interned: dict[tuple, int] = {}
    groups: list[tuple] = []
    patterns: list[str] = []
    gids: list[int] = []
    for pat, entries in table.items():
        group = tuple(entries)
        gid = interned.get(group)
        if gid is None:
            gid = interned[group] = len(groups)
            groups.append(group)
        patterns.append(pat)
        gids.append(gid)

    # Oblast centres: the city in the oblast named by a 'centre' unit name.
    centre_of: dict[int, str] = {}
    for uid, _name, kind, key in extract.unit_names:
        if kind != "centre" or uid not in oblasts or uid.startswith(_KYIV_SEVASTOPOL):
            continue
        for hit in index.exact(key):
            s = extract.settlements[hit.settlement]
            if s.oblast_id == uid and s.category in "KM":
                centre_of[hit.settlement] = uid
    return TableParts(patterns, gids, groups, centre_of, _unit_stems(extract))


def build_tables(resolver: Resolver, lexicon: Callable[..., dict] = forms_lexicon) -> Tables:
    """The automaton and lookup tables of one extract (name forms from the forms lexicon)."""
    return assemble(resolver, build_parts(resolver, lexicon))


def unpack(value: int) -> tuple[int, int, int]:
    """(pattern length, words in it, group index) of an automaton value."""
    return value & 0xFFFF, (value >> 16) & 0xFFF, value >> 28


def assemble(resolver: Resolver, parts: TableParts) -> Tables:
    """The tables of ``parts``: the automaton is built here (its patterns framed by spaces)."""
    automaton = ahocorasick.Automaton()
    add_word = automaton.add_word
    for pat, gid in zip(parts.patterns, parts.gids):
        # One int per pattern, not a tuple: (group, words, length) packed as in :func:`unpack`.
        add_word(pat, (gid << 28) | ((pat.count(" ") - 1) << 16) | len(pat))
    automaton.make_automaton()
    return Tables(resolver, automaton, parts.groups, parts.centre_of, oblast_units(resolver), parts.unit_stems)


_TABLES: dict[int, Tables] = {}
_TABLES_LOCK = threading.Lock()


def tables_for(resolver: Resolver) -> Tables:
    """The tables of ``resolver``'s extract, built once per process (thread-safe): read from the snapshot
    in the cache folder when one was made for the same extract, forms and code, else built and saved."""
    return _per_extract(_TABLES, resolver, _prepare_tables)


def _prepare_tables(resolver: Resolver) -> Tables:
    with _Notice("preparing the geoparser's name tables (once)"):
        paused = gc.isenabled()
        gc.disable()  # hundreds of thousands of small tuples, none cyclic
        try:
            return snapshot_tables(resolver)
        finally:
            if paused:
                gc.enable()


def _per_extract(made: dict[int, Any], resolver: Resolver, make: Callable[[Resolver], Any]) -> Any:
    """``make(resolver)``, once per extract and process: kept in ``made``, made under a lock (``make`` must
    not come back here)."""
    key = id(resolver.extract)
    found = made.get(key)
    if found is None:
        with _TABLES_LOCK:
            found = made.get(key)
            if found is None:
                found = made[key] = make(resolver)
    return found


# -- the tables' snapshot in the cache folder ----------------------------------------------------------
#: Bump when what the snapshot holds, or how it is read, changes.
SNAPSHOT_VERSION = 1
_WORDS = Path(__file__).resolve().parent.parent / "words"


def _digest(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()


def snapshot_meta(resolver: Resolver) -> dict:
    """What the tables are derived from: the extract (MANIFEST), the shipped forms, the word lists, this
    module's code, the kind scores, the key and form versions, pymorphy3's version. Any change makes the
    snapshot stale."""
    manifest = json.dumps(resolver.extract.manifest, sort_keys=True, default=str).encode("utf-8")
    try:
        shipped = SHIPPED_FORMS.read_bytes()
    except OSError:
        shipped = b""
    words = [p.name.encode() + b"\0" + p.read_bytes() for p in sorted(_WORDS.glob("*.txt"))]
    return {
        "what": "geoparse-tables",
        "version": SNAPSHOT_VERSION,
        "forms": _stamp(),
        "pymorphy3": morph_version(),
        "extract": _digest(manifest, str(Path(resolver.extract.path).resolve()).encode()),
        "shipped_forms": _digest(shipped),
        "words": _digest(*words),
        "code": _digest(Path(__file__).read_bytes()),
        "kind_score": sorted(KIND_SCORE.items()),
        "namesakes": [NAMESAKE_FACTOR, NAMESAKE_LIKENESS, sorted(NAMESAKE_KINDS)],
        "python": list(sys.version_info[:2]),
    }


def snapshot_path(meta: dict) -> Path:
    return cachefile.path_for(cache_dir(), f"geoparse-tables-v{SNAPSHOT_VERSION}", meta)


def read_snapshot(path: Path, meta: dict) -> TableParts | None:
    """The parts stored at ``path`` for exactly ``meta``, or None when the file is missing, stale, damaged
    (checksum) or of another shape. marshal data only: nothing read runs code."""
    raw = cachefile.read(path, meta)
    if raw is None or len(raw) != 5:
        return None
    try:
        patterns = cachefile.loads(raw[0], list)
        gids = cachefile.loads(raw[1], list)
        groups = cachefile.loads(raw[2], list)
        centre_of = cachefile.loads(raw[3], dict)
        unit_stems = cachefile.loads(raw[4], dict)
    except ValueError:
        return None
    if len(patterns) != len(gids) or not groups or not all(type(g) is tuple and g for g in groups):
        return None
    if not all(type(g) is int for g in gids) or gids and (min(gids) < 0 or max(gids) >= len(groups)):
        return None
    if not all(type(k) is int and type(v) is str for k, v in centre_of.items()):
        return None
    if not all(type(v) is dict and all(type(u) is set for u in v.values()) for v in unit_stems.values()):
        return None
    for group in groups:
        for e in group:
            if type(e) is not tuple or not (len(e) == 7 and e[0] == "s" or len(e) == 3 and e[0] == "o"):
                return None
    return TableParts(patterns, gids, groups, centre_of, unit_stems)


def snapshot_tables(resolver: Resolver) -> Tables:
    """The tables from the snapshot in the cache folder, or built from the extract and the forms lexicon
    (and the snapshot written: best effort, an unwritable cache folder only costs the next start)."""
    meta = snapshot_meta(resolver)
    path = snapshot_path(meta)
    parts = read_snapshot(path, meta)
    if parts is not None:
        try:
            return assemble(resolver, parts)
        except (TypeError, ValueError, AttributeError):  # a pattern that is not text: rebuilt below
            pass
    return assemble(resolver, _build_and_save(resolver, path, meta))


def _build_and_save(resolver: Resolver, path: Path, meta: dict) -> TableParts:
    """The parts built from the extract and the forms lexicon, and their snapshot written to ``path`` (best
    effort, an unwritable cache folder only costs the next start)."""
    parts = build_parts(resolver)
    blobs = [parts.patterns, parts.gids, parts.groups, parts.centre_of, parts.unit_stems]
    cachefile.save(path, meta, [cachefile.dumps(b) for b in blobs])
    return parts


# -- the resolver's map of case forms -----------------------------------------------------------------
#: Bump when what the form map holds, or how it is read, changes.
FORM_MAP_VERSION = 1
_FORM_MAPS: dict[int, Mapping[str, tuple]] = {}


def form_map(resolver: Resolver) -> Mapping[str, tuple]:
    """Pattern (:func:`pattern` of a whole name form) -> ((settlement index, score, nominative key), ...): the
    settlements a case form names, as the automaton of :func:`tables_for` reads them, without building it. Read
    from a packed file in the cache folder (a single lookup decodes one entry), made from the tables' parts the
    first time (thread-safe; an unwritable cache folder only costs the next start)."""
    return _per_extract(_FORM_MAPS, resolver, _load_form_map)


def _load_form_map(resolver: Resolver) -> Mapping[str, tuple]:
    # Derived from what the tables are (their snapshot's meta), read once for both files.
    tables_meta = snapshot_meta(resolver)
    meta = {**tables_meta, "what": "resolver-forms", "form_map": FORM_MAP_VERSION}
    path = cachefile.path_for(cache_dir(), f"resolver-forms-v{FORM_MAP_VERSION}", meta)
    raw = cachefile.read(path, meta)
    if raw is not None and len(raw) == 3:
        try:
            return cachefile.PackedMap(cachefile.loads(raw[0], str), raw[1], raw[2], tuple)
        except ValueError:
            pass  # damaged in a way the checksums cannot see: made again below
    with _Notice("preparing the resolver's case forms (once)"):
        tables_path = snapshot_path(tables_meta)
        parts = read_snapshot(tables_path, tables_meta) or _build_and_save(resolver, tables_path, tables_meta)
        table: dict[str, tuple] = {}
        for pat, gid in zip(parts.patterns, parts.gids):
            entries = tuple((e[1], e[2], e[3]) for e in parts.groups[gid] if e[0] == "s")
            if entries:
                table[pat] = entries
            else:  # a pattern added again replaces its value in the automaton too
                table.pop(pat, None)
        keys, ends, blob = cachefile.pack_map(table)
        cachefile.save(path, meta, [cachefile.dumps(keys), ends, blob])
    return cachefile.PackedMap(keys, ends, blob, tuple)


class _Notice:
    """On a terminal, say what is going on when a step takes longer than PROGRESS_AFTER_S, and when it is
    done; silent otherwise (and always silent when stderr is not a terminal)."""

    def __init__(self, label: str) -> None:
        self.label, self.shown = label, False
        self.timer: threading.Timer | None = None

    def _show(self) -> None:
        self.shown = True
        sys.stderr.write(f"gazetteer: {self.label} ...")
        sys.stderr.flush()

    def __enter__(self) -> _Notice:
        self.t0 = time.perf_counter()
        if sys.stderr.isatty():
            self.timer = threading.Timer(PROGRESS_AFTER_S, self._show)
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.shown:
            sys.stderr.write(f" done in {time.perf_counter() - self.t0:.1f} s\n")
            sys.stderr.flush()


def parses(tables: Tables, word: str, lang: str) -> tuple:
    """pymorphy parses of ``word`` in ``lang`` ("ru", else Ukrainian), memoised per tables."""
    ck = (word, lang)
    got = tables.parse_cache.get(ck)
    if got is None:
        got = tuple(analyzer("ru" if lang == "ru" else "uk").parse(word))
        if len(tables.parse_cache) > 200_000:
            tables.parse_cache.clear()
        tables.parse_cache[ck] = got
    return got


def word_memo(tables: Tables, question: str, word: str, lang: str, answer: Callable[[], Any]) -> Any:
    """``answer()`` for a question about ``word`` alone in ``lang`` (its pymorphy readings and the extract's
    word lists), memoised per tables: the same word asks the same dictionary walks every time it occurs."""
    ck = (question, word, lang)
    got = tables.word_answers.get(ck, _UNSET)
    if got is _UNSET:
        if len(tables.word_answers) > 200_000:
            tables.word_answers.clear()
        got = tables.word_answers[ck] = answer()
    return got


_UNSET = object()


def main(argv: list[str] | None = None) -> int:
    """Write the shipped forms lexicon for the bundled extract (run after rebuilding data/)."""
    from gazetteer.resolve import default_resolver

    resolver = default_resolver()
    extract = resolver.extract
    wanted = set(_settlement_wants(extract)) | set(_oblast_wants(extract, oblast_units(resolver)))
    t0 = time.perf_counter()
    n = write_shipped(wanted)
    print(f"wrote {SHIPPED_FORMS} ({n:,} names, {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
