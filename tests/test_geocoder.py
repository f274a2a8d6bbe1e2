"""The offline resolver behind geopy's geocoder interface: geocode, reverse, geopy pipelines, no network."""

from __future__ import annotations

import socket

import pandas as pd
import pytest
from geopy.exc import GeocoderQueryError
from geopy.extra.rate_limiter import RateLimiter
from geopy.location import Location
from geopy.point import Point

from gazetteer.errors import UnknownOblast
from gazetteer.geocoder import Gazetteer


@pytest.fixture(scope="module")
def geo() -> Gazetteer:
    return Gazetteer()


def test_geocode_returns_location_with_match_record_as_raw(geo):
    loc = geo.geocode("Kupyansk")
    assert isinstance(loc, Location)
    assert loc.raw["name_uk"] == "Куп’янськ"
    assert loc.raw["status"] == "resolved"
    assert loc.raw["id"] == "UA63080090010026457"
    assert {"score", "match", "matched", "coord_precision"} <= set(loc.raw)
    assert (loc.latitude, loc.longitude) == (loc.raw["lat"], loc.raw["lon"])
    assert loc.address.startswith("Куп’янськ, ") and loc.address.endswith("Харківська область, Україна")


def test_geocode_with_oblast_hint_picks_that_oblast(geo):
    loc = geo.geocode("Радьківка", oblast="Kharkiv")
    assert loc.raw["oblast_uk"] == "Харківська"
    assert loc.raw["status"] == "resolved"


def test_geocode_unknown_name_returns_none(geo):
    assert geo.geocode("Nonexistentovo") is None


@pytest.mark.parametrize("query", ["", "   ", float("nan"), None])
def test_geocode_missing_or_invalid_query_returns_none(geo, query):
    assert geo.geocode(query) is None


def test_geocode_unknown_oblast_hint_raises(geo):
    with pytest.raises(UnknownOblast):
        geo.geocode("Радьківка", oblast="Atlantis")


def test_geocode_exactly_one_false_returns_candidates_best_first(geo):
    locs = geo.geocode("Радьківка", exactly_one=False)
    assert isinstance(locs, list) and len(locs) == 3
    assert {loc.raw["oblast_uk"] for loc in locs} == {"Сумська", "Харківська", "Чернігівська"}
    assert all(loc.raw["status"] == "ambiguous" for loc in locs)


def test_geocode_exactly_one_false_for_resolved_name_puts_the_match_first(geo):
    locs = geo.geocode("Kupyansk", exactly_one=False)
    assert locs[0].raw["status"] == "resolved" and locs[0].raw["name_uk"] == "Куп’янськ"


def test_geocode_ambiguous_name_returns_none_by_default(geo):
    assert geo.geocode("Радьківка") is None
    assert geo.geocode("Новоселівка") is None
    assert len(geo.geocode("Новоселівка", exactly_one=False)) == geo.limit


def test_geocode_ambiguous_name_returns_top_candidate_flagged_ambiguous_when_asked(geo):
    loc = Gazetteer(geo.resolver, ambiguous="first").geocode("Радьківка")
    assert loc.raw["status"] == "ambiguous"
    assert loc.raw["alternatives"] == 2
    assert "3 settlements fit equally" in loc.raw["reason"]


def test_geocode_ambiguous_name_raises_geocoder_query_error_when_asked(geo):
    with pytest.raises(GeocoderQueryError, match="ambiguous"):
        Gazetteer(geo.resolver, ambiguous="raise").geocode("Радьківка")


def test_geocode_english_address(geo):
    loc = Gazetteer(geo.resolver, language="en").geocode("Куп'янськ")
    assert loc.address == "Kupiansk, Kupiansk hromada, Kupiansk Raion, Kharkiv Oblast, Ukraine"


def test_reverse_returns_the_nearest_settlement(geo):
    loc = geo.reverse((49.99, 36.23))
    assert loc.raw["name_uk"] == "Харків"
    assert loc.raw["status"] == "nearest"
    assert loc.raw["distance_km"] < 5


def test_reverse_exactly_one_false_returns_nearest_first(geo):
    locs = geo.reverse((50.45, 30.52), exactly_one=False, limit=4)
    assert len(locs) == 4
    assert locs[0].raw["name_uk"] == "Київ"
    dists = [loc.raw["distance_km"] for loc in locs]
    assert dists == sorted(dists)


