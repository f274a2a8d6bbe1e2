"""Tokens of a text: words with their folded keys, sentence numbers and the document's language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gazetteer.geoparse.words import lowered
from gazetteer.normalize import fold_key

# Words: letters with inner apostrophes (Куп'янськ, Kup'yans'k). Hyphens separate words.
WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_GAP_WORD = re.compile(r"([\W\d_]*)([^\W\d_]+(?:['’ʼ`][^\W\d_]+)*)")
JOIN_GAP = re.compile(r"[ \t\u00a0]*(?:[-‐‑][ \t\u00a0]*)?")
# A sentence ends at . ! ? … before a space and a word that is not lower case ("с. Чернещина… повреждены"
# goes on), at a blank line, or before a list item.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*\s+(?![a-zа-яіїєґё])|\n\s*\n|\n(?=\s*[-•*])")
# Abbreviations with a dot do not end a sentence ("с. Чернещина", "м. Харків", "обл.").
_ABBREVIATION = re.compile(r"(?:^|\W)(?:[сСмМгГхХ]|смт|пгт|пос|сел|обл|вул|ул)$")


def _sentence_ends(text: str) -> list[int]:
    """Offsets where sentences end: at . ! ? … before a space and a word that is not lower case
    ("с. Чернещина… повреждены" goes on) unless the dot ends an abbreviation, at a blank line, or before
    a list item."""
    ends = []
    for m in _SENTENCE_END.finditer(text):
        a = m.start()
        if text[a] == "." and _ABBREVIATION.search(text[max(0, a - 6) : a]):
            continue
        ends.append(m.end())
    return ends


_POSSESSIVE = re.compile(r"['’]s$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LANG_SAMPLE = 60_000


@dataclass(slots=True)
class Token:
    start: int
    end: int
    text: str
    key: str
    sentence: int
    first: bool  # first word of its sentence
    cap: bool = False  # capitalized(text): a capital first letter, not all capitals
    joined: bool = False  # the gap before it is blank or one hyphen (JOIN_GAP): it may continue a name
    cyr: bool = False  # is_cyrillic(text): starts with a Cyrillic letter


#: Letters in the longest word worth looking up (settlement names have words of at most ~25 letters).
MAX_WORD = 64


def tokenize(text: str) -> list[Token]:
    """Words of ``text`` with folded keys (``_`` when a word folds to nothing) and sentence numbers."""
    tokens: list[Token] = []
    ends = _sentence_ends(text)
    ends.append(len(text) + 1)
    sentence, next_end, prev_sentence = 0, ends[0], -1
    # What depends on the word alone (key, capital, script) is worked out once per distinct word.
    seen: dict[str, tuple[str, bool, bool]] = {}
    join_gap = JOIN_GAP.fullmatch
    append = tokens.append
    # Each word with the gap before it (what lies between it and the previous word, or the text's start):
    # the gap is all non-letters, so the words are WORD's matches.
    pos = 0
    joinable = False  # the previous word's end is where the gap starts (not a trimmed possessive)
    for gap, word in _GAP_WORD.findall(text):
        start = pos + len(gap)
        pos = end = start + len(word)
        while next_end <= start:
            sentence += 1
            next_end = ends[sentence]
        joined = joinable and (gap == " " or join_gap(gap) is not None)
        joinable = True
        if word[-1] == "s" and _POSSESSIVE.search(word) and word.isascii():
            word, end = word[:-2], end - 2
            joinable = False  # the gap after it starts with 's: never a joining gap
        got = seen.get(word)
        if got is None:
            # A word longer than any name is no place: never folded (fold_key refuses over-long text).
            key = (fold_key(word) or "_") if len(word) <= MAX_WORD else "_"
            got = seen[word] = (key, capitalized(word), is_cyrillic(word))
        append(Token(start, end, word, got[0], sentence, sentence != prev_sentence, got[1], joined, got[2]))
        prev_sentence = sentence
    return tokens


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC.match(word))


def capitalized(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


def plain(word: str) -> str:
    """Case-folded, apostrophes dropped: the written spelling compared with an official name."""
    return re.sub(r"['’ʼ`]", "", word.casefold())


def doc_lang(text: str, lang: str | None) -> str:
    """The document's language: ``lang`` if given, else "en" without Cyrillic, else "uk" or "ru" by the
    letters only one of them has and by little words ("Во Львове и Тернополе")."""
    if lang is not None:
        return lang
    if len(text) > _LANG_SAMPLE:
        # The letters of a long text's beginning, middle and end tell its language as well as all of it.
        third = _LANG_SAMPLE // 3
        mid = len(text) // 2
        text = text[:third] + " " + text[mid : mid + third] + " " + text[-third:]
    uk = len(re.findall(r"[іїєґІЇЄҐ]", text))
    ru = len(re.findall(r"[ыэёъЫЭЁЪ]", text))
    cyr = len(_CYRILLIC.findall(text))
    if not cyr:
        return "en"
    words = re.findall(r"[\u0400-\u04ff]+", text.lower())
    uk_words, ru_words = lowered("uk_words"), lowered("ru_words")
    uk += sum(w in uk_words for w in words)
    ru += sum(w in ru_words for w in words)
    if uk == ru == 0 and len(words) >= 3:
        return "ru"  # three Ukrainian words without one і, ї, є or ґ are rare; Russian ones are not
    return "ru" if ru > uk else "uk"
