"""The geoparser by kind of failure, on sentences written for these tests; its safe cache; its word lists."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from gazetteer.geoparse import find_places, lexicon


def resolved(text: str) -> list[tuple[str, str]]:
    """(official name, oblast) of each resolved settlement mention."""
    return [(m.match.name, m.match.settlement.oblast_uk) for m in find_places(text) if m.match]


def unresolved(text: str) -> list[str]:
    return [m.text for m in find_places(text) if m.kind == "settlement" and m.match is None]


def oblasts(text: str) -> list[str]:
    return [m.oblast.name_uk for m in find_places(text) if m.kind == "oblast"]


# -- 1. the text names the region ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Окупанти обстріляли Зелений Гай в Херсонской области.", [("Зелений Гай", "Херсонська")]),
        ("Ворог бив по селу Степове на Миколаївщині.", [("Степове", "Миколаївська")]),
        ("В селе Весёлое Запорожской области погиб мужчина.", [("Веселе", "Запорізька")]),
    ],
)
def test_an_oblast_phrase_next_to_a_shared_village_name_decides(text, expected):
    assert resolved(text) == expected


def test_a_list_under_one_raion_and_oblast_stays_in_that_oblast():
    text = "Під обстріл потрапили села Бериславського району Херсонської області: Миколаївка, Петрівка та Ольгівка."
    assert resolved(text) == [("Миколаївка", "Херсонська"), ("Петрівка", "Херсонська"), ("Ольгівка", "Херсонська")]


def test_a_hromada_phrase_in_english_makes_a_mention_resolve():
    text = "Russian troops shelled a village in the Velykyi Burluk community of Kharkiv region: Hannivka was hit."
    assert resolved(text) == [("Ганнівка", "Харківська")]


def test_a_raion_named_after_its_seat_in_english_is_context_not_the_town():
    text = "The villages of Novoselivka and Petrivka in the Izium district came under fire."
    assert resolved(text) == [("Новоселівка", "Харківська"), ("Петрівка", "Харківська")]


def test_a_russian_raion_adjective_is_context_not_a_settlement():
    # Краматорского района: the raion, not the city Kramatorsk; it puts Андреевке in Donetsk oblast.
    found = resolved("В Андреевке Краматорского района повреждены дома.")
    assert [o for _, o in found] == ["Донецька"] and "Краматорськ" not in [n for n, _ in found]


def test_an_oblast_adjective_before_a_name_is_its_context():
    assert resolved("Враг атаковал харьковскую Ивановку.") == [("Іванівка", "Харківська")]


def test_a_list_of_raion_adjectives_is_context_for_the_next_sentences():
    text = (
        "Обстрелам подверглись населенные пункты Изюмского, Купянского и Харьковского районов. "
        "В поселке Боровая повреждены дома."
    )
    assert resolved(text) == [("Борова", "Харківська")]


# -- 2. co-mentioned places do not pull a city onto a namesake ----------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Shelling in Kramatorsk, Pokrovsk and Mykolaiv continued.",
            [("Краматорськ", "Донецька"), ("Покровськ", "Донецька"), ("Миколаїв", "Миколаївська")],
        ),
        ("Poltava and Kharkiv were attacked by drones.", [("Полтава", "Полтавська"), ("Харків", "Харківська")]),
        (
            "Вибухи пролунали у Краматорську, Слов'янську та Миколаєві.",
            [("Краматорськ", "Донецька"), ("Слов’янськ", "Донецька"), ("Миколаїв", "Миколаївська")],
        ),
    ],
)
def test_large_cities_in_a_list_stay_cities(text, expected):
    assert resolved(text) == expected


def test_a_stated_oblast_still_overrides_a_large_city_of_the_same_name():
    found = resolved("В Каменском под Васильевкой (Запорожская область) открыли пункт выдачи паспортов.")
    assert [o for _, o in found] == ["Запорізька", "Запорізька"]


@pytest.mark.parametrize(
    "text, expected",
    [
        # Львове: the locative of Львов (Lviv) and the nominative of a village in Kherson oblast.
        (
            "Жители Херсона уехали. Во Львове прошел митинг.",
            [("Херсон", "Херсонська"), ("Львів", "Львівська")],
        ),
        ("Из Херсона эвакуировали детей, во Львове их встретили.", [("Херсон", "Херсонська"), ("Львів", "Львівська")]),
        # A stated oblast still makes it the village.
        ("Во Львове Херсонской области прошел митинг.", [("Львове", "Херсонська")]),
    ],
)
def test_after_a_preposition_a_citys_case_form_beats_a_villages_nominative(text, expected):
    assert resolved(text) == expected


def test_villages_after_a_plural_type_word_are_villages():
    # "села Ялта, Запорожье и ...": villages (Donetsk oblast has both), not Yalta in Crimea or the city.
    text = "На этой неделе села Ялта, Запорожье и Новоукраинка снова остались без света."
    assert resolved(text) == [("Ялта", "Донецька"), ("Запоріжжя", "Донецька"), ("Новоукраїнка", "Донецька")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Russian troops shelled the village of Stepnohirsk in Zaporizhzhia.",
            [("Степногірськ", "Запорізька"), ("Запоріжжя", "Запорізька")],
        ),
        (
            "Сили оборони відбили атаку біля села Роботине під Оріховом.",
            [("Роботине", "Запорізька"), ("Оріхів", "Запорізька")],
        ),
    ],
)
def test_a_place_after_a_preposition_is_not_in_the_type_words_list(text, expected):
    # "village of X in Zaporizhzhia": the place after "in" is where X lies, not a second village (it was the
    # village Запоріжжя, not the city: the list rule of "села Ялта, Запорожье" had spread across "in").
    got = [(m.match.name_uk, m.match.settlement.oblast_uk) for m in find_places(text) if m.match is not None]
    assert got == expected
    cities = [m for m in find_places(text) if m.match is not None and m.match.settlement.category in "MK"]
    assert len(cities) == 1


@pytest.mark.parametrize(
    ("text", "written", "name"),
    [
        (
            "Russian forces shelled the village of Stepnohirske in the Zaporizhzhia region.",
            "Stepnohirske",
            "Степногірськ",
        ),
        ("Ukrainian troops entered the village of Novoselivkka, Kharkiv oblast.", "Novoselivkka", "Новоселівка"),
        ("Explosions were heard in the town of Kramatorske overnight.", "Kramatorske", "Краматорськ"),
    ],
)
def test_a_latin_name_no_form_matches_after_a_type_word_is_looked_up(text, written, name):
    # English news writes names with another ending or a slip of a letter ("the village of Stepnohirske" for
    # Степногірськ): after "<type word> of" the resolver's candidates of that type stand, and the text's
    # region chooses among them.
    found = [m for m in find_places(text) if m.match is not None and m.match.settlement.category in "CXM"]
    assert [(m.text, m.match.name_uk) for m in found] == [(written, name)]


def test_a_latin_word_after_a_type_word_the_resolver_does_not_find_is_nothing():
    # The cue alone makes no place: "the village of Smith" and a city abroad stay out.
    text = "He grew up in the village of Smithfield and later moved to the city of London."
    assert [m for m in find_places(text) if m.kind == "settlement"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Уночі в Києві на Троєщині та на Оболоні працювала ППО.", [("Київ", "Київ")]),
        ("Під Харковом, у Пісочині, зникло світло.", [("Харків", "Харківська"), ("Пісочин", "Харківська")]),
        ("The Kyiv-Odesa road was closed.", [("Київ", "Київ"), ("Одеса", "Одеська")]),
    ],
)
def test_a_part_of_a_city_the_sentence_names_is_not_a_village_elsewhere(text, expected):
    # Troieshchyna is Kyiv's; the village Троєщина lies in Khmelnytska oblast. A suburb that is a settlement
    # of the city's oblast, and a city beside another city's district of the same name, stay.
    assert resolved(text) == expected


def test_a_part_of_a_city_alone_is_still_read_as_a_place():
    assert [m.text for m in find_places("Вибухи чули на Троєщині.")] == ["Троєщині"]


# -- 3. not places ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Владимир Путин заявил о переговорах.",
        "Sumy regional governor Volodymyr Artiukh said two people were injured.",
        "Zorya Luhansk beat Chornomorets Odesa 2-1.",
        "ЗСУ відбили атаки біля Донця.",
        "Odessa, Texas is a city in the United States.",
        "Belgorod region's Shebekino was shelled again.",
        "У селі вмикали сирени, Світло зникло.",
        "Бойцы корпуса «Азов» заняли оборону.",
        "В Брянской области объявили тревогу.",
    ],
)
def test_non_places_are_not_settlements(text):
    assert resolved(text) == [] and unresolved(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        # A surname the dictionary does not know (Труханов reads as the village Труханів) after a first name.
        ("Мэр Одессы Геннадий Труханов заявил.", [("Одеса", "Одеська")]),
        ("Мер Одеси Геннадій Труханов заявив.", [("Одеса", "Одеська")]),
        ("Hennadiy Trukhanov said the port was hit.", []),
        ("Командувач Олександр Тарнавський прибув до Харкова.", [("Харків", "Харківська")]),
        ("Памятник Богдану Хмельницкому открыли в Киеве.", [("Київ", "Київ")]),
        # Surname, first name, patronymic.
        ("Труханов Геннадий Леонидович подписал распоряжение.", []),
        # A first name that is also a town's name, before a surname.
        ("Зустріч Володимира Зеленського відбулася в Ірпені.", [("Ірпінь", "Київська")]),
        # Still places: a first name that is a common word, a town's name before its region, a hyphen.
        ("Слава Мариуполю!", [("Маріуполь", "Донецька")]),
        ("Обстріляли Володимир Волинської області.", [("Володимир", "Волинська")]),
        ("В Одессе Геннадий Труханов открыл школу.", [("Одеса", "Одеська")]),
    ],
)
def test_a_word_next_to_a_first_name_is_a_persons_name(text, expected):
    assert resolved(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # An adjective before a sea, lake or estuary word in small letters names the water.
        ("Шторм в Черном море затопил набережную Одессы.", [("Одеса", "Одеська")]),
        ("Дрон упал в Азовское море у Бердянска.", [("Бердянськ", "Запорізька")]),
        ("В Днепровском лимане нашли мину.", []),
        # In capitals the water word is part of a name (the village Сухий Лиман).
        ("Вибухи чули в Лимані та Сухому Лимані.", [("Лиман", "Одеська"), ("Сухий Лиман", "Одеська")]),
    ],
)
def test_a_sea_or_lake_after_an_adjective_is_water_not_a_village(text, expected):
    assert resolved(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # An English title before a surname is a person; after a city it is the city's official.
        ("Mayor Trukhanov said the port was hit.", []),
        ("Kharkiv Mayor Ihor Terekhov said the metro was closed.", [("Харків", "Харківська")]),
        ("Odesa Governor Oleh Kiper reported damage.", [("Одеса", "Одеська")]),
    ],
)
def test_an_english_title_marks_a_person_not_a_place(text, expected):
    assert resolved(text) == expected


def test_an_oblast_body_is_an_oblast_mention():
    assert oblasts("Запорізька обласна прокуратура відкрила провадження.") == ["Запорізька"]
    assert oblasts("Donetsk Regional Military Administration reported three wounded.") == ["Донецька"]


# -- 4. places that used to be dropped ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("В поселке Счастье восстановили водоснабжение.", [("Щастя", "Луганська")]),
        (
            "У Миколаєві та Новій Каховці лунали вибухи.",
            [("Миколаїв", "Миколаївська"), ("Нова Каховка", "Херсонська")],
        ),
        ("Взрывы прогремели в Кривом Роге.", [("Кривий Ріг", "Дніпропетровська")]),
        (
            "Fighting continues on the Siversk-Lysychansk direction.",
            [("Сіверськ", "Донецька"), ("Лисичанськ", "Луганська")],
        ),
        ("The Kurakhove-Pokrovsk road is under fire.", [("Курахове", "Донецька"), ("Покровськ", "Донецька")]),
        (
            "Heavy fighting in the Bakhmut area and near the Kupiansk city.",
            [("Бахмут", "Донецька"), ("Куп’янськ", "Харківська")],
        ),
        ("В Новотроицком Покровской громады погиб мужчина.", [("Новотроїцьке", "Донецька")]),
    ],
)
def test_places_that_were_dropped_are_found(text, expected):
    assert resolved(text) == expected


# A Russian name in -ень/-ль that the dictionary reads as feminine (Ирпень like сирень) is declined as
# masculine too: в Ирпене, под Ирпенем (the feminine в Ирпени stays).
@pytest.mark.parametrize(
    "text, expected",
    [
        ("В Ирпене слышали сирены.", [("Ірпінь", "Київська")]),
        ("В Буче и Ирпене работали спасатели.", [("Буча", "Київська"), ("Ірпінь", "Київська")]),
        ("Жители вернулись в Ирпени.", [("Ірпінь", "Київська")]),
    ],
)
def test_a_russian_soft_sign_name_read_as_feminine_has_masculine_forms(text, expected):
    assert resolved(text) == expected


def test_masculine_forms_go_only_to_russian_names_in_en_and_vowel_l():
    forms = lexicon.inflections
    assert {"ирпене", "ирпеня", "ирпенем"} <= forms("ru", "Ирпень")
    assert {"фрейдентале", "хотене"} <= forms("ru", "Фрейденталь") | forms("ru", "Хотень")
    # -ань names are feminine (в Умани), a known common noun keeps its paradigm, Ukrainian spellings are
    # not Russian words.
    assert "умане" not in forms("ru", "Умань") and "купеле" not in forms("ru", "Купель")
    assert "ірпіне" not in forms("ru", "Ірпінь")


# -- 5. a Russian or former name colliding with another settlement's official name ------------------
def test_the_stated_region_decides_a_russian_name_that_is_another_official_name():
    # Ольховатка: the Russian name of Вільхуватка (Kharkiv) and the official name of a Donetsk settlement.
    assert resolved("В Харьковской области, в селе Ольховатка, повреждены дома.") == [("Вільхуватка", "Харківська")]
    assert resolved("В Донецкой области, в поселке Ольховатка, повреждены дома.") == [("Ольховатка", "Донецька")]


def test_a_russian_form_reaches_a_village_without_a_russian_name():
    # Сосновка is the Russian name of several Соснівка; the one in Dnipropetrovsk oblast has none.
    assert resolved("Армия заняла село Сосновка в Днепропетровской области.") == [("Соснівка", "Дніпропетровська")]


# -- 6. region phrases --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, oblast",
    [
        ("Shelling hit the region of Kharkiv overnight.", "Харківська"),
        ("Russian forces occupy parts of Zaporizhzhia.", "Запорізька"),
    ],
)
def test_region_phrases_are_oblast_mentions(text, oblast):
    assert oblasts(text) == [oblast] and resolved(text) == []


def test_the_outskirts_of_a_city_are_the_city():
    assert resolved("Residents on the outskirts of Kherson were told to stay in shelters.") == [
        ("Херсон", "Херсонська")
    ]


# -- the forms cache cannot run code ------------------------------------------------------------------
class _Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_planted_pickle_in_the_cache_folder_is_never_loaded(tmp_path, monkeypatch):
    import pickle

    assert resolved("Біля Кіндрашівки тривають бої.") == [("Кіндрашівка", "Харківська")]  # tables built
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lexicon, "_read_shipped", lambda path=None: {})  # force the cache path
    manifest = {"planted": True}
    payload = pickle.dumps(_Boom())
    (tmp_path / "text-forms-0123456789abcdef.pickle").write_bytes(payload)  # the old cache's name
    lexicon._cache_file(manifest).write_bytes(payload)  # and the very file the loader reads
    forms = lexicon.forms_lexicon({("uk", "Кіндрашівка")}, manifest)
    assert not (tmp_path / "PWNED").exists()
    assert " kindrashivci " in forms[("uk", "Кіндрашівка")]
    assert resolved("Біля Кіндрашівки тривають бої.") == [("Кіндрашівка", "Харківська")]
    assert not (tmp_path / "PWNED").exists()


def test_a_cache_file_of_the_wrong_shape_or_checksum_is_ignored_and_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    monkeypatch.setattr(lexicon, "SHIPPED_FORMS", tmp_path / "none.tsv.gz")
    monkeypatch.setattr(lexicon, "_read_shipped", lambda path=None: {})
    manifest = {"test": "shape"}
    path = lexicon._cache_file(manifest)
    wanted = {("uk", "Кіндрашівка")}
    good = lexicon.forms_lexicon(wanted, manifest)
    assert path.exists() and lexicon.read_cache(path) == good
    body = json.dumps({"not": "a list"}).encode()
    bad_shape = json.dumps(
        {"format": "gazetteer-name-forms", "version": lexicon._stamp(), "sha256": hashlib.sha256(body).hexdigest()}
    )
    for raw in (
        bad_shape.encode() + b"\n" + body,  # right checksum, wrong shape
        path.read_bytes().replace(b"kindrash", b"KINDRASH"),  # body changed: checksum mismatch
        b"\x80\x04garbage",  # not JSON at all
    ):
        path.write_bytes(raw)
        assert lexicon.read_cache(path) is None
        assert lexicon.forms_lexicon(wanted, manifest) == good  # rebuilt ...
        assert lexicon.read_cache(path) == good  # ... and rewritten


def test_find_places_works_with_a_damaged_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    (tmp_path / "text-forms-0000000000000000.json").write_text("[[1, 2, 3]]")
    assert resolved("Під Бахмутом бої.") == [("Бахмут", "Донецька")]


def test_the_shipped_forms_match_what_pymorphy_gives_now():
    shipped = lexicon._read_shipped()
    assert shipped, "name_forms.tsv.gz is missing or of another FORMS_VERSION/KEY_VERSION: regenerate it"
    sample = sorted(shipped)[:: max(1, len(shipped) // 60)]
    assert all(shipped[k] == lexicon.form_patterns(*k) for k in sample)


def test_the_shipped_forms_cover_most_names_of_the_bundled_extract():
    from gazetteer.resolve import default_resolver

    resolver = default_resolver()
    wanted = set(lexicon._settlement_wants(resolver.extract))
    shipped = lexicon._read_shipped()
    # Names the lexicon lacks are inflected at first use (slow when many): regenerate after data changes.
    assert len(wanted & shipped.keys()) >= 0.95 * len(wanted)


# -- word lists live in one place -------------------------------------------------------------------
def test_word_lists_are_data_files_read_by_every_stage():
    from gazetteer.words import word_list, word_table

    folder = Path(lexicon.__file__).parent.parent / "words"
    for path in folder.glob("*.txt"):
        assert word_list(path.stem), path.name
    assert ("село", "C") in word_table("type_words")
    # No stage keeps its own copy of a list: the geoparser's modules hold no literal type words.
    geoparse = Path(lexicon.__file__).parent
    for module in geoparse.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert '"селище"' not in text and '"районі"' not in text, module.name


# -- measured sets ----------------------------------------------------------------------------------
def test_generated_city_lists_resolve_every_city_as_itself():
    from benchmarks.city_lists import generate, score
    from gazetteer.store import get_extract

    counts = score(generate(get_extract(), n_per_language=40, seed=3), find_places)
    errors = counts.pop("errors")
    assert counts["all"]["right"] >= 0.995 * counts["all"]["total"], errors[:5]


def test_real_news_development_set_meets_the_targets_where_present():
    from benchmarks.real_news import EVAL, evaluate, load_passages

    if not EVAL.exists():
        pytest.skip("../shared/eval is not beside this checkout")
    result = evaluate(load_passages())
    for lang, counts in result.items():
        c = counts["settlement"]
        assert c["tp"] >= 0.88 * c["gold"], (lang, dict(c))
    c = result["all"]["settlement"]
    assert c["tp"] >= 0.95 * c["pred"] and c["tp"] >= 0.92 * c["gold"], dict(c)


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("tty", [True, False])
def test_a_slow_first_build_says_so_on_a_terminal_only(monkeypatch, tty):
    import sys
    import time

    term = _Terminal(tty)
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(lexicon, "PROGRESS_AFTER_S", 0.05)
    with lexicon._Notice("preparing tables"):
        time.sleep(0.3)
    assert ("preparing tables ... done in" in term.text) is tty
    term.text = ""
    with lexicon._Notice("quick step"):
        pass
    assert term.text == ""


def test_a_word_longer_than_any_name_is_skipped_not_an_error():
    # fold_key refuses over-long text (InvalidText); one such word must not cost the whole text its places.
    from gazetteer.normalize import MAX_FOLD_LENGTH

    text = "Обстріл у Харкові, " + "а" * (MAX_FOLD_LENGTH + 500) + " і у Бахмуті. Lone \ud800 surrogate in Kyiv."
    names = {m.match.name_uk for m in find_places(text) if m.match is not None}
    assert {"Харків", "Бахмут", "Київ"} <= names


# -- the tables' snapshot in the cache folder ---------------------------------------------------------
@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, resolver):
    """A cache folder holding the snapshot written on first use, and the parts it was written from."""
    folder = tmp_path_factory.mktemp("geoparse-snapshot")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAZETTEER_CACHE", str(folder))
        built: list = []
        real = lexicon.build_parts
        mp.setattr(lexicon, "build_parts", lambda r: built.append(real(r)) or built[-1])
        lexicon.snapshot_tables(resolver)
        meta = lexicon.snapshot_meta(resolver)
        path = lexicon.snapshot_path(meta)
    assert len(built) == 1 and path.exists()
    return folder, path, meta, built[0]


def _same_parts(a: lexicon.TableParts, b: lexicon.TableParts) -> bool:
    return (a.patterns, a.gids, a.groups, a.centre_of, a.unit_stems) == (
        b.patterns,
        b.gids,
        b.groups,
        b.centre_of,
        b.unit_stems,
    )


def test_the_snapshot_reads_back_exactly_what_a_fresh_build_makes(snapshot, resolver, monkeypatch):
    folder, path, meta, built = snapshot
    stored = lexicon.read_snapshot(path, meta)
    assert stored is not None and _same_parts(stored, built)
    assert len(stored.patterns) > 100_000 and stored.centre_of  # the real tables, not an empty shell
    # A second process start reads the snapshot and builds nothing.
    monkeypatch.setenv("GAZETTEER_CACHE", str(folder))
    monkeypatch.setattr(lexicon, "build_parts", lambda r: pytest.fail("built although a snapshot exists"))
    tables = lexicon.snapshot_tables(resolver)
    hits = {tables.groups[v >> 28] for _end, v in tables.automaton.iter(" kupiansk ")}
    assert any(e[0] == "s" and resolver.extract.settlements[e[1]].name_uk == "Куп’янськ" for g in hits for e in g)


def test_a_stale_snapshot_is_not_read(snapshot, resolver):
    _folder, path, meta, _built = snapshot
    for key, value in (("words", "0" * 64), ("extract", "0" * 64), ("code", "0" * 64), ("version", -1)):
        assert lexicon.read_snapshot(path, {**meta, key: value}) is None, key
    # What the snapshot is keyed by really follows its sources.
    assert lexicon.snapshot_meta(resolver) == meta


def test_a_damaged_snapshot_is_rebuilt_and_rewritten(snapshot, resolver, monkeypatch, tmp_path):
    _folder, path, meta, built = snapshot
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    target = lexicon.snapshot_path(meta)
    good = path.read_bytes()
    calls: list = []
    monkeypatch.setattr(lexicon, "build_parts", lambda r: calls.append(1) or built)
    middle = len(good) // 2
    for raw in (
        good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1 :],  # one byte flipped: checksum
        good[: len(good) - 10],  # cut short
        b"gazetteer-cache 1\n" + b"\xff" * 64,  # not even a header
    ):
        target.write_bytes(raw)
        assert lexicon.read_snapshot(target, meta) is None
        lexicon.snapshot_tables(resolver)
        assert calls and lexicon.read_snapshot(target, meta) is not None  # rebuilt and rewritten
        calls.clear()


def test_a_snapshot_of_the_wrong_shape_is_rebuilt(snapshot, resolver, monkeypatch, tmp_path):
    from gazetteer import cachefile

    _folder, _path, meta, built = snapshot
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path))
    target = lexicon.snapshot_path(meta)
    calls: list = []
    monkeypatch.setattr(lexicon, "build_parts", lambda r: calls.append(1) or built)
    parts = [built.patterns, built.gids, built.groups, built.centre_of, built.unit_stems]
    for n, wrong in (
        (1, [len(built.groups) + 5] * len(built.gids)),  # groups that do not exist
        (2, [("s", "not a tuple")]),  # entries of the wrong shape
        (0, [1] * len(built.patterns)),  # patterns that are not text: the automaton refuses them
    ):
        bad = list(parts)
        bad[n] = wrong
        cachefile.save(target, meta, [cachefile.dumps(p) for p in bad])  # right checksum, wrong shape
        assert (lexicon.read_snapshot(target, meta) is None) is (n != 0)
        lexicon.snapshot_tables(resolver)
        assert calls, n
        assert _same_parts(lexicon.read_snapshot(target, meta), built)
        calls.clear()


# -- long texts: bounded memory -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        'Вибухи у Харкові й Ізюмі.\n\nA strike on Kupiansk; "quoted" Odesa.',
        "Нічого тут немає.",
    ],
)
def test_parse_command_writes_the_mentions_one_by_one_exactly_as_one_json_dump(text, tmp_path, capsys) -> None:
    from gazetteer.cli import main

    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["parse", str(path)]) == 0
    out = capsys.readouterr().out
    expected = json.dumps([m.to_dict() for m in find_places(text)], ensure_ascii=False, indent=2)
    assert out == expected + "\n"


_PARAGRAPHS = [
    "Учора ввечері у Балаклії Харківської області пролунали вибухи. Рятувальники працювали до ранку.",
    "In Kupiansk and Izium, Kharkiv Oblast, the power came back after noon. Schools stay closed.",
    "Під Бахмутом тривають бої, повідомили в Донецькій області. Евакуація триває.",
    "Жителей Никополя Днепропетровской области снова предупредили об обстреле. Свет есть.",
    "Мер Одеси розповів про ремонт порту. Ізмаїл і Рені теж чекають на кошти.",
]


def _long_text(n: int) -> str:
    return "\n\n".join(_PARAGRAPHS[k % len(_PARAGRAPHS)] + f" Випуск {k}." for k in range(n))


def _answers(mentions) -> list[tuple]:
    return [(m.start, m.end, m.text, m.kind, m.score, m.match.settlement.id if m.match else None) for m in mentions]


def test_long_text_read_in_windows_gives_the_whole_texts_answers_at_the_documents_offsets(monkeypatch) -> None:
    import gazetteer.geoparse as gp

    text = _long_text(120)
    whole = gp.find_places(text)
    monkeypatch.setattr(gp, "WINDOW", 2_000)
    monkeypatch.setattr(gp, "MARGIN", 400)
    spans = gp.windows(text)
    assert len(spans) > 5  # really read in windows
    assert spans[0][1] == 0 and spans[-1][2] == len(text)
    assert all(b == a2 for (_, _, b, _), (_, a2, _, _) in zip(spans, spans[1:]))  # cores cover the text once
    assert all(text[a - 2 : a] == "\n\n" for _, a, _, _ in spans[1:])  # cut at paragraph ends
    windowed = list(gp.iter_places(text))
    assert _answers(windowed) == _answers(whole)
    assert all(text[m.start : m.end] == m.text for m in windowed)


def test_long_text_without_paragraphs_is_cut_between_sentences_or_words(monkeypatch) -> None:
    import gazetteer.geoparse as gp

    monkeypatch.setattr(gp, "WINDOW", 300)
    monkeypatch.setattr(gp, "MARGIN", 100)
    text = " ".join(_PARAGRAPHS * 10)
    for _, a, _, _ in gp.windows(text)[1:]:
        assert text[a - 1].isspace() and not text[a].isspace()
    no_space = "Київ" * 200
    spans = gp.windows(no_space)
    assert spans[-1][2] == len(no_space) and all(a < b for _, a, b, _ in spans)


# -- a namesake abroad: its state or country after it, whatever follows ------------------------------
@pytest.mark.parametrize(
    "text, kept",
    [
        ("The port town of Odessa, Texas, and Lviv signed a twinning deal.", ["Львів"]),
        ("A rodeo in the town of Odessa, Texas.", []),
        ("Flights to Odessa, TX, and to Kyiv were delayed.", ["Київ"]),
        ("Odessa, U.S., hosted a fair; Kharkiv did too.", ["Харків"]),
        ("Місто Одеса, штат Техас, і Рівне мають спільну виставку.", ["Рівне"]),
        ("Odessa, state of Texas, and Poltava exchanged students.", ["Полтава"]),
        # Not a qualifier: a code in small letters, a Russian region that is also a city in a list.
        ("Odessa, us and the sea: a memoir.", ["Одеса"]),
        ("Drones hit Kharkiv, Kursk and Belgorod overnight.", ["Харків"]),
        ("Місто Одеса, Україна, прийняло гостей.", ["Одеса"]),
    ],
)
def test_a_place_with_a_state_or_country_abroad_after_it_is_a_namesake_abroad(text, kept) -> None:
    assert [name for name, _ in resolved(text)] == kept


def test_find_places_leaves_the_garbage_collector_as_it_found_it(monkeypatch) -> None:
    """The collector is paused while a window is read (see gazetteer.geoparse._places); whatever happens,
    it is on again afterwards if it was on, and stays off if the caller had turned it off."""
    import gc

    import gazetteer.geoparse as gp

    text = "Вибухи у Харкові та Ізюмі."
    was = gc.isenabled()
    try:
        gc.enable()
        assert [m.match.name for m in gp.find_places(text)] == ["Харків", "Ізюм"]
        assert gc.isenabled()
        gc.disable()
        gp.find_places(text)
        assert not gc.isenabled()
        gc.enable()

        def boom(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(gp, "disambiguate", boom)
        with pytest.raises(RuntimeError, match="boom"):
            gp.find_places(text)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


# -- the resolver's map of case forms --------------------------------------------------------------------
def _automaton_readings(tables: lexicon.Tables, pat: str) -> tuple:
    """What the automaton says a whole pattern names: its settlements' (index, score, nominative key)."""
    found = []
    for _end, value in tables.automaton.iter(pat):
        length, _words, gid = lexicon.unpack(value)
        if length == len(pat):
            found.extend((e[1], e[2], e[3]) for e in tables.groups[gid] if e[0] == "s")
    return tuple(found)