def test_reverse_answers_only_settlements_with_their_own_point(geo):
    locs = geo.reverse((49.82917, 37.42961), exactly_one=False, limit=5)
    assert locs and all(loc.raw["coord_precision"] == "point" for loc in locs)


def test_reverse_accepts_string_and_geopy_point(geo):
    assert geo.reverse("49.99, 36.23").raw["name_uk"] == geo.reverse(Point(49.99, 36.23)).raw["name_uk"] == "Харків"


@pytest.mark.parametrize("point", [(45.5, 31.5), (46.0, 36.5)], ids=["black-sea", "sea-of-azov"])
def test_reverse_point_in_the_sea_returns_none(geo, point):
    assert geo.reverse(point) is None


@pytest.mark.parametrize(
    "point",
    [(47.01, 28.86), (50.6, 36.6), (52.23, 21.01), (48.85, 2.35)],
    ids=["chisinau", "belgorod", "warsaw", "paris"],
)
def test_reverse_point_outside_ukraine_returns_none(geo, point):
    assert geo.reverse(point) is None
    assert geo.reverse(point, exactly_one=False) is None


def test_reverse_rejects_what_is_not_a_point(geo):
    with pytest.raises(ValueError):
        geo.reverse("somewhere")


def test_rate_limiter_pipeline_over_pandas_series(geo):
    places = pd.Series(["Kupyansk", "Харків", "Nonexistentovo", None, "Радьківка"])
    geocode = RateLimiter(geo.geocode, min_delay_seconds=0)
    locs = places.apply(geocode)
    points = locs.apply(lambda loc: tuple(loc.point)[:2] if loc else None)
    assert locs[0].raw["name_uk"] == "Куп’янськ"
    assert locs[1].raw["name_uk"] == "Харків"
    assert locs[2] is None and locs[3] is None
    assert locs[4] is None  # ambiguous: no row gets one village of three as if it were the answer
    assert points[1] == pytest.approx((49.98177, 36.25475))


def test_rate_limiter_pipeline_with_hints_and_reverse(geo):
    geocode = RateLimiter(geo.geocode, min_delay_seconds=0)
    reverse = RateLimiter(geo.reverse, min_delay_seconds=0)
    loc = geocode("Радьківка", oblast="Sumy")
    assert loc.raw["oblast_uk"] == "Сумська"
    assert reverse((49.71, 37.615)).raw["name_uk"] == "Куп’янськ"


