"""Pure functions on strings: cleaning, folding keys, romanization and query checks.

One function, :func:`fold_key`, builds the lookup key for both sides: the build applies it to every
name variant it writes into the extract, the resolver applies it to the user's query. Change its rules
and you must bump :data:`KEY_VERSION` (the loader then refuses a stale extract's keys and recomputes).

>>> fold_key("Куп'янськ") == fold_key("Kupiansk") == fold_key("Kupjansk") == fold_key("Kup'yans'k")
True
>>> skeleton(fold_key("Кондрашовка")) == skeleton(fold_key("Кіндрашівка"))
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import translitua
from unidecode import unidecode

from gazetteer.errors import InvalidText
from gazetteer.words import word_list, word_set, word_table

KEY_VERSION = 3

#: Every character people type for the Ukrainian apostrophe (and soft-sign marks of romanizations).
APOSTROPHES = "'’ʼ`´‘ʹʻ′\u02bc\u02b9\u2032\u0301\""
_APOSTROPHE_TABLE = {ord(c): None for c in APOSTROPHES}

#: Romanization systems used to generate index variants of every Ukrainian name. National (KMU 2010)
#: comes first: it is also the display name (``name_en``).
UKRAINIAN_SYSTEMS: dict[str, object] = {
    "national": translitua.UkrainianKMU,
    "bgn_pcgn": translitua.UkrainianBGN,
    "british": translitua.UkrainianBritish,
    "iso9": translitua.UkrainianISO9,
    "scientific": translitua.UkrainianWWS,
    "ala_lc": translitua.UkrainianALALC,
    "gost1986": translitua.UkrainianGOST1986,
    "gost1971": translitua.UkrainianGOST1971,
    "dstu9112a": translitua.UkrainianDSTU9112A,
    "german": translitua.UkrainianGerman,
    "french": translitua.UkrainianFrench,
    "passport2007": translitua.UkrainianPassport2007,
    "national1996": translitua.UkrainianNational1996,
}
#: Systems for Russian Cyrillic names (GeoNames' Russian alternates, rule-made Russian forms).
RUSSIAN_SYSTEMS: dict[str, object] = {
    "ru_passport": translitua.RussianInternationalPassport1997,
    "ru_gost": translitua.RussianGOST2006,
    "ru_simple": translitua.RussianSimple,
    "ru_iso9": translitua.RussianISO9SystemA,
}

# Letters with diacritics whose plain unidecode form would lose a sound (ž -> z), mapped first.
_DIACRITICS = str.maketrans(
    {
        "š": "sh",
        "ž": "zh",
        "č": "ch",
        "ŝ": "shch",
        "ǆ": "dzh",
        "ğ": "gh",
        "ǧ": "gh",
        "ż": "zh",
        "ź": "z",
        "ś": "s",
        "ć": "c",
        "ń": "n",
        "ł": "l",
        "ó": "o",
        "â": "ia",
        "û": "iu",
        "ê": "ie",
        "ô": "io",
        "ŭ": "u",
        "ĭ": "i",
        "ä": "ia",
        "ö": "io",
        "ü": "iu",
        "ß": "ss",
        "\u0361": "",
    }
)
# Russian-only letters and the few Cyrillic letters the national table does not cover.
_CYRILLIC_EXTRA = str.maketrans({"ы": "y", "э": "e", "ё": "io", "ъ": "", "ь": "", "ѣ": "e", "і": "i"})

# Ordered rewrite rules on lower-case Latin: each spelling tradition's digraphs to one form.
_FOLD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"schtsch|szcz|shtsh|chtch|shch", "shch"),
        (r"tsch|tch|cz", "ch"),
        (r"sch|sz", "sh"),
        (r"rz", "zh"),
        (r"tz|ts", "c"),
        (r"kh|gh|[gx]", "h"),
        (r"ou", "u"),
        (r"w", "v"),
        (r"q", "k"),
        (r"j", "y"),
        (r"y", "i"),
        (r"i+", "i"),
        (r"(zh|sh|ch)\1", r"\1"),
        (r"([a-z])\1+", r"\1"),
    ]
]
# The same rules with, for each, substrings one of which any match contains: a rule whose substrings are all
# absent cannot change the text and is skipped (a substring test costs a fraction of a regex pass); None:
# always run. Same keys as running every rule (tests/test_normalize.py compares both on every name).
_FOLD_STEPS: list[tuple[tuple[str, ...] | None, re.Pattern[str], str]] = [
    (triggers, pattern, repl)
    for triggers, (pattern, repl) in zip(
        [
            ("ch", "sz", "sh"),
            ("ch", "cz"),
            ("sch", "sz"),
            ("rz",),
            ("tz", "ts"),
            ("kh", "g", "x"),
            ("ou",),
            ("w",),
            ("q",),
            ("j",),
            ("y",),
            ("ii",),
            ("zhzh", "shsh", "chch"),
            None,
        ],
        _FOLD_RULES,
        strict=True,
    )
]
_NON_LETTERS = re.compile(r"[^a-z]+")
_VOWELS = str.maketrans("", "", "aeiou")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_UK_ONLY = set("іїєґІЇЄҐ")
_RU_ONLY = set("ыэёъЫЭЁЪ")

MAX_QUERY_LENGTH = 200


def fold_key(text: str) -> str:
    """The lookup key of a name in any script: lower-case ASCII letters, spelling variation folded.

    Spaces, hyphens, apostrophes, soft signs, doubled letters and the usual digraph differences
    between romanization systems (kh/ch/h/x, ts/c/tz, ya/ia/ja, yi/i/ji/ï, w/v, sz/sh...) vanish.
    """
    return _fold_cached(text)


#: Longest text :func:`fold_key` and :func:`light_key` accept: far above any place or unit name, far below
#: what would make their caches hold megabytes per entry.
MAX_FOLD_LENGTH = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: str) -> None:
    """Raise :class:`~gazetteer.errors.InvalidText` for text no name can be: over :data:`MAX_FOLD_LENGTH`
    characters, or holding a lone surrogate (not valid Unicode; libraries would warn deep inside)."""
    if len(text) > MAX_FOLD_LENGTH:
        raise InvalidText(f"text too long for a name ({len(text)} characters, at most {MAX_FOLD_LENGTH})")
    found = _SURROGATE.search(text)
    if found:
        raise InvalidText(f"text contains a lone surrogate U+{ord(found.group()):04X}: not valid Unicode")


def _latin_letters(text: str) -> str:
    """Lower-case ASCII letters of a name in any script: national romanization, diacritics mapped."""
    check_text(text)  # on a cache miss only, and before anything is cached
    if text.isascii():
        # Plain ASCII (most Latin cells): NFC, the Cyrillic, diacritic and unidecode steps leave it as it is,
        # and casefold is lower; only the letters remain, as below.
        return _NON_LETTERS.sub("", text.lower())
    s = unicodedata.normalize("NFC", text).casefold().translate(_APOSTROPHE_TABLE)
    if _CYRILLIC.search(s):
        s = translitua.translit(s.translate(_CYRILLIC_EXTRA), translitua.UkrainianKMU)
    return _NON_LETTERS.sub("", unidecode(s.translate(_DIACRITICS)).lower())


@lru_cache(maxsize=65536)
def _fold_cached(text: str) -> str:
    s = _latin_letters(text)
    for triggers, pattern, repl in _FOLD_STEPS:
        if triggers is None:
            s = pattern.sub(repl, s)
            continue
        for t in triggers:
            if t in s:
                s = pattern.sub(repl, s)
                break
    return s


def light_key(text: str) -> str:
    """A lightly normalised spelling for counting typos: Latin letters only, no folding rules.

    >>> light_key("Куп'янськ"), light_key("Smouna")
    ('kupiansk', 'smouna')
    """
    return _light_cached(text)


_light_cached = lru_cache(maxsize=65536)(_latin_letters)


def skeleton(key: str) -> str:
    """The consonant skeleton of a folded key: vowels dropped, so Ukrainian і/и and Russian о/е/ы agree.

    Харків and Харьков, Кіндрашівка and Кондрашовка share a skeleton. Too lossy to trust alone; the
    resolver only uses it for skeletons of four or more consonants and re-scores what it finds.
    """
    return key.translate(_VOWELS)


#: Adjective endings of a folded key, in Ukrainian, Russian and their romanizations: -е/-ий/-а (Pokrovske,
#: Pokrovskyi, Pokrovska), -ое/-ый/-ая/-ой (Pokrovskoye, Solnechnyy, Stepnaya, Lesnoy).
ADJECTIVE_ENDINGS = ("e", "i", "a", "oe", "oie", "aia", "ia", "oi", "ie", "ii")
#: ...after an adjective suffix: -ськ-/-цьк-/-зьк-, -н-, -в- (Покровське, Степне, Лісове).
_ADJECTIVE = re.compile(
    r"^(.{3,}(?:sk|ck|zk|n|v))(" + "|".join(sorted(ADJECTIVE_ENDINGS, key=len, reverse=True)) + ")$"
)


@lru_cache(maxsize=65536)
def ending_variants(key: str) -> tuple[str, ...]:
    """The same adjective-formed name with the other endings people write, as folded keys: the name of a
    neuter village written as masculine or in Russian, and the other way round (not ``key`` itself).

    >>> ending_variants("pervomaiske")[-2:]
    ('pervomaiska', 'pervomaiski')
    >>> ending_variants("kyiv")
    ()
    """
    m = _ADJECTIVE.match(key)
    if not m:
        return ()
    stem = m.group(1)
    ordered = sorted(ADJECTIVE_ENDINGS, key=lambda e: (-len(e), e))
    return tuple(stem + e for e in ordered if stem + e != key)


# Declared rules turning a Ukrainian place name into the Russian form people write (Кіндрашівка ->
# Кондрашовка is beyond rules; Синьківка -> Синьковка, Роботине -> Роботино, Покровське -> Покровское).
_RUSSIAN_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"ївка\b", "евка"),
        (r"івка\b", "овка"),
        (r"ине\b", "ино"),
        (r"ове\b", "ово"),
        (r"еве\b", "ево"),
        (r"ське\b", "ское"),
        (r"цьке\b", "цкое"),
        (r"ський\b", "ский"),
        (r"цький\b", "цкий"),
        (r"ий\b", "ый"),
        (r"ськ\b", "ск"),
        (r"цьк\b", "цк"),
        (r"ів\b", "ов"),
        (r"ї", "и"),
        (r"є", "е"),
        (r"і", "и"),
        (r"[’'ʼ]", "ь"),
    ]
]


def russian_form(name_uk: str) -> str:
    """A Russian-style form of a Ukrainian name by declared rules (Синьківка -> Синьковка).

    Not a translation: a spelling close to what Russian-language sources write, used only to score
    consonant-skeleton candidates.
    """
    s = name_uk.lower()
    for pattern, repl in _RUSSIAN_RULES:
        s = pattern.sub(repl, s)
    return s


def romanize(name_uk: str) -> str:
    """The national (KMU 2010) romanization of a Ukrainian name, as used for ``name_en``."""
    clean = unicodedata.normalize("NFC", name_uk).translate(_APOSTROPHE_TABLE)
    return translitua.translit(clean, translitua.UkrainianKMU)


def romanizations(name: str, *, russian: bool = False) -> dict[str, str]:
    """Every romanization of a Cyrillic name, by system name (Ukrainian systems, or Russian ones)."""
    systems = RUSSIAN_SYSTEMS if russian else UKRAINIAN_SYSTEMS
    text = unicodedata.normalize("NFC", name)
    return {system: translitua.translit(text, table) for system, table in systems.items()}


def script_of(text: str) -> str:
    """'cyrillic', 'latin', 'mixed' (both alphabets) or 'none' (no letter of either)."""
    cyr, lat = bool(_CYRILLIC.search(text)), bool(_LATIN.search(text))
    if cyr and lat:
        return "mixed"
    return "cyrillic" if cyr else "latin" if lat else "none"


def cyrillic_language(text: str) -> str | None:
    """'uk' or 'ru' when a Cyrillic text has letters only one of the two alphabets uses, else None."""
    letters = set(text)
    if letters & _RU_ONLY and not letters & _UK_ONLY:
        return "ru"
    if letters & _UK_ONLY and not letters & _RU_ONLY:
        return "uk"
    return None


def display_form(text: str) -> str:
    """A name tidied for display: Unicode NFC, one apostrophe (’), single spaces, no edge blanks."""
    s = unicodedata.normalize("NFC", text)
    s = re.sub("[" + re.escape("'ʼ`´‘\u02bc") + "]", "’", s)
    return " ".join(s.split())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# Latin letters that look like Cyrillic ones and the reverse: "Кiндрашівка" typed with a Latin i.
_LATIN_TO_CYRILLIC = str.maketrans("aceiopxyABCEHIKMOPTXy", "асеіорхуАВСЕНІКМОРТХу")
_CYRILLIC_TO_LATIN = str.maketrans("асеіорхуАВСЕНІКМОРТХ", "aceiopxyABCEHIKMOPTX")


def repair_homoglyphs(text: str) -> str:
    """Fix words that mix scripts only through look-alike letters; ValueError for truly mixed words.

    >>> repair_homoglyphs("Кiндрашівка")  # a Latin i
    'Кіндрашівка'
    """
    out = []
    for word in re.split(r"(\W+)", text):
        if script_of(word) == "mixed":
            cyr = len(_CYRILLIC.findall(word))
            lat = len(_LATIN.findall(word))
            fixed = word.translate(_LATIN_TO_CYRILLIC if cyr >= lat else _CYRILLIC_TO_LATIN)
            if script_of(fixed) == "mixed":
                raise ValueError(f"word {word!r} mixes Latin and Cyrillic letters")
            word = fixed
        out.append(word)
    return "".join(out)


def check_query(query: object) -> str:
    """Return the query stripped (look-alike letters repaired), or raise TypeError / ValueError.

    Refused: non-strings, empty or blank text, control characters, more than
    :data:`MAX_QUERY_LENGTH` characters, a word that mixes Latin and Cyrillic letters beyond look-alikes
    ("Kupянськ"; "Кiндрашівка" with a Latin i is repaired), and text with no letter at all.
    """
    if not isinstance(query, str):
        raise TypeError(f"a place name must be a str, not {type(query).__name__}")
    text = query.strip()
    if not text:
        raise ValueError("empty value")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(f"place name too long ({len(text)} characters, at most {MAX_QUERY_LENGTH})")
    check_text(text)
    if _CONTROL.search(text):
        raise ValueError("place name contains control characters")
    if script_of(text) == "mixed":
        text = repair_homoglyphs(text)
    if not fold_key(text):
        raise ValueError(f"no letters to match in {text!r}")
    return text


# Settlement-type words people put before or after a name: data in gazetteer/words (type_prefixes.txt,
# type_suffixes.txt), the one place the word lists live.
_TYPE_WORDS = sorted(word_set("type_prefixes"), key=len, reverse=True)
_TYPE_ALTERNATION = "|".join(re.escape(w) for w in _TYPE_WORDS)
_TYPE_PREFIX = re.compile(rf"^(?:{_TYPE_ALTERNATION})(?:\.\s*|\s+)", re.IGNORECASE)
_TYPE_SUFFIX = re.compile(
    rf"\s+[\"'«“„(]?(?:{'|'.join(re.escape(w) for w in word_list('type_suffixes'))})\.?[\"'»”)]?$"
    # ...or joined by a hyphen ("Kyiv-city", "Київ-місто"): a whole word, never an abbreviation
    rf"|\s*-\s*(?:{'|'.join(re.escape(w) for w in word_list('type_suffixes') if len(w) > 3 and ' ' not in w)})$",
    re.IGNORECASE,
)


_TYPE_ONLY = frozenset(w.casefold() for w in (*_TYPE_WORDS, *word_list("type_suffixes")))


#: Type word -> the KATOTTG categories it announces ("село": "C", "смт": "X", "місто": "MK"): words/type_words.txt
#: and type_categories.txt.
_TYPE_CATEGORY = {
    row[0].casefold(): row[1] for name in ("type_words", "type_categories") for row in word_table(name) if len(row) > 1
}
_TYPE_PHRASE_EDGES = re.compile(r"^(?:the\s+)|\s+(?:of|de)$")
#: What may stand around a type word written as a part of its own ("(місто)", "«город»", "м.").
_TYPE_WORD_EDGE = " .,;:()[]\"'«»“”„`-"


def type_category(word: str) -> str:
    """The KATOTTG categories (C village, X settlement, M city, K city with special status) a settlement-type
    word announces, "" for none: "смт" -> "X", "(город)" -> "MK", "village of" -> "C"."""
    word = " ".join(word.strip(_TYPE_WORD_EDGE).casefold().split())
    return _TYPE_CATEGORY.get(word) or _TYPE_CATEGORY.get(_TYPE_PHRASE_EDGES.sub("", word), "")


def stated_category(text: str) -> str:
    """The categories a type word before or after the name in ``text`` announces ("смт Покровське": "X",
    "Kharkiv city": "MK"), "" when there is none or it says nothing of the kind ("м" alone is read)."""
    s = " ".join(text.split())
    m = _TYPE_PREFIX.match(s) or _TYPE_SUFFIX.search(s)
    return type_category(m.group(0)) if m else ""


def is_type_word(text: str) -> bool:
    """Is ``text`` nothing but a settlement-type word ("місто", "м.", "(город)", "city")? The part of a cell
    such as "Харків (місто)" or "Суми, місто" that says what the place is, not where."""
    return text.strip(_TYPE_WORD_EDGE).casefold() in _TYPE_ONLY


def strip_type_words(text: str) -> str:
    """Drop a settlement-type word before or after a name: "м. Харків", "village of X", "X city"."""
    s = " ".join(text.split())
    for _ in range(2):
        stripped = _TYPE_SUFFIX.sub("", _TYPE_PREFIX.sub("", s)).strip(" ,.")
        if stripped == s or not stripped:
            break
        s = stripped
    return s
