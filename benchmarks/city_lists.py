"""Generated list sentences of large cities in three languages: is each city found as itself?

Every Ukrainian city of ``MIN_POPULATION`` people or more is listed with two others in sentences such as
"Shelling hit Kramatorsk, Pokrovsk and Mykolaiv overnight", "Вибухи пролунали у Краматорську,
Покровську та Миколаєві" and "Обстрелам подверглись Краматорск, Покровск и Николаев" (case forms from
pymorphy3, Russian names from the extract). A mention is right when its span is the city's and it
resolved to that city; anything else (missed, unresolved, a namesake village) is wrong.

``python -m benchmarks.run city_lists`` writes the section; :func:`generate` and :func:`score` are used
by the tests.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

MIN_POPULATION = 50_000
SENTENCES_PER_LANGUAGE = 300

# {0}, {1}, {2}: the three names; "case" is the grammatical case they take.
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("nomn", "Shelling hit {0}, {1} and {2} overnight."),
        ("nomn", "Air raid alerts sounded in {0}, {1} and {2}."),
        ("nomn", "Officials from {0}, {1} and {2} met on Monday."),
    ],
    "uk": [
        ("nomn", "{0}, {1} та {2} знову під обстрілами."),
        ("loct", "Вибухи пролунали у {0}, {1} та {2}."),
        ("gent", "Евакуація з {0}, {1} і {2} триває."),
    ],
    "ru": [
        ("nomn", "Обстрелам подверглись {0}, {1} и {2}."),
        ("loct", "Взрывы прогремели в {0}, {1} и {2}."),
        ("gent", "Жители {0}, {1} и {2} остались без света."),
    ],
}


def large_cities(extract) -> list[int]:
    """Indexes of the cities (category K or M) with at least ``MIN_POPULATION`` people."""
    return [
        n for n, s in enumerate(extract.settlements) if s.category in "KM" and (s.population or 0) >= MIN_POPULATION
    ]


def _russian_names(extract) -> dict[int, str]:
    """A Russian name per settlement: written in the Russian alphabet only and known to pymorphy3's
    Russian dictionary as a place (the extract's "russian" names also hold Belarusian and Serbian ones)."""
    import re

    import pymorphy3

    morph = pymorphy3.MorphAnalyzer(lang="ru")
    russian = re.compile(r"[А-ЯЁ][а-яё]+(?:[ -][А-ЯЁа-яё][а-яё]+)*")
    # A Russian name that is another settlement's official name (Осипенко, Berdiansk's name of 1939-58,
    # and the villages Осипенко) is for the text's context to decide, not a city-list sentence.
    official = {name for name, kind in zip(extract.name_text, extract.name_kind) if kind == "official"}
    out: dict[int, str] = {}
    for sidx, name, kind in zip(extract.name_settlement, extract.name_text, extract.name_kind):
        if kind != "russian" or sidx in out or not russian.fullmatch(name) or name in official:
            continue
        words = name.replace("-", " ").split()
        if all(any(p.tag.case == "nomn" and p.is_known for p in morph.parse(w)) for w in words) and any(
            "Geox" in p.tag.grammemes and p.is_known for p in morph.parse(words[-1])
        ):
            out[sidx] = name
    return out


def _inflect(morph, name: str, case: str) -> str | None:
    """``name`` in ``case`` (each word inflected, capitals kept), or None when the dictionary cannot."""
    if case == "nomn":
        return name
    out = []
    for word in name.split(" "):
        parts = []
        for part in word.split("-"):
            p = next((p for p in morph.parse(part) if p.tag.case == "nomn" and p.tag.POS in ("NOUN", "ADJF")), None)
            form = p.inflect({case}) if p is not None else None
            if form is None:
                return None
            text = form.word
            parts.append(text[:1].upper() + text[1:] if part[:1].isupper() else text)
        out.append("-".join(parts))
    return " ".join(out)


def generate(extract, n_per_language: int = SENTENCES_PER_LANGUAGE, seed: int = 11) -> list[dict]:
    """Sentences ``{"lang", "text", "mentions": [(start, end, settlement index)]}``, reproducible by seed."""
    import pymorphy3

    morphs = {"uk": pymorphy3.MorphAnalyzer(lang="uk"), "ru": pymorphy3.MorphAnalyzer(lang="ru")}
    rng = random.Random(seed)
    cities = large_cities(extract)
    russian = _russian_names(extract)
    out = []
    for lang, templates in TEMPLATES.items():
        made = 0
        while made < n_per_language:
            case, template = rng.choice(templates)
            picked = rng.sample(cities, 3)
            names = []
            for sidx in picked:
                s = extract.settlements[sidx]
                base = s.name_en if lang == "en" else russian.get(sidx) if lang == "ru" else s.name_uk
                form = _inflect(morphs[lang], base, case) if base and lang != "en" else base
                names.append(form)
            if not all(names):
                continue
            # Place the names into the template, remembering their spans.
            mentions = []
            pieces = template.split("{")
            text = pieces[0]
            for piece in pieces[1:]:
                k, rest = int(piece[0]), piece[2:]
                start = len(text)
                text += names[k]
                mentions.append((start, len(text), picked[k]))
                text += rest
            out.append({"lang": lang, "text": text, "mentions": mentions})
            made += 1
    return out


def score(sentences: list[dict], find_places) -> dict[str, Counter]:
    """Counter(right, total) per language and ``all``; ``errors`` lists what went wrong."""
    counts: dict[str, Counter] = {"all": Counter()}
    errors = []
    for sent in sentences:
        found = {(m.start, m.end): m for m in find_places(sent["text"])}
        for start, end, sidx in sent["mentions"]:
            m = found.get((start, end))
            ok = m is not None and m.match is not None and m.match.settlement == _settlement(sidx)
            for lang in (sent["lang"], "all"):
                counts.setdefault(lang, Counter()).update(total=1, right=int(ok))
            if not ok:
                got = m.match.label if m is not None and m.match else "ambiguous" if m is not None else "missed"
                errors.append(f"{sent['text'][start:end]} -> {got} ({sent['text']})")
    counts["errors"] = errors  # type: ignore[assignment]
    return counts


def _settlement(sidx: int):
    from gazetteer.store import get_extract

    return get_extract().settlements[sidx]


def run(out_dir: Path) -> str:
    from gazetteer import find_places
    from gazetteer.store import get_extract

    extract = get_extract()
    sentences = generate(extract)
    counts = score(sentences, find_places)
    errors = counts.pop("errors")
    lines = [
        "## Generated city lists",
        "",
        f"{len(sentences)} generated sentences, each listing three of the {len(large_cities(extract))} cities of "
        f"{MIN_POPULATION:,}+ people (nominative and inflected forms; Russian names from the extract). "
        "Right = the city's span resolved to that city. Target >= 99.5%.",
        "",
        "| language | mentions | right |",
        "|---|---|---|",
    ]
    for lang in ("en", "uk", "ru", "all"):
        c = counts.get(lang)
        if c:
            lines.append(f"| {lang} | {c['total']} | {100 * c['right'] / c['total']:.1f}% |")
    if errors:
        lines += ["", "Wrong (first 10): " + "; ".join(errors[:10])]
    return "\n".join(lines) + "\n"