def _fresh_form_map(monkeypatch, folder, resolver):
    monkeypatch.setenv("GAZETTEER_CACHE", str(folder))
    monkeypatch.setattr(lexicon, "_FORM_MAPS", {})
    return lexicon.form_map(resolver)


def test_the_form_map_reads_as_the_automaton_does(snapshot, resolver, monkeypatch):
    folder, _path, _meta, parts = snapshot
    tables = lexicon.assemble(resolver, parts)
    forms = _fresh_form_map(monkeypatch, folder, resolver)
    rng = random.Random(5)
    sample = rng.sample(parts.patterns, 3000) + [" kupiansku ", " харкові ", " no such place here "]
    named = 0
    for pat in sample:
        expected = _automaton_readings(tables, pat)
        assert tuple(forms.get(pat, ())) == expected, pat
        named += bool(expected)
    assert named > 1000  # the sample holds settlements' forms, not only oblasts'


def test_the_form_map_is_read_back_without_building_and_remade_when_damaged(snapshot, resolver, monkeypatch):
    folder, _path, _meta, _parts = snapshot
    first = dict(_fresh_form_map(monkeypatch, folder, resolver))
    (stored,) = folder.glob("resolver-forms-*.bin")
    good = stored.read_bytes()

    def no_build(*args):
        raise AssertionError("built again")

    with monkeypatch.context() as mp:
        mp.setattr(lexicon, "build_parts", no_build)
        mp.setattr(lexicon, "read_snapshot", no_build)
        assert dict(_fresh_form_map(mp, folder, resolver)) == first
    damaged = bytearray(good)
    damaged[-5] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    assert dict(_fresh_form_map(monkeypatch, folder, resolver)) == first
    assert stored.read_bytes() == good
    assert resolver.lookup("у Куп'янську").match.name_uk == "Куп’янськ"


@pytest.mark.parametrize(
    "text",
    [
        "Утром обстреляли Марково и соседние поля Донецкой области.",
        "Жители Марково в Донецкой области получили гуманитарную помощь.",
    ],
)
def test_a_spelling_recorded_for_one_namesake_names_them_all(text):
    """GeoNames records "Markovo" for the Crimean Маркове only; the Russian "Марково" in a text about
    Donetsk oblast is the Donetsk namesake, which the text's region then picks (as the resolver does)."""
    from gazetteer.resolve import default_resolver

    [village] = [m for m in find_places(text) if m.kind == "settlement"]
    assert village.match is not None and village.match.name == "Маркове"
    assert village.match.settlement.oblast_uk == "Донецька"
    # The Donetsk village carries no spelling "Markovo" of its own: it came in as a namesake.
    ex = default_resolver().extract
    own = {ex.name_text[j] for j, s in enumerate(ex.name_settlement) if ex.settlements[s].id == village.match.id}
    assert not any(n.casefold() in ("markovo", "марково") for n in own)
