"""rank: the settlement prior and the named ranking rules, each on small made-up candidates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gazetteer.model import Settlement
from gazetteer.rank import category_prior, population_prior, settlement_prior

BASE = Settlement(
    id="UA00000000000000000",
    name_uk="Тестове",
    name_en="Testove",
    category="C",
    oblast_id="UA01",
    oblast_uk="Перша",
    oblast_en="Persha",
    raion_id="UA0101",
    raion_uk="Перший",
    raion_en="Pershyi",
    hromada_id="UA010101",
    hromada_uk="Перша",
    hromada_en="Persha",
    lat=49.0,
    lon=31.0,
    coord_precision="point",
    geonameid=None,
    population=None,
)


def place(sid: str = "UA00000000000000001", category: str = "C", population: int | None = None, **kw) -> Settlement:
    return replace(BASE, id=sid, category=category, population=population, **kw)


@pytest.mark.parametrize(("higher", "lower"), [("K", "M"), ("M", "X"), ("X", "C")])
def test_category_prior_orders_capital_city_settlement_village(higher: str, lower: str) -> None:
    assert category_prior(higher) > category_prior(lower)


def test_population_prior_grows_with_population_and_is_zero_when_unknown() -> None:
    assert population_prior(None) == 0 == population_prior(0)
    assert population_prior(100) < population_prior(10_000) < population_prior(1_000_000)


def test_any_city_outranks_any_village_whatever_the_populations() -> None:
    assert settlement_prior(place(category="M", population=1)) > settlement_prior(place(category="C", population=10**6))


def test_larger_place_of_one_category_has_the_higher_prior() -> None:
    assert settlement_prior(place(population=5_000)) > settlement_prior(place(population=300))


# -- the rules, each on made-up candidates ----------------------------------------------------------
from gazetteer.model import Match  # noqa: E402
from gazetteer.rank import (  # noqa: E402
    RULES,
    Candidate,
    Ranking,
    balanced,
    city_before_villages,
    city_by_other_name,
    decide,
    far_largest_city,
    nearest_to_point,
    peers_by_score,
    renamed_city_over_hamlets,
    shared_former_name,
    single_peer,
    stated_type,
    written_as_official,
    written_as_variant,
)


def cand(sid: str, score: float = 1.0, kind: str = "exact", category: str = "C", population=None, **flags) -> Candidate:
    s = place(sid, category, population)
    return Candidate(Match(s, score, kind, s.name_uk), **flags)


def ranking(*cands: Candidate, near: bool = False) -> Ranking:
    r = Ranking(sorted(cands, key=lambda c: -c.match.score), near=near)
    peers_by_score(r)
    return r


def test_rules_run_in_the_documented_order_and_end_with_balanced() -> None:
    names = [rule.__name__ for rule in RULES]
    gates = ["below_min_score", "city_outside_region", "spelled_outside_region", "single_candidate"]
    assert names[:5] == [*gates, "peers_by_score"]
    assert names[-1] == "balanced"
    assert names.index("renamed_city_over_hamlets") < names.index("written_as_official") < names.index("single_peer")


def test_peers_are_the_candidates_within_the_margin_of_the_best() -> None:
    r = ranking(cand("a", 1.0), cand("b", 0.99), cand("c", 0.9))
    assert [c.settlement.id for c in r.peers] == ["a", "b"]


def test_single_peer_is_the_answer() -> None:
    r = ranking(cand("a", 1.0), cand("b", 0.8))
    assert single_peer(r).chosen.settlement.id == "a"
    assert single_peer(ranking(cand("a"), cand("b"))) is None


def test_stated_type_keeps_the_peers_of_the_category_the_cell_announces() -> None:
    r = ranking(cand("v1"), cand("x1", category="X"), cand("v2"))
    r.category = "X"
    verdict = stated_type(r)
    assert verdict.chosen.settlement.id == "x1" and "settlement" in verdict.reason
    r = ranking(cand("v1"), cand("v2"), cand("x1", category="X"))
    r.category = "C"  # two villages stay: narrowed, not decided
    assert stated_type(r) is None and {c.settlement.id for c in r.peers} == {"v1", "v2"}


def test_stated_type_that_fits_no_peer_or_every_peer_is_ignored() -> None:
    for category in ("M", "C", ""):
        r = ranking(cand("v1"), cand("v2"))
        r.category = category
        assert stated_type(r) is None and len(r.peers) == 2


def test_written_as_official_narrows_peers_to_the_spelled_ones() -> None:
    r = ranking(cand("a"), cand("b", spelled=True))
    assert written_as_official(r).chosen.settlement.id == "b"
    r = ranking(cand("a"), cand("b", spelled=True), cand("c", spelled=True))
    assert written_as_official(r) is None and {c.settlement.id for c in r.peers} == {"b", "c"}


def test_renamed_city_beats_villages_that_carry_its_former_name() -> None:
    villages = [cand("v1"), cand("v2", spelled=True)]
    city = cand("city", 0.93, "historical", "M", 20_000)
    assert renamed_city_over_hamlets(ranking(*villages, city)).chosen.settlement.id == "city"


def test_renamed_small_town_or_a_settlement_peer_keeps_the_current_name() -> None:
    assert renamed_city_over_hamlets(ranking(cand("v1"), cand("t", 0.93, "historical", "M", 5_000))) is None
    assert (
        renamed_city_over_hamlets(ranking(cand("x", category="X"), cand("c", 0.93, "historical", "M", 50_000))) is None
    )


def test_city_by_other_name_joins_peers_unless_the_query_is_the_villages_own_spelling() -> None:
    r = ranking(cand("v", 1.0, "transliteration"), cand("city", 0.95, "russian", "M", 26_000))
    city_by_other_name(r)
    assert {c.settlement.id for c in r.peers} == {"v", "city"}
    r = ranking(cand("v", 1.0, "transliteration", spelled=True), cand("city", 0.95, "russian", "M", 26_000))
    r.script = "latin"  # the village's own romanization: the city stays out
    city_by_other_name(r)
    assert [c.settlement.id for c in r.peers] == ["v"]


def test_a_russian_city_name_passes_a_village_spelled_so_only_with_ten_times_its_mass() -> None:
    # Балаклея: the Russian name of the town Балаклія (26,000) and the official name of a village.
    def joined(village_people: int | None) -> bool:
        village = cand("v", 1.0, "exact", population=village_people, spelled=True)
        r = ranking(village, cand("city", 0.95, "russian", "M", 26_000))
        r.script = "cyrillic"
        city_by_other_name(r)
        return len(r.peers) == 2

    assert joined(None) and joined(2_000)
    assert not joined(5_000)  # a village of 5,000 written so keeps its name
    r = ranking(cand("v", 1.0, "exact", spelled=True), cand("city", 0.95, "alternate", "M", 26_000))
    r.script = "cyrillic"
    city_by_other_name(r)
    assert len(r.peers) == 1  # not by a stray alternate


def test_familiar_big_city_one_letter_away_joins_small_exact_hits() -> None:
    small = cand("town", 0.93, "transliteration", "M", 14_000)
    big = cand("big", 0.9, "transliteration", "M", 470_000, exact=False, familiar=True)
    r = ranking(small, big)
    assert city_by_other_name(r) is None and len(r.peers) == 2
    assert far_largest_city(r).chosen.settlement.id == "big"


def test_nearest_to_point_needs_a_clear_margin() -> None:
    r = ranking(cand("a", distance=10.0), cand("b", distance=50.0), near=True)
    assert nearest_to_point(r).chosen.settlement.id == "a"
    r = ranking(cand("a", distance=10.0), cand("b", distance=15.0), near=True)
    assert nearest_to_point(r) is None


def test_city_before_villages_only_when_one_city() -> None:
    assert city_before_villages(ranking(cand("v"), cand("c", category="M"))).chosen.settlement.id == "c"
    assert city_before_villages(ranking(cand("c1", category="M"), cand("c2", category="M"))) is None


def test_far_largest_city_needs_five_times_the_next() -> None:
    r = ranking(cand("a", category="M", population=100_000), cand("b", category="M", population=30_000))
    city_before_villages(r)
    assert far_largest_city(r) is None
    r = ranking(cand("a", category="M", population=200_000), cand("b", category="M", population=30_000))
    city_before_villages(r)
    assert far_largest_city(r).chosen.settlement.id == "a"


def test_balanced_peers_are_ambiguous_and_listed_by_prior() -> None:
    r = ranking(cand("v1", population=100), cand("x", category="X", population=3000), cand("v2", population=900))
    verdict = balanced(r)
    assert verdict.status == "ambiguous"
    assert [c.settlement.id for c in verdict.peers] == ["x", "v2", "v1"]


def test_decide_runs_the_rules_to_a_verdict() -> None:
    assert decide([cand("a", 1.0), cand("b", 0.5)]).chosen.settlement.id == "a"
    assert decide([cand("a"), cand("b")]).status == "ambiguous"


def test_a_former_name_several_places_carried_is_ambiguous() -> None:
    r = ranking(cand("v", 0.93, "historical"), cand("town", 0.93, "historical", "M", 5_000))
    assert shared_former_name(r).status == "ambiguous"
    r = ranking(cand("v", 0.93, "historical"), cand("x", 0.93, "historical", "X", 3_000))
    assert shared_former_name(r).status == "ambiguous"


def test_a_large_citys_former_name_beats_smaller_places_that_carried_it() -> None:
    r = ranking(cand("v", 0.93, "historical"), cand("big", 0.93, "historical", "M", 80_000))
    assert shared_former_name(r).chosen.settlement.id == "big"
    r = ranking(cand("big", 0.93, "historical", "M", 80_000), cand("other", 0.93, "historical", "M", 30_000))
    assert shared_former_name(r).status == "ambiguous"


def test_shared_former_name_leaves_current_names_to_other_rules() -> None:
    assert shared_former_name(ranking(cand("v", 0.93, "historical"), cand("w", 0.93, "russian"))) is None


def test_a_cyrillic_query_needs_a_cyrillic_variant_to_bring_a_city_in() -> None:
    village = cand("v", 0.95, "russian")
    city = Candidate(Match(place("city", "M", 900_000), 0.93, "russian", "Aleksandrovka"))
    r = ranking(village, city)
    r.script = "cyrillic"
    city_by_other_name(r)
    assert [c.settlement.id for c in r.peers] == ["v"]
    r = ranking(village, city)
    r.script = "latin"
    city_by_other_name(r)
    assert {c.settlement.id for c in r.peers} == {"v", "city"}


def test_written_as_variant_splits_only_balanced_peers() -> None:
    a = Candidate(Match(place("a"), 0.96, "historical", "Ульяновка"))
    b = Candidate(Match(place("b"), 0.96, "historical", "Уляновка"))
    r = ranking(a, b)
    r.written = "ульяновка"
    assert written_as_variant(r).chosen.settlement.id == "a"
    assert [rule.__name__ for rule in RULES].index("written_as_variant") > [rule.__name__ for rule in RULES].index(
        "far_largest_city"
    )


# -- prior mass and the rules that weigh it (issue #10) ---------------------------------------------
from gazetteer.rank import (  # noqa: E402
    DOMINANCE,
    MIN_SCORE,
    below_min_score,
    city_outside_region,
    expected_population,
    former_bearers_outweigh,
    hromada_centre,
    hromada_centre_in_region,
    names_its_hromada,
    population_dominates,
    prior_mass,
    single_candidate,
    spelled_outside_region,
)

CENTRE_ID = "UA01020030010000001"  # number 001 in its hromada: the codifier's administrative centre
OTHER_ID = "UA01020030020000002"


def test_the_codifier_number_001_marks_the_hromada_centre() -> None:
    assert hromada_centre(place(CENTRE_ID)) and not hromada_centre(place(OTHER_ID))


def test_expected_population_is_known_or_estimated_by_kind_and_standing() -> None:
    assert expected_population(place(OTHER_ID, population=1234)) == 1234
    village, centre = place(OTHER_ID), place(CENTRE_ID)
    assert expected_population(centre) > expected_population(village) > 0
    assert expected_population(replace(village, coord_precision="hromada_centroid")) < expected_population(village)
    assert expected_population(place(OTHER_ID, "X")) > expected_population(village)


def test_prior_masses_add_up_so_many_villages_outweigh_a_small_town() -> None:
    town = prior_mass(place(OTHER_ID, "M", 12_000))
    assert 70 * prior_mass(place(OTHER_ID)) > town > 5 * prior_mass(place(OTHER_ID))


def test_below_min_score_is_not_found_with_the_closest_named() -> None:
    r = ranking(cand("a", MIN_SCORE - 0.01), cand("b", 0.5))
    verdict = below_min_score(r)
    assert verdict.status == "not_found" and verdict.chosen.settlement.id == "a" and "closest" in verdict.reason
    assert below_min_score(ranking(cand("a", MIN_SCORE))) is None
    r = ranking(cand("a", 0.8))
    r.min_score = 0.9  # the resolver's own setting
    assert below_min_score(r).status == "not_found"


def test_a_city_written_so_outside_the_region_keeps_a_look_alike_inside_from_standing_in() -> None:
    inside = cand("near", 0.6, "fuzzy", fits=True, exact=False)
    city = cand("city", 0.5, "transliteration", "M", 100_000, spelled=True, fits=False)
    r = ranking(inside, city)
    r.region = True
    verdict = city_outside_region(r)
    assert verdict.status == "not_found" and verdict.chosen.settlement.id == "city"
    assert "hinted units" in verdict.reason
    r.region = False
    assert city_outside_region(r) is None  # without a hint the look-alike is just a candidate
    r = ranking(cand("near", 0.6, "exact", fits=True), city)
    r.region = True
    assert city_outside_region(r) is None  # an exact name inside the region stands


def test_a_village_named_exactly_outside_the_region_keeps_a_typo_like_look_alike_inside_from_standing_in() -> None:
    inside = cand("near", 0.74, "fuzzy", fits=True, exact=False)
    village = cand("village", 0.5, "exact", fits=False)  # the query is its official name, in another oblast
    r = ranking(inside, village)
    r.region = True
    verdict = spelled_outside_region(r)
    assert verdict.status == "not_found" and verdict.chosen.settlement.id == "village"
    assert "no settlement of that name in the hinted units" in verdict.reason
    r.region = False
    assert spelled_outside_region(r) is None  # without a hint both are just candidates
    russian = cand("village", 0.5, "russian", fits=False)  # reached by a Russian form only: not its own name
    r = ranking(inside, russian)
    r.region = True
    assert spelled_outside_region(r) is None
    r = ranking(cand("near", 0.9, "transliteration", fits=True), village)
    r.region = True
    assert spelled_outside_region(r) is None  # a closer tier inside the region stands


def test_single_candidate_is_the_answer_and_two_go_on() -> None:
    assert single_candidate(ranking(cand("a"))).chosen.settlement.id == "a"
    assert single_candidate(ranking(cand("a"), cand("b", 0.5))) is None


def test_loosely_matched_namesakes_are_peers_whichever_variant_came_nearer() -> None:
    a = Candidate(Match(place("a", name_uk="Дібрівне"), 0.93, "fuzzy", "x"), exact=False)
    b = Candidate(Match(place("b", name_uk="Дібрівне"), 0.9, "fuzzy", "x"), exact=False)
    c = Candidate(Match(place("c", name_uk="Дубове"), 0.9, "fuzzy", "x"), exact=False)
    assert {p.settlement.id for p in ranking(a, b, c).peers} == {"a", "b"}
    exact_a = Candidate(Match(place("a", name_uk="Дібрівне"), 0.93, "exact", "x"))
    assert [p.settlement.id for p in ranking(exact_a, b).peers] == ["a"]  # an exact hit keeps its margin


def test_former_bearers_that_outweigh_the_current_one_make_it_ambiguous_listed_after_it() -> None:
    today = cand("today", 1.0, "exact", spelled=True)
    former = [cand(f"f{i}", 0.96, "historical") for i in range(5)]
    r = ranking(today, *former)
    verdict = former_bearers_outweigh(r)
    assert verdict.status == "ambiguous" and verdict.peers[0].settlement.id == "today"
    assert "once did" in verdict.reason and len(verdict.peers) == 6
    # One small former bearer does not outweigh a current settlement of 5,000.
    r = ranking(cand("today", 1.0, "exact", "X", 5_000), cand("f", 0.96, "historical"))
    assert former_bearers_outweigh(r) is None
    # A former name far below the current one's score stays out.
    assert former_bearers_outweigh(ranking(today, cand("f", 0.9, "historical"))) is None


def test_a_former_city_name_needs_five_times_any_other_bearer_settlements_included() -> None:
    city = cand("city", 0.96, "historical", "M", 27_000)
    r = ranking(city, cand("x", 0.96, "historical", "X", 9_000), cand("v", 0.96, "historical"))
    assert shared_former_name(r).status == "ambiguous"
    r = ranking(city, cand("x", 0.96, "historical", "X", 2_500), cand("v", 0.96, "historical"))
    assert shared_former_name(r).chosen.settlement.id == "city"


def test_an_alternate_city_name_among_former_bearers_is_a_shared_former_name() -> None:
    city = cand("city", 0.96, "alternate", "M", 15_000)
    r = ranking(city, cand("v", 0.96, "historical", population=6_500), cand("w", 0.96, "historical"))
    assert shared_former_name(r).status == "ambiguous"
    assert shared_former_name(ranking(city, cand("w", 0.96, "alternate"))) is None  # no former name at all


def test_a_city_before_villages_unless_the_namesakes_weigh_two_thirds_of_it() -> None:
    villages = [cand(f"v{i}", population=p) for i, p in enumerate((2_000, 1_300, None))]
    r = ranking(cand("town", category="M", population=12_500), *villages)
    assert city_before_villages(r).chosen.settlement.id == "town"
    r = ranking(cand("town", category="M", population=11_500), cand("x", category="X", population=8_000), *villages)
    assert city_before_villages(r) is None
    # Two rivals of 6,000 each weigh more together than one (root of summed squares: 8,500).
    r = ranking(cand("town", category="M", population=11_500), *(cand(f"x{i}", population=6_000) for i in range(2)))
    assert city_before_villages(r) is None


def test_a_place_with_five_times_the_people_of_its_namesakes_together_wins() -> None:
    big = cand("big", population=int(DOMINANCE * 2 * expected_population(place("v"))) + 1)
    r = ranking(big, cand("v1"), cand("v2"))
    assert population_dominates(r).chosen.settlement.id == "big"
    assert population_dominates(ranking(cand("big", population=2_000), cand("v", population=1_000))) is None
    # Its population must be known, not a guess; former names and different names are left alone.
    assert population_dominates(ranking(cand("x", category="X"), cand("v1"), cand("v2"))) is None
    assert (
        population_dominates(ranking(cand("big", 0.96, "historical", population=50_000), cand("v", 0.96, "historical")))
        is None
    )
    other = Candidate(Match(place("w", name_uk="Інше"), 1.0, "exact", "Інше"))
    assert population_dominates(ranking(big, other)) is None


def test_with_a_region_the_settlement_that_names_its_hromada_wins() -> None:
    centre = Candidate(Match(place(CENTRE_ID, "X", name_uk="Казанка", hromada_uk="Казанківська"), 1.0, "exact", "x"))
    village = Candidate(
        Match(place(OTHER_ID, name_uk="Казанка", hromada_uk="Новоюр’ївська", oblast_id="UA02"), 1.0, "exact", "x")
    )
    assert names_its_hromada(centre.settlement) and not names_its_hromada(village.settlement)
    r = ranking(centre, village)
    r.region = True
    assert hromada_centre_in_region(r).chosen is centre
    r.region = False
    assert hromada_centre_in_region(r) is None  # without a hint, across oblasts: every oblast has its own
    same_oblast = Candidate(Match(replace(village.settlement, oblast_id=BASE.oblast_id), 1.0, "exact", "x"))
    assert hromada_centre_in_region(ranking(centre, same_oblast)).chosen is centre  # one oblast: as if hinted
    c_centre = Candidate(Match(place(CENTRE_ID, "C", name_uk="Казанка", hromada_uk="Казанківська"), 1.0, "exact", "x"))
    r = ranking(c_centre, village)
    r.region = True
    assert hromada_centre_in_region(r) is None  # a village centre among villages stays ambiguous


def test_a_centre_not_named_as_its_hromada_does_not_count() -> None:
    renamed = place(CENTRE_ID, "X", name_uk="Кам’янка", hromada_uk="Більмацька")
    assert hromada_centre(renamed) and not names_its_hromada(renamed)
