"""normalize: one key for every spelling; bad queries refused with a clear error."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazetteer.normalize import (
    check_query,
    display_form,
    fold_key,
    repair_homoglyphs,
    romanize,
    russian_form,
    skeleton,
    strip_type_words,
)

KUPIANSK = [
    "Куп'янськ",
    "Куп’янськ",
    "Купʼянськ",
    "Куп`янськ",
    "Купянськ",
    "Kupiansk",
    "Kupyansk",
    "Kup'yans'k",
    "Kupjansk",
    "Kup'âns'k",
    "Kupjans'k",
    "Kupiańsk",
    "Koupiansk",
    "Купянск",
    "KUPIANSK",
    "kupiansk",
]


@pytest.mark.parametrize("spelling", KUPIANSK)
def test_every_spelling_of_kupiansk_folds_to_one_key(spelling: str) -> None:
    assert fold_key(spelling) == fold_key("Куп’янськ")


@pytest.mark.parametrize(
    "a,b",
    [
        ("Ivano Frankivsk", "Івано-Франківськ"),
        ("Tschernihiw", "Chernihiv"),
        ("Zaporižžja", "Запоріжжя"),
        ("Schtschaslywe", "Щасливе"),
        ("Yizhakivka", "Їжаківка"),
        ("Bila Tserkva", "Bila Cerkva"),
    ],
)
def test_romanization_systems_and_separators_agree(a: str, b: str) -> None:
    assert fold_key(a) == fold_key(b)


def test_different_names_keep_different_keys() -> None:
    assert fold_key("Харків") != fold_key("Херсон")
    assert fold_key("Кіндрашівка") != fold_key("Радьківка")


def test_skeleton_bridges_russian_and_ukrainian_vowels() -> None:
    assert skeleton(fold_key("Кондрашовка")) == skeleton(fold_key("Кіндрашівка"))
    assert skeleton(fold_key("Харьков")) == skeleton(fold_key("Харків"))


def test_national_romanization_follows_the_2010_rules() -> None:
    assert romanize("Згорани") == "Zghorany"
    assert romanize("Куп’янськ") == "Kupiansk"
    assert romanize("Їжаківка") == "Yizhakivka"


def test_russian_form_rules() -> None:
    assert russian_form("Синьківка") == "синьковка"
    assert russian_form("Покровське") == "покровское"


@pytest.mark.parametrize(
    "raw,core",
    [
        ("м. Харків", "Харків"),
        ("с.Радьківка", "Радьківка"),
        ("village of Kindrashivka", "Kindrashivka"),
        ("Kupiansk city", "Kupiansk"),
        ("смт Козача Лопань", "Козача Лопань"),
        ("селище міського типу Дворічна", "Дворічна"),
        ("Stadt Charkiw", "Charkiw"),
    ],
)
def test_type_words_are_stripped(raw: str, core: str) -> None:
    assert strip_type_words(raw) == core


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("смт Козача Лопань", "X"),
        ("с.Радьківка", "C"),
        ("village of Kindrashivka", "C"),
        ("the city of Lviv", "MK"),
        ("Kupiansk city", "MK"),
        ("г. Харьков", "MK"),
        ("селище міського типу Дворічна", "X"),
        ("Дворічна", ""),
    ],
)
def test_a_type_word_announces_categories(text: str, category: str) -> None:
    from gazetteer.normalize import stated_category

    assert stated_category(text) == category


def test_every_type_word_that_is_stripped_announces_a_category() -> None:
    # One list strips type words, two others give their categories: a word in the first and in neither would
    # be stripped and then say nothing of what the place is.
    from gazetteer.normalize import type_category
    from gazetteer.words import word_list

    assert [w for w in (*word_list("type_prefixes"), *word_list("type_suffixes")) if not type_category(w)] == []


def test_display_form_uses_one_apostrophe() -> None:
    assert display_form("  Куп'янськ ") == "Куп’янськ"


@pytest.mark.parametrize(
    "bad,error",
    [
        (None, TypeError),
        (42, TypeError),
        (3.5, TypeError),
        ("", ValueError),
        ("   ", ValueError),
        ("x" * 500, ValueError),
        ("Kharkiv\x00", ValueError),
        ("1234", ValueError),
        ("Kupянськ", ValueError),
    ],
)
def test_bad_queries_raise_clear_errors(bad: object, error: type) -> None:
    with pytest.raises(error):
        check_query(bad)


def test_latin_lookalike_inside_cyrillic_word_is_repaired() -> None:
    assert repair_homoglyphs("Кiндрашівка") == "Кіндрашівка"
    assert check_query(" Кiндрашівка ") == "Кіндрашівка"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fold_key_is_total_and_ascii(text: str) -> None:
    key = fold_key(text)
    assert set(key) <= set(string.ascii_lowercase)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.none(), st.integers(), st.floats()))
def test_check_query_raises_only_type_or_value_errors(value: object) -> None:
    try:
        out = check_query(value)
    except (TypeError, ValueError):
        return
    assert isinstance(out, str) and out == out.strip() and fold_key(out)


def test_over_long_text_is_refused_before_folding_or_caching() -> None:
    from gazetteer.errors import InvalidText
    from gazetteer.normalize import MAX_FOLD_LENGTH, _fold_cached, light_key

    before = _fold_cached.cache_info().currsize
    long_text = "Харків" * (MAX_FOLD_LENGTH // 6 + 1)
    for fn in (fold_key, light_key):
        with pytest.raises(InvalidText, match="too long"):
            fn(long_text)
    assert _fold_cached.cache_info().currsize == before
    assert isinstance(InvalidText("x"), ValueError)


@pytest.mark.parametrize("text", ["Kyiv\ud800", "\udc00Харків", "Ky\udfffiv"])
def test_lone_surrogate_is_invalid_text_not_a_warning(text: str) -> None:
    import warnings

    from gazetteer.errors import InvalidText

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidText, match="surrogate"):
            fold_key(text)
        with pytest.raises(ValueError, match="surrogate"):
            check_query(text)


def test_lone_surrogate_or_over_long_hint_makes_an_invalid_row(resolver) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for query, oblast, reason in [
            ("Kyiv\ud800", None, "surrogate"),
            ("Київ", "Kharkiv\udc00", "surrogate"),
            ("Київ", "y" * 100_000, "too long"),
        ]:
            res = resolver.lookup(query, oblast=oblast)
            assert res.status == "invalid" and reason in res.reason and len(res.reason) < 300


def test_api_raises_a_typed_error_for_over_long_or_broken_hints(resolver) -> None:
    from gazetteer.errors import GazetteerError, InvalidText

    for query, oblast in [("Київ", "y" * 100_000), ("Київ", "Kharkiv\udc00"), ("Kyiv\ud800", None)]:
        with pytest.raises(InvalidText) as err:
            resolver.geocode(query, oblast=oblast)
        assert isinstance(err.value, GazetteerError) and len(str(err.value)) < 200


def test_gated_fold_rules_give_the_keys_of_every_rule_in_turn(extract) -> None:
    # _fold_cached skips a rule when none of its trigger substrings is present; keys must not change.
    import random

    from gazetteer import normalize

    def every_rule(text: str) -> str:
        s = normalize._latin_letters(text)
        for pattern, repl in normalize._FOLD_RULES:
            s = pattern.sub(repl, s)
        return s

    rng = random.Random(8)
    alphabet = "abcdefghijklmnopqrstuvwxyzšžčłüß -'ьїєґщхцчшжтсзгкй"
    texts = list(dict.fromkeys(extract.name_text)) + [s.name_en for s in extract.settlements]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 16))) for _ in range(20000)]
    differ = [t for t in texts if every_rule(t) != normalize._fold_cached(t)]
    assert differ == []
    assert normalize.fold_key("Schtschors") == every_rule("Schtschors") == "shchors"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_plain_ascii_takes_the_short_way_to_the_same_letters(text: str) -> None:
    # Latin cells in plain ASCII skip NFC, transliteration and unidecode: the letters must be those the
    # general way gives (every ASCII character, apostrophes, quotes, digits and controls included).
    import unicodedata

    import translitua
    from unidecode import unidecode

    from gazetteer import normalize

    s = unicodedata.normalize("NFC", text).casefold().translate(normalize._APOSTROPHE_TABLE)
    if normalize._CYRILLIC.search(s):
        s = translitua.translit(s.translate(normalize._CYRILLIC_EXTRA), translitua.UkrainianKMU)
    general = normalize._NON_LETTERS.sub("", unidecode(s.translate(normalize._DIACRITICS)).lower())
    assert normalize._latin_letters(text) == general
    assert normalize._latin_letters("Kup'yans'k-Vuzlovyi") == "kupyanskvuzlovyi"