def test_geocoder_makes_no_network_calls(geo, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert Gazetteer(geo.resolver).geocode("Kupyansk") is not None
    assert geo.reverse((49.99, 36.23)) is not None


# -- the keywords a geopy Nominatim client passes ---------------------------------------------------------
def test_geocode_language_per_call_sets_the_address_line(geo):
    loc = geo.geocode("Kupyansk", language="en-GB,en;q=0.9")
    assert loc.address.startswith("Kupiansk, ") and loc.address.endswith("Ukraine")
    ru = geo.geocode("Kupyansk", language="ru")
    assert ru.address.endswith("Украина")
    # A language that is not served keeps the geocoder's own, as Nominatim falls back to local names.
    assert geo.geocode("Kupyansk", language="de").address == geo.geocode("Kupyansk").address
    with pytest.raises(TypeError, match="language"):
        geo.geocode("Kupyansk", language=1)


def test_geocode_addressdetails_adds_nominatim_address_parts(geo):
    assert "address" not in geo.geocode("Kupyansk").raw
    address = geo.geocode("Kupyansk", addressdetails=True, language="en").raw["address"]
    assert address["country_code"] == "ua"
    assert address["state"] == "Kharkiv Oblast"
    assert "Kupiansk" in address.values()


def test_geocode_country_codes_without_ua_answer_none(geo):
    assert geo.geocode("Odesa", country_codes="us") is None
    assert geo.geocode("Odesa", country_codes=["de", "us"]) is None
    assert geo.geocode("Odesa", country_codes=["us", "UA"]).raw["name_uk"] == "Одеса"


def test_geocode_structured_query_reads_state_as_the_oblast_hint(geo):
    loc = geo.geocode({"city": "Радьківка", "state": "Kharkiv Oblast", "country": "Ukraine"})
    assert loc.raw["oblast_uk"] == "Харківська"
    assert geo.geocode({"city": "Odessa", "country": "USA"}) is None
    assert geo.geocode({"state": "Kharkiv Oblast"}).raw["addresstype"] == "state"  # the oblast, no city asked for
    # A street and a postcode are finer than a settlement: not read, the settlement still answers.
    assert geo.geocode({"city": "Kupiansk", "street": "Soborna 1", "postalcode": "63701"}).raw["name_uk"] == "Куп’янськ"
    with pytest.raises(ValueError, match="amenity"):
        geo.geocode({"city": "Kupiansk", "amenity": "school"})
    # A country other than Ukraine is read as a cell would be: Crimea filed under Russia is in Ukraine.
    assert geo.geocode({"city": "Sevastopol", "country": "Russia"}).raw["name_uk"] == "Севастополь"
    # The other namesakes are outside the stated oblast: not results, as in Nominatim.
    found = geo.geocode({"city": "Радьківка", "state": "Kharkiv Oblast"}, exactly_one=False)
    assert [loc.raw["gazetteer"]["katottg"] for loc in found] == ["UA63080070250094966"]
    assert len(geo.geocode("Радьківка", exactly_one=False)) == 3


def test_geocode_bounded_viewbox_picks_the_namesake_inside_it(geo):
    # Радьківка is ambiguous between three villages; a box around Kupiansk holds one of them.
    assert geo.geocode("Радьківка") is None
    loc = geo.geocode("Радьківка", viewbox=[(49.2, 37.0), (50.2, 38.2)], bounded=True)
    assert loc.raw["oblast_uk"] == "Харківська"
    assert 49.2 <= loc.latitude <= 50.2 and 37.0 <= loc.longitude <= 38.2
    assert geo.geocode("Kupyansk", viewbox=[(45.0, 29.0), (46.0, 31.0)], bounded=True) is None


def test_reverse_language_and_address_details(geo):
    loc = geo.reverse((49.99, 36.23), language="en")
    assert loc.address.startswith("Kharkiv")
    assert loc.raw["address"]["country_code"] == "ua"
    assert "address" not in geo.reverse((49.99, 36.23), addressdetails=False).raw


@pytest.mark.parametrize("name", ["Прип’ять", "Чорнобиль"])
def test_a_settlement_under_the_oblast_directly_shows_no_fake_raion_or_hromada(geo, name, capsys):
    # before: "Київська obl., Київська raion, Київська hromada" (the codifier repeats the oblast for both)
    from gazetteer.cli import _units_text
    from gazetteer.resolve import default_resolver

    res = default_resolver().lookup(name)
    s = res.match.settlement
    assert s.raion_id == s.oblast_id and not s.has_raion and not s.has_hromada
    assert _units_text(s) == "  Київська obl."
    assert "raion" not in s.long_label and "Kyivska" in s.long_label
    flat = res.match.to_dict()
    assert (flat["raion_id"], flat["raion_uk"], flat["hromada_uk"], flat["oblast_uk"]) == ("", "", "", "Київська")
    columns = res.to_columns()
    assert (columns["gaz_raion_uk"], columns["gaz_hromada_uk"], columns["gaz_oblast_uk"]) == ("", "", "Київська")
    loc = geo.geocode(name, addressdetails=True)
    assert loc.raw["raion_uk"] == "" and loc.address == f"{s.name_uk}, Київська область, Україна"
    assert set(loc.raw["address"]) == {"city", "state", "country", "country_code"}  # the service's rule, mirrored
    # a settlement in a raion and hromada keeps them
    kupiansk = default_resolver().lookup("Kupyansk").match
    assert kupiansk.to_dict()["raion_uk"] == "Куп’янський" and kupiansk.settlement.has_hromada


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_raw_carries_the_services_gazetteer_object(geo):
    # before: the offline face's raw had no "gazetteer" key, so code written for the service's records broke
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from gazetteer.serve import create_app

    loc = geo.geocode("Kupyansk")
    assert loc.raw["id"] == loc.raw["gazetteer"]["katottg"] == "UA63080090010026457"  # flat keys kept
    with TestClient(create_app()) as client:
        served = client.get("/search", params={"q": "Kupyansk", "limit": 5}).json()[0]["gazetteer"]
        near = client.get("/reverse", params={"lat": 49.71, "lon": 37.6158}).json()["gazetteer"]
    assert loc.raw["gazetteer"] == served
    many = geo.geocode("Новоселівка", exactly_one=False, limit=3)
    assert [m.raw["gazetteer"]["rank"] for m in many] == [1, 2, 3]
    assert {m.raw["gazetteer"]["status"] for m in many} == {"ambiguous"}
    assert many[0].raw["gazetteer"]["candidates"] == [m.raw["id"] for m in many]
    back = geo.reverse((49.71, 37.6158))
    assert back.raw["gazetteer"] == near


def test_geocode_takes_nominatims_optional_parts(geo):
    loc = geo.geocode("Kupyansk", namedetails=True, extratags=True, geometry="geojson")
    assert loc.raw["namedetails"]["name:en"] == "Kupiansk" and loc.raw["namedetails"]["name:uk"] == "Куп’янськ"
    assert loc.raw["extratags"]["ref:katottg"] == "UA63080090010026457"
    assert loc.raw["geojson"] == {"type": "Point", "coordinates": [loc.longitude, loc.latitude]}
    assert geo.geocode("Kupyansk", geometry="wkt").raw["geotext"] == f"POINT({loc.longitude} {loc.latitude})"
    assert geo.geocode("Kupyansk", featuretype="country") is None  # only settlements are answered
    assert geo.geocode("Kupyansk", featuretype="city").raw["name_uk"] == "Куп’янськ"


def test_reverse_takes_nominatims_zoom(geo):
    # geopy's Nominatim.reverse takes zoom; code written for it must run here, with the service's levels.
    town = geo.reverse((49.71, 37.62), zoom=18)
    assert town.raw["name_uk"] == "Куп’янськ" and geo.reverse((49.71, 37.62), zoom=None).raw == town.raw
    assert geo.reverse((49.71, 37.62), zoom=9).raw["addresstype"] == "district"
    oblast = geo.reverse((49.71, 37.62), zoom=6, exactly_one=False)
    assert [loc.raw["addresstype"] for loc in oblast] == ["state"] and "Харківська область" in oblast[0].address
    assert geo.reverse((49.71, 37.62), zoom=3).raw["addresstype"] == "country"
    with pytest.raises(ValueError, match="zoom"):
        geo.reverse((49.71, 37.62), zoom=30)


def test_raw_carries_nominatims_keys_beside_the_settlement_fields(geo):
    # Code written for geopy's Nominatim reads raw["display_name"], raw["place_id"], raw["boundingbox"].
    for loc in (geo.geocode("Kupyansk"), geo.reverse((49.71, 37.62))):
        assert loc.raw["display_name"] == loc.address
        assert loc.raw["place_id"] and len(loc.raw["boundingbox"]) == 4 and loc.raw["type"]
        assert loc.raw["name_uk"] == "Куп’янськ" and isinstance(loc.raw["lat"], float)  # own fields stay


@pytest.mark.parametrize(
    ("query", "kw", "oblasts"),
    [
        ("Kharkov oblast", {}, ["UA63"]),
        ({"state": "Kharkiv"}, {}, ["UA63"]),  # a state alone is the oblast, not the city Kharkiv
        ("Донбас", {"exactly_one": False}, ["UA14", "UA44"]),
        ("Донеччина", {"featuretype": "state"}, ["UA14"]),
    ],
)
def test_a_query_naming_only_a_region_answers_the_oblast_as_the_service_does(geo, query, kw, oblasts):
    found = geo.geocode(query, **kw)
    found = found if isinstance(found, list) else [found]
    assert [loc.raw["gazetteer"]["katottg"][:4] for loc in found] == oblasts
    assert all(loc.raw["addresstype"] == "state" and loc.raw["gazetteer"]["status"] == "oblast" for loc in found)


def test_featuretype_state_is_no_settlement_and_an_unknown_state_finds_nothing(geo):
    assert geo.geocode("Kupiansk", featuretype="state") is None
    assert geo.geocode("Kupiansk", featuretype="city").raw["name_uk"] == "Куп’янськ"
    assert geo.geocode({"state": "Narnia"}) is None
