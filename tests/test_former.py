"""Former official names: derivation from classifier editions (tiny made-up editions), Russian forms,
the hand-checked merge, the extract rows and the Match fields."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gazetteer.build.former import (
    CRIMEA_ACT,
    Edition,
    FormerBuild,
    change_kind,
    city_districts,
    derive_former_names,
    display_case,
    follow_codes,
    former_table,
    merge_hand_checked,
    name_variants,
    old_raions,
    read_koatuu,
    read_transition,
    read_word_table,
    russian_name,
    unit_name_rows,
)
from gazetteer.normalize import fold_key

SOURCES = Path(__file__).resolve().parents[1] / "gazetteer" / "build" / "sources"


def koatuu(date: str, names: dict[str, tuple[str, str]]) -> Edition:
    return Edition(f"KOATUU {date}", date, "koatuu", names)


def katottg(date: str, names: dict[str, tuple[str, str]]) -> Edition:
    return Edition(f"KATOTTG {date}", date, "katottg", names)


@pytest.fixture(scope="module")
def words() -> list[tuple[str, str, str]]:
    with open(SOURCES / "russian_name_words.csv", encoding="utf-8", newline="") as fh:
        return read_word_table(csv.DictReader(fh))


# -- derivation ---------------------------------------------------------------------------------------


def test_a_renaming_keeps_its_code_and_gives_the_former_name_with_its_year() -> None:
    eds = [
        koatuu("2015-07-15", {"5310100001": ("С", "ЖОВТНЕВЕ")}),
        koatuu("2016-05-01", {"5310100001": ("С", "ЖОВТНЕВЕ")}),
        koatuu("2016-11-30", {"5310100001": ("С", "ПОКРОВСЬКЕ")}),
    ]
    [f] = derive_former_names(eds, {"5310100001": "UA53X"}, {"UA53X": "Покровське"})
    assert (f.old_name, f.new_name, f.change, f.years) == ("Жовтневе", "Покровське", "rename", "till 2016")
    assert (f.last_seen, f.first_new) == ("KOATUU 2016-05-01", "KOATUU 2016-11-30")


def test_a_small_official_respelling_is_a_spelling_change_bounded_by_its_editions() -> None:
    eds = [
        koatuu("2020-11-26", {"1200000001": ("С", "ПІДГОРОДНЕ")}),
        katottg("2021-01-12", {"UA12X": ("C", "Підгородне")}),
        katottg("2024-01-19", {"UA12X": ("C", "Підгородне")}),
        katottg("2025-05-16", {"UA12X": ("C", "Підгороднє")}),
    ]
    [f] = derive_former_names(eds, {"1200000001": "UA12X"}, {"UA12X": "Підгороднє"})
    assert (f.old_name, f.change) == ("Підгородне", "spelling")
    assert f.to_window == (2024, 2025) and f.years == "till 2024/2025"


def test_a_code_recoded_in_2020_is_followed_by_name_within_its_raion() -> None:
    eds = [
        koatuu("2015-07-15", {"5322480501": ("С", "ЧЕРВОНЕ"), "5322480502": ("С", "ЛУКИ")}),
        koatuu("2019-01-31", {"5322480501": ("С", "ЛУГОВЕ"), "5322480502": ("С", "ЛУКИ")}),
        koatuu("2020-11-26", {"5322488801": ("С", "ЛУГОВЕ"), "5322480502": ("С", "ЛУКИ")}),
    ]
    transition = {"5322488801": "UA53A", "5322480502": "UA53B"}
    former = derive_former_names(eds, transition, {"UA53A": "Лугове", "UA53B": "Луки"})
    assert [(f.settlement_id, f.old_name) for f in former] == [("UA53A", "Червоне")]
    assert follow_codes(eds, transition).codes["UA53A"] == ["5322480501", "5322480501", "5322488801"]


def test_a_recode_in_another_raion_is_not_followed_by_name_when_the_name_is_not_unique() -> None:
    eds = [
        koatuu("2019-01-31", {"5322480501": ("С", "ЛУГОВЕ"), "5322580501": ("С", "ЛУГОВЕ")}),
        koatuu("2020-11-26", {"5399988801": ("С", "ЛУГОВЕ"), "5399988802": ("С", "ЛУГОВЕ")}),
    ]
    chains = follow_codes(eds, {"5399988801": "UA53A"})
    assert chains.codes["UA53A"][0] is None


def test_crimea_renamings_missing_from_koatuu_are_dated_to_the_2016_resolution() -> None:
    eds = [
        koatuu("2015-07-15", {"0123456701": ("С", "ВОЙКОВЕ")}),
        koatuu("2020-11-26", {"0123456701": ("С", "ВОЙКОВЕ")}),
        katottg("2021-01-12", {"UA01X": ("C", "Айбар")}),
    ]
    [f] = derive_former_names(eds, {"0123456701": "UA01X"}, {"UA01X": "Айбар"})
    assert (f.old_name, f.years, f.act) == ("Войкове", "till 2016", CRIMEA_ACT)


def test_the_same_change_outside_crimea_keeps_the_window_between_the_two_classifiers() -> None:
    eds = [
        koatuu("2020-11-26", {"5323456701": ("С", "ЗАРІЧНЕ")}),
        katottg("2021-01-12", {"UA53X": ("C", "Боголюбове")}),
    ]
    [f] = derive_former_names(eds, {"5323456701": "UA53X"}, {"UA53X": "Боголюбове"})
    assert f.years == "till 2020/2021" and f.act == ""


def test_a_misprint_in_one_edition_is_not_a_former_name() -> None:
    eds = [
        koatuu("2017-01-23", {"1": ("С", "ГЛИБОКЕ")}),
        koatuu("2017-02-14", {"1": ("С", "ГЛИБОКК")}),
        koatuu("2017-09-15", {"1": ("С", "ГЛИБОКЕ")}),
    ]
    assert derive_former_names(eds, {"1": "UA1"}, {"UA1": "Глибоке"}) == []


def test_a_name_carried_between_two_renamings_has_both_years() -> None:
    eds = [
        koatuu("2015-07-15", {"1": ("Т", "КУЙБИШЕВЕ")}),
        koatuu("2016-11-30", {"1": ("Т", "БІЛЬМАК")}),
        koatuu("2020-11-26", {"1": ("Т", "БІЛЬМАК")}),
        katottg("2024-01-19", {"UA1": ("X", "Більмак")}),
        katottg("2025-05-16", {"UA1": ("X", "Кам’янка")}),
    ]
    former = {f.old_name: f.years for f in derive_former_names(eds, {"1": "UA1"}, {"UA1": "Кам’янка"})}
    assert former == {"Куйбишеве": "till 2015/2016", "Більмак": "2016–2024/2025"}


def test_koatuu_files_with_nine_digit_codes_and_either_separator_read_alike() -> None:
    comma = read_koatuu("TE,NP,NU\n110100000,,СІМФЕРОПОЛЬ\n123456701,С,ЖОВТНЕВЕ\n")
    semi = read_koatuu("TE;NP;NU\n0110100000;;СІМФЕРОПОЛЬ\n0123456701;С;ЖОВТНЕВЕ\n")
    assert comma == semi and comma["0123456701"] == ("С", "ЖОВТНЕВЕ")


def test_the_transition_table_reads_cyrillic_and_latin_category_letters() -> None:
    text = "TE;NP;NU;Код;Категорія;Назва\n0110165601;Щ;БІТУМНЕ;UA01A;Х;Бітумне\n0110100000;;СІМФЕРОПОЛЬ;UA01B;M;Сімферополь\n0110136300;Р;ЗАЛІЗНИЧНИЙ;UA01C;В;Залізничний\n"
    assert read_transition(text) == {"0110165601": "UA01A", "0110100000": "UA01B"}


def test_capital_names_take_the_case_of_the_current_name_or_each_word_capitalised() -> None:
    assert display_case("ЧЕРВОНА ЗІРКА") == "Червона Зірка"
    assert display_case("М.КИЇВ") == "Київ"
    assert display_case("РОСТОВ-НА-ДОНУ") == "Ростов-на-Дону"
    assert display_case("ГЛУХІВ-ДРУГИЙ", "Глухів Другий") == "Глухів-Другий"


def test_change_kind_tells_a_respelling_from_a_renaming() -> None:
    assert change_kind("Юр’ївка", "Юріївка") == "spelling"
    assert change_kind("Жовтневе", "Покровське") == "rename"
    assert change_kind("Рудне", "Рудно") == "spelling"


# -- Russian forms --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uk", "ru"),
    [
        ("Жовтневе", "Октябрьское"),
        ("Червона Зірка", "Красная Звезда"),
        ("Червоноармійськ", "Красноармейск"),
        ("Іллічівськ", "Ильичёвск"),
        ("Комсомольське", "Комсомольское"),
        ("Кіровське", "Кировское"),
        ("Артемівськ", "Артемовск"),
        ("Першотравневе", "Первомайское"),
        ("Нова Олександрівка", "Новая Александровка"),
        ("Червоний Промінь", "Красный Луч"),
    ],
)
def test_russian_forms_of_soviet_era_names_translate_their_words(words, uk: str, ru: str) -> None:
    assert russian_name(uk, words) == ru


def test_the_word_table_refuses_a_row_without_a_match_kind() -> None:
    from gazetteer.errors import BuildError

    with pytest.raises(BuildError):
        read_word_table([{"uk": "Зірка", "ru": "Звезда", "match": ""}])


# -- the hand-checked merge -----------------------------------------------------------------------------


def _two_renamed() -> list:
    eds = [
        koatuu("2024-01-19", {}),
        katottg("2024-01-19", {"UA59A": ("C", "Першотравневе"), "UA59B": ("X", "Діброва")}),
        katottg("2025-05-16", {"UA59A": ("C", "Діброва"), "UA59B": ("X", "Діброва")}),
    ]
    return derive_former_names(eds, {}, {"UA59A": "Діброва", "UA59B": "Діброва"})


def test_a_hand_checked_act_pins_the_year_of_the_same_former_name() -> None:
    hand = [{"settlement_id": "UA59A", "old_name_uk": "Першотравневе", "new_name_uk": "Діброва", "year": "2024",
             "source": "resolution of 19 Sep 2024", "old_name_ru": "Первомайское"}]  # fmt: skip
    merged, disagreements = merge_hand_checked(_two_renamed(), hand, {"UA59A", "UA59B"})
    [f] = merged
    assert (f.years, f.act, f.source, f.old_name_ru) == (
        "till 2024",
        "resolution of 19 Sep 2024",
        "both",
        "Первомайское",
    )
    assert disagreements == []


def test_a_hand_row_on_the_wrong_homonym_moves_to_the_settlement_the_editions_show() -> None:
    hand = [{"settlement_id": "UA59B", "old_name_uk": "Першотравневе", "new_name_uk": "Діброва", "year": "2024",
             "source": "resolution of 19 Sep 2024"}]  # fmt: skip
    merged, disagreements = merge_hand_checked(_two_renamed(), hand, {"UA59A", "UA59B"})
    assert [(f.settlement_id, f.act) for f in merged] == [("UA59A", "resolution of 19 Sep 2024")]
    assert disagreements[0]["settlement_id"] == "UA59B" and "UA59A" in disagreements[0]["editions"]


def test_a_hand_year_outside_the_editions_window_is_reported_and_not_used() -> None:
    hand = [{"settlement_id": "UA59A", "old_name_uk": "Першотравневе", "new_name_uk": "Діброва", "year": "2016",
             "source": "resolution of 2016"}]  # fmt: skip
    [f], disagreements = merge_hand_checked(_two_renamed(), hand, {"UA59A", "UA59B"})
    assert f.years == "till 2024/2025" and f.act == ""
    assert disagreements[0]["hand_year"] == "2016"


def test_a_hand_row_the_editions_do_not_know_is_kept() -> None:
    hand = [{"settlement_id": "UA56A", "old_name_uk": "Червоноармійськ", "new_name_uk": "Радивилів", "year": "1993"}]
    merged, _ = merge_hand_checked([], hand, {"UA56A"})
    assert [(f.old_name, f.years, f.source) for f in merged] == [("Червоноармійськ", "till 1993", "renamings.csv")]


# -- extract rows ---------------------------------------------------------------------------------------


def _build(words) -> FormerBuild:
    eds = [koatuu("2016-05-01", {"1": ("С", "ЖОВТНЕВЕ")}), koatuu("2016-11-30", {"1": ("С", "ПОКРОВСЬКЕ")})]
    former = derive_former_names(eds, {"1": "UA1"}, {"UA1": "Покровське"})
    russian = {
        (f.settlement_id, f.old_name): [russian_name(f.old_name, words), russian_name(f.old_name, [], possessive=False)]
        for f in former
    }
    return FormerBuild(former, [], russian, [], [], {})


def test_every_former_name_gets_romanizations_and_a_russian_form(words) -> None:
    variants = {(text, lang) for _sid, text, lang, _f in name_variants(_build(words))}
    assert ("Жовтневе", "uk") in variants and ("Октябрьское", "ru") in variants and ("Жовтневое", "ru") in variants
    assert any(text == "Zhovtneve" for text, _ in variants)
    assert any(text.startswith("Oktyabr") for text, _ in variants)


def test_former_table_rows_say_which_former_name_and_years_a_key_is() -> None:
    build = _build(read_word_table([{"uk": "Жовтнев", "ru": "Октябрьск", "match": "prefix"}]))
    variants = name_variants(build)
    # A form whose key is also an official name of the settlement stays the official one's: no former row;
    # the former name itself keeps its row whatever its key.
    kind_of = {("UA1", fold_key(t)): ["UA1", t, "renamed", "", ""] for _s, t, _l, _f in variants}
    own = {fold_key("Жовтневе"), fold_key("Октябрьское")}
    other = next(fold_key(t) for _s, t, _l, _f in variants if fold_key(t) not in own)
    kind_of[("UA1", other)][2] = "official"
    kind_of[("UA1", fold_key("Жовтневе"))][2] = "official"
    rows = former_table(variants, kind_of)
    assert ["UA1", fold_key("Октябрьское"), "Жовтневе", "till 2016", "rename", ""] in rows
    assert ["UA1", fold_key("Жовтневе"), "Жовтневе", "till 2016", "rename", ""] in rows
    assert all(r[1] != other for r in rows)


def test_old_raions_map_to_todays_raions_holding_a_real_share_of_their_settlements() -> None:
    names = {"5322400000": ("", "ЗІНЬКІВСЬКИЙ РАЙОН/М.ЗІНЬКІВ")}
    names.update({f"532248050{i}": ("С", f"СЕЛО{i}") for i in range(1, 10)})
    names["5322480510"] = ("С", "ОСТАННЄ")
    eds = [koatuu("2019-01-31", names), koatuu("2020-11-26", names)]
    transition = {code: f"UA{code}" for code in names if code != "5322400000"}
    raion_of = {f"UA{code}": "UA53POLTAVSKYI" for code in names}
    raion_of["UA5322480510"] = "UA53MYRHORODSKYI"  # one in ten: not a real share
    chains = follow_codes(eds, transition)
    rows = old_raions(eds, chains, raion_of, min_share=0.2)
    assert rows == [("UA53POLTAVSKYI", "Зіньківський", 0.9)]
    build = FormerBuild([], [], {}, rows, [], {})
    # Today's raion of the same name in the same oblast keeps that name to itself.
    assert unit_name_rows(build, {"UA53POLTAVSKYI": ("UA53", "Полтавський")}) == [
        ("UA53POLTAVSKYI", "Зіньківський", "former_raion")
    ]
    assert unit_name_rows(build, {"UA53POLTAVSKYI": ("UA53", "Зіньківський")}) == []


def test_city_districts_belong_to_their_city_settlement() -> None:
    names = {
        "2310100000": ("", "ЗАПОРІЖЖЯ"),
        "2310137500": ("Р", "ШЕВЧЕНКІВСЬКИЙ"),
        "8036100000": ("Р", "ГОЛОСІЇВСЬКИЙ"),
    }
    eds = [koatuu("2019-01-31", names)]
    transition = {"2310100000": "UA23ZAP", "8000000000": "UA80KYIV"}
    assert city_districts(eds, transition) == [("UA23ZAP", "Шевченківський"), ("UA80KYIV", "Голосіївський")]


# -- the committed extract and the Match ----------------------------------------------------------------


def test_the_extract_has_former_names_for_at_least_1350_settlements() -> None:
    from gazetteer.store import get_extract

    stats = get_extract().manifest["former_names"]
    assert stats["settlements_with_former_names"] >= 1350
    assert stats["by_change"]["rename"] > stats["by_change"]["spelling"] > 0


def test_a_match_of_a_former_name_says_which_name_and_years() -> None:
    import gazetteer

    m = gazetteer.resolve("Ильичёвск")[0]
    assert (m.name_uk, m.match, m.former, m.years) == ("Чорноморськ", "historical", "Іллічівськ", "till 2016")
    assert m.to_dict()["former"] == "Іллічівськ"


def test_a_match_of_a_current_name_has_no_former_fields() -> None:
    import gazetteer

    m = gazetteer.resolve("Чорноморськ")[0]
    assert m.former == "" and "former" not in m.to_dict()


def test_old_raion_and_city_district_rows_are_in_the_unit_names() -> None:
    from gazetteer.store import get_extract

    ex = get_extract()
    kinds = {(kind, name) for _uid, name, kind, _key in ex.unit_names}
    assert ("former_raion", "Артемівський") in kinds
    zaporizhzhia = next(s.id for s in ex.settlements if s.name_uk == "Запоріжжя" and s.category == "M")
    assert (zaporizhzhia, "Шевченківський", "city_district") in {(u, n, k) for u, n, k, _ in ex.unit_names}


@pytest.mark.parametrize(
    ("query", "oblast", "name_uk", "former", "years"),
    [
        ("Дніпропетровськ", "Дніпропетровська", "Дніпро", "Дніпропетровськ", "till 2016"),
        ("Кировоград", "Кіровоградська", "Кропивницький", "Кіровоград", "till 2016"),
        ("Красноармейск", "Донецька", "Покровськ", "Красноармійськ", "till 2016"),
        ("Komsomolsk", "Полтавська", "Горішні Плавні", "Комсомольськ", "till 2016"),
    ],
)
def test_well_known_former_names_resolve_with_their_years(query, oblast, name_uk, former, years) -> None:
    import gazetteer

    m = gazetteer.resolve(query, oblast=oblast)[0]
    assert (m.name_uk, m.match, m.former, m.years) == (name_uk, "historical", former, years)
