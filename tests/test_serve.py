"""serve: a real uvicorn server on 127.0.0.1, asked by geopy's own Nominatim class and by raw HTTP (httpx)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from gazetteer.serve import FORMATS, Budget, Settings, create_app  # noqa: E402

KUPYANSK = "UA63080090010026457"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """uvicorn serving the app in a thread of this process, on a free port of 127.0.0.1."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings=settings), host="127.0.0.1", port=self.port, log_level="error", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the local server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(Settings(rate=0)) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def nominatim(server: LocalServer):
    geopy = pytest.importorskip("geopy.geocoders")
    return geopy.Nominatim(domain=f"127.0.0.1:{server.port}", scheme="http", user_agent="gazetteer-tests", timeout=30)


# -- geopy's own Nominatim class ------------------------------------------------------------------------
def test_geopy_nominatim_geocodes_a_romanized_name(nominatim) -> None:
    loc = nominatim.geocode("Kupyansk")
    assert loc is not None
    assert loc.raw["gazetteer"]["katottg"] == KUPYANSK
    assert (round(loc.latitude, 2), round(loc.longitude, 2)) == (49.71, 37.62)
    assert loc.address.startswith("Куп’янськ") and "Харківська область" in loc.address


def test_geopy_nominatim_exactly_one_false_gives_ranked_candidates(nominatim) -> None:
    locs = nominatim.geocode("Радьківка", exactly_one=False)
    assert len(locs) == 3
    assert {loc.raw["gazetteer"]["status"] for loc in locs} == {"ambiguous"}
    scores = [loc.raw["gazetteer"]["score"] for loc in locs]
    assert scores == sorted(scores, reverse=True)
    assert [loc.raw["gazetteer"]["rank"] for loc in locs] == [1, 2, 3]


def test_geopy_nominatim_reverse_names_the_nearest_settlement(nominatim) -> None:
    loc = nominatim.reverse((50.4501, 30.5234))
    assert loc.raw["gazetteer"]["katottg"].startswith("UA80")  # Kyiv
    assert loc.raw["address"]["city"] == "Київ"


def test_geopy_nominatim_reverse_outside_ukraine_is_none(nominatim) -> None:
    assert nominatim.reverse((52.52, 13.40)) is None  # Berlin


def test_geopy_nominatim_language_and_address_details(nominatim) -> None:
    loc = nominatim.geocode("Купянск", language="en", addressdetails=True)
    assert loc.raw["address"]["state"] == "Kharkiv Oblast"
    assert loc.raw["address"]["country_code"] == "ua"


def test_geopy_nominatim_other_country_answers_nothing(nominatim) -> None:
    assert nominatim.geocode("Kupyansk", country_codes=["pl"]) is None


def test_geopy_nominatim_unknown_name_is_none(nominatim) -> None:
    assert nominatim.geocode("Moscow") is None


# -- raw shapes -----------------------------------------------------------------------------------------
def test_search_json_record_has_nominatim_fields_and_the_extension(http: httpx.Client) -> None:
    r = http.get("/search", params={"q": "Kupyansk", "format": "json", "addressdetails": 1})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    rec = r.json()[0]
    assert rec["place_id"] == int(KUPYANSK[2:14]) < 2**53  # exact in JavaScript and R too
    assert isinstance(rec["lat"], str) and isinstance(rec["lon"], str)
    assert rec["class"] == "place" and rec["addresstype"] == "city"
    assert len(rec["boundingbox"]) == 4 and all(isinstance(v, str) for v in rec["boundingbox"])
    s, n, w, e = map(float, rec["boundingbox"])
    assert s < float(rec["lat"]) < n and w < float(rec["lon"]) < e
    address = rec["address"]
    assert address["city"] == "Куп’янськ" and address["state"] == "Харківська область"
    assert address["district"].endswith("район") and address["municipality"].endswith("громада")
    assert address["country"] == "Україна" and address["country_code"] == "ua"
    ext = rec["gazetteer"]
    assert ext["katottg"] == KUPYANSK and ext["status"] == "resolved" and ext["coord_precision"] == "point"
    assert 0 < ext["score"] <= 1 and ext["match"] and ext["candidates"][0] == KUPYANSK


def test_search_jsonv2_uses_category_and_no_address_by_default(http: httpx.Client) -> None:
    rec = http.get("/search", params={"q": "Kupyansk"}).json()[0]
    assert rec["category"] == "place" and "class" not in rec and "address" not in rec


def test_search_geojson_is_a_feature_collection_of_points(http: httpx.Client) -> None:
    data = http.get("/search", params={"q": "Kupyansk", "format": "geojson"}).json()
    assert data["type"] == "FeatureCollection"
    feat = data["features"][0]
    assert feat["geometry"]["type"] == "Point"
    lon, lat = feat["geometry"]["coordinates"]
    assert (round(lat, 2), round(lon, 2)) == (49.71, 37.62)
    assert feat["properties"]["gazetteer"]["katottg"] == KUPYANSK


@pytest.mark.parametrize(
    ("path", "params", "category", "kind"),
    [
        ("/search", {"q": "Kupyansk"}, "place", "city"),
        ("/reverse", {"lat": 49.71, "lon": 37.62}, "place", "city"),
        ("/reverse", {"lat": 49.71, "lon": 37.62, "zoom": 6}, "boundary", "administrative"),
        ("/lookup", {"osm_ids": KUPYANSK}, "place", "city"),
    ],
)
def test_geojson_properties_carry_nominatims_keys(http: httpx.Client, path, params, category, kind) -> None:
    # before: the geojson properties said "class", where Nominatim's geojson says "category" (as jsonv2 does)
    data = http.get(path, params={**params, "format": "geojson"}).json()
    props = data["features"][0]["properties"]
    assert props["category"] == category and props["type"] == kind and "class" not in props
    assert {"place_id", "place_rank", "importance", "addresstype", "name", "display_name"} <= set(props)
    geocoding = http.get(path, params={**params, "format": "geocodejson"}).json()["features"][0]["properties"]
    # geocodejson names them as Nominatim's does: osm_key and osm_value
    assert geocoding["geocoding"]["osm_key"] == category and geocoding["geocoding"]["osm_value"] == kind


def test_importance_says_how_prominent_a_place_is_not_how_well_it_matched(http: httpx.Client) -> None:
    # before: importance was the match score, 1.0 on every result of an exact name (Kyiv and the village Київ alike)
    results = http.get("/search", params={"q": "Київ", "limit": 10}).json()
    capital, village = results[0], results[-1]
    assert capital["gazetteer"]["category"] == "K" and village["gazetteer"]["category"] == "C"
    assert capital["gazetteer"]["score"] == village["gazetteer"]["score"]  # both match the name exactly
    assert 0.9 < capital["importance"] <= 1.0 and 0.0 <= village["importance"] < 0.2
    # Kyiv, Kharkiv (a city of 1.4 million), Kupiansk (a city of 27,000), Гути (a town), the village Радьківка
    ids = ["UA80000000000093317", "UA63120270010096107", KUPYANSK, "UA63020010020064103", "UA63080070250094966"]
    by_id = {r["gazetteer"]["katottg"]: r for r in http.get("/lookup", params={"osm_ids": ",".join(ids)}).json()}
    order = [by_id[i]["importance"] for i in ids]
    assert order == sorted(order, reverse=True) and len(set(order)) == len(order)
    # the same in every answer: a property of the place, whatever was asked
    found = http.get("/search", params={"q": "Kupyansk"}).json()[0]["importance"]
    near = http.get("/reverse", params={"lat": 49.71, "lon": 37.62}).json()["importance"]
    assert found == near == by_id[KUPYANSK]["importance"]
    oblast = http.get("/reverse", params={"lat": 49.71, "lon": 37.62, "zoom": 6}).json()
    assert oblast["addresstype"] == "state" and by_id[KUPYANSK]["importance"] < oblast["importance"] <= 1.0


def test_search_geocodejson_has_geocoding_properties(http: httpx.Client) -> None:
    data = http.get("/search", params={"q": "Kupyansk", "format": "geocodejson"}).json()
    assert data["geocoding"]["query"] == "Kupyansk"
    props = data["features"][0]["properties"]["geocoding"]
    assert props["city"] == "Куп’янськ" and props["state"] == "Харківська область" and props["country_code"] == "ua"


def test_search_structured_query_uses_state_as_oblast_hint(http: httpx.Client) -> None:
    data = http.get("/search", params={"city": "Радьківка", "state": "Kharkiv"}).json()
    assert data[0]["gazetteer"]["katottg"] == "UA63080070250094966"
    assert data[0]["gazetteer"]["status"] == "resolved"
    # A stated region restricts the results, as in Nominatim: not the namesakes in Sumy and Chernihiv oblasts.
    assert len(data) == 1
    assert [r["gazetteer"]["katottg"] for r in http.get("/search", params={"q": "Радьківка, Харківська"}).json()] == [
        "UA63080070250094966"
    ]
    # Without a region every namesake comes back; with a region none of them is in, nothing (not found):
    # neither the namesakes elsewhere nor that region's closest spellings, which the reason header names.
    assert len(http.get("/search", params={"q": "Радьківка"}).json()) == 3
    lviv = http.get("/search", params={"city": "Радьківка", "state": "Lviv"})
    assert lviv.headers["X-Gazetteer-Status"] == "not_found" and lviv.json() == []
    # The capital filed under the oblast around it is the capital, not the village Київ elsewhere.
    kyiv = http.get("/search", params={"city": "Kyiv", "state": "Kyiv Oblast"}).json()
    assert [r["gazetteer"]["katottg"][:4] for r in kyiv] == ["UA80"]


def test_search_structured_country_is_read_as_a_cell_would_be(http: httpx.Client) -> None:
    # Crimea filed under Russia (how sources in Russia write it) is in Ukraine; Odessa, USA is abroad.
    data = http.get("/search", params={"city": "Sevastopol", "country": "Russia"}).json()
    assert data[0]["gazetteer"]["katottg"].startswith("UA85")
    assert http.get("/search", params={"city": "Odessa", "country": "USA"}).json() == []
    assert http.get("/search", params={"q": "Odesa", "countrycodes": "us"}).json() == []


def test_search_ambiguous_name_returns_candidates_in_rank_order(http: httpx.Client) -> None:
    data = http.get("/search", params={"q": "Новоселівка", "limit": 5}).json()
    assert len(data) == 5
    assert all(r["gazetteer"]["status"] == "ambiguous" for r in data)
    assert data[0]["gazetteer"]["candidates"][:5] == [r["gazetteer"]["katottg"] for r in data]


def test_search_limit_is_respected(http: httpx.Client) -> None:
    assert len(http.get("/search", params={"q": "Новоселівка", "limit": 2}).json()) == 2
    # more than 40 is read as 40, as Nominatim caps it (Новоселівка has 78 namesakes)
    assert len(http.get("/search", params={"q": "Новоселівка", "limit": 1000}).json()) == 40


@pytest.mark.parametrize("limit", ["0", "-1", " -40 "])
def test_a_limit_below_one_is_a_400_saying_so(http: httpx.Client, limit: str) -> None:
    # before: limit=0 and limit=-1 were read as 1, silently answering a question that was not asked
    for fmt, message in (
        ("jsonv2", lambda r: r.json()["error"]["message"]),
        ("xml", lambda r: _xml(r).findtext("message")),
    ):
        r = http.get("/search", params={"q": "Kyiv", "limit": limit, "format": fmt})
        assert r.status_code == 400 and "limit must be at least 1" in message(r) and repr(limit) in message(r)


@pytest.mark.parametrize(
    ("lang", "state"), [("uk", "Харківська область"), ("en", "Kharkiv Oblast"), ("ru", "Харьковская область")]
)
def test_search_accept_language(http: httpx.Client, lang: str, state: str) -> None:
    rec = http.get("/search", params={"q": "Kupyansk", "accept-language": lang, "addressdetails": 1}).json()[0]
    assert rec["address"]["state"] == state


def test_accept_language_header_is_used_when_no_parameter(http: httpx.Client) -> None:
    rec = http.get(
        "/search", params={"q": "Kupyansk", "addressdetails": 1}, headers={"Accept-Language": "de, en;q=0.8"}
    ).json()[0]
    assert rec["address"]["city"] == "Kupiansk"


def test_countrycodes_without_ua_answers_nothing(http: httpx.Client) -> None:
    assert http.get("/search", params={"q": "Kupyansk", "countrycodes": "pl,de"}).json() == []
    assert http.get("/search", params={"q": "Kupyansk", "countrycodes": "pl,UA"}).json() != []


def test_unknown_parameters_are_ignored(http: httpx.Client) -> None:
    r = http.get("/search", params={"q": "Kupyansk", "polygon_geojson": 1, "email": "x@y", "frobnicate": "yes"})
    assert r.status_code == 200 and r.json()[0]["gazetteer"]["katottg"] == KUPYANSK


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "give q"),
        ({"q": "Kyiv", "city": "Kyiv"}, "cannot be combined"),
        ({"q": "Kyiv", "format": "html"}, "format"),
        ({"q": "Kyiv", "limit": "ten"}, "limit"),
    ],
)
def test_search_bad_input_is_a_400_with_a_json_error(http: httpx.Client, params: dict, message: str) -> None:
    r = http.get("/search", params=params)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 400 and message in error["message"]


@pytest.mark.parametrize(
    ("q", "reason"),
    [("12345", "no letters"), ("-", "no letters"), ("???", "no letters"), ("  ", "empty"), ("", "empty")],
)
def test_a_query_without_letters_finds_nothing_with_a_200(http: httpx.Client, q: str, reason: str) -> None:
    # before: a 400, and geopy raised GeocoderQueryError, stopping a loop over a column with junk cells
    for fmt in ("jsonv2", "geojson"):
        r = http.get("/search", params={"q": q, "format": fmt})
        assert r.status_code == 200 and r.headers["x-gazetteer-status"] == "invalid"
        assert reason in r.headers["x-gazetteer-reason"]
    assert http.get("/search", params={"q": q}).json() == []
    assert http.get("/search", params={"city": "12345", "state": "Kharkiv"}).json() == []


def test_geopy_nominatim_junk_cell_is_none_not_an_error(nominatim) -> None:
    assert [nominatim.geocode(q) for q in ("12345", "-", "???", "Kupyansk")][:3] == [None, None, None]


# Names the resolver finds no settlement for, though it has close spellings to offer: a region that
# holds no settlement of that name, written in q or as state, or named beside a city elsewhere.
NOT_FOUND_WITH_CLOSEST = [
    {"city": "Радьківка", "state": "Донецька"},
    {"q": "Радьківка, Донецька область"},
    {"q": "Sloviansk, Dnipropetrovsk oblast"},
    {"city": "Радьківка", "state": "Lviv"},
]


def _resolution(resolver, params: dict):
    """What /search asks the resolver for these parameters (the answer before the service renders it)."""
    text = params.get("q", params.get("city"))
    res = resolver.lookup(text, oblast=params.get("state"), limit=10, strict=True)
    return resolver.within_hints(res, oblast=params.get("state"))


@pytest.mark.parametrize("params", NOT_FOUND_WITH_CLOSEST, ids=lambda p: ", ".join(p.values()))
def test_a_name_not_found_gives_no_result_in_every_format(http: httpx.Client, resolver, params: dict) -> None:
    # before: the resolver's closest spellings came back as results (Макіївка first for Радьківка, Донецька;
    # the village Слов'янка for Sloviansk, Dnipropetrovsk oblast), and clients that read no header (geopy,
    # tidygeocoder, the spreadsheet recipe) took the first for the answer.
    from urllib.parse import unquote

    res = _resolution(resolver, params)
    assert res.status == "not_found" and res.candidates, "the case must have close spellings to leave out"
    for fmt in FORMATS:
        r = http.get("/search", params={**params, "format": fmt, "limit": 1})
        assert r.status_code == 200 and r.headers["X-Gazetteer-Status"] == "not_found"
        assert "closest: " in unquote(r.headers["X-Gazetteer-Reason"])  # the closest are named, for debugging
        if fmt == "xml":
            root = _xml(r)
            assert root.tag == "searchresults" and root.findall("place") == []
        elif fmt in ("geojson", "geocodejson"):
            assert r.json()["type"] == "FeatureCollection" and r.json()["features"] == []
        else:
            assert r.json() == []


def test_geopy_nominatim_a_name_not_found_is_none_as_from_the_geopy_face(nominatim, resolver) -> None:
    from gazetteer.geocoder import Gazetteer

    for params in NOT_FOUND_WITH_CLOSEST:
        query = params.get("q") or {"city": params["city"], "state": params["state"]}
        assert nominatim.geocode(query) is None and nominatim.geocode(query, exactly_one=False) is None, params
        assert Gazetteer(resolver=resolver).geocode(query) is None


def test_a_bounded_viewbox_around_an_equal_namesake_of_the_best_match_finds_it(http) -> None:
    from urllib.parse import unquote

    # a name resolved to one place among namesakes (Полтава: the city before two villages of that name); a box
    # around one of the others, bounded: a search restricted to the box finds that village, as Nominatim does
    every = http.get("/search", params={"q": "Полтава", "limit": 10}).json()
    assert every[0]["gazetteer"]["status"] == "resolved"
    other = next(r for r in every if r["gazetteer"]["status"] == "candidate" and r["gazetteer"]["score"] == 1.0)
    box = _box(float(other["lat"]), float(other["lon"]))
    got = http.get("/search", params={"q": "Полтава", "viewbox": box, "bounded": 1})
    katottg = [r["gazetteer"]["katottg"] for r in got.json()]
    assert katottg[:1] == [other["gazetteer"]["katottg"]] and got.headers["X-Gazetteer-Status"] == "resolved"
    assert "namesake inside it" in unquote(got.headers["X-Gazetteer-Reason"])


def test_not_found_reason_travels_in_a_header(http: httpx.Client) -> None:
    r = http.get("/search", params={"q": "Moscow"})
    assert r.json() == [] and r.headers["x-gazetteer-status"] == "not_found"
    assert "not a Ukrainian settlement" in r.headers["x-gazetteer-reason"]


def test_a_cyrillic_reason_travels_percent_encoded(http: httpx.Client) -> None:
    from urllib.parse import unquote

    from gazetteer.resolve import default_resolver

    q = "Харківська область"  # names an oblast: the reason names it in Ukrainian
    reason = default_resolver().lookup(q).reason
    assert any("\u0400" <= c <= "\u04ff" for c in reason)
    r = http.get("/search", params={"q": q})
    assert len(r.json()) == 1 and unquote(r.headers["x-gazetteer-reason"]) == reason  # the oblast's record


@pytest.mark.parametrize(
    ("params", "oblasts"),
    [
        ({"q": "Kharkov oblast"}, ["UA63"]),
        ({"q": "Донеччина", "format": "jsonv2"}, ["UA14"]),
        ({"state": "Kharkiv"}, ["UA63"]),
        ({"q": "Донбас"}, ["UA14", "UA44"]),
    ],
)
def test_a_query_naming_only_a_region_gets_the_oblast_as_nominatim_does(http: httpx.Client, params, oblasts) -> None:
    r = http.get("/search", params=params)
    assert r.headers["X-Gazetteer-Status"] == "oblast"
    data = r.json()
    assert [rec["gazetteer"]["katottg"][:4] for rec in data] == oblasts
    assert all(rec["addresstype"] == "state" and rec["type"] == "administrative" for rec in data)


def test_a_city_or_an_unknown_state_is_not_taken_for_an_oblast(http: httpx.Client) -> None:
    assert http.get("/search", params={"q": "Kharkiv"}).headers["X-Gazetteer-Status"] == "resolved"
    r = http.get("/search", params={"state": "Narnia"})
    assert r.json() == [] and r.headers["X-Gazetteer-Status"] == "not_found"


def test_reverse_json_record(http: httpx.Client) -> None:
    rec = http.get("/reverse", params={"lat": "49.7100", "lon": "37.6158", "format": "json"}).json()
    assert rec["gazetteer"]["katottg"] == KUPYANSK and rec["gazetteer"]["distance_km"] < 1
    assert rec["address"]["city"] == "Куп’янськ"


@pytest.mark.parametrize(("zoom", "addresstype"), [(3, "country"), (6, "state"), (8, "district"), (14, "city")])
def test_reverse_zoom_picks_the_level(http: httpx.Client, zoom: int, addresstype: str) -> None:
    rec = http.get("/reverse", params={"lat": "49.7100", "lon": "37.6158", "zoom": zoom}).json()
    assert rec["addresstype"] == addresstype


def test_a_raion_is_a_district_in_search_and_in_reverse_alike(http: httpx.Client) -> None:
    # before: /search said address.district, /reverse?zoom=8 address.county and addresstype county
    found = http.get("/search", params={"q": "Kupyansk", "addressdetails": 1, "limit": 1}).json()[0]
    raion = http.get("/reverse", params={"lat": found["lat"], "lon": found["lon"], "zoom": 8}).json()
    assert raion["addresstype"] == "district" and "county" not in raion["address"]
    assert raion["address"]["district"] == found["address"]["district"] == "Куп’янський район"
    coded = http.get("/reverse", params={"lat": found["lat"], "lon": found["lon"], "zoom": 8, "format": "geocodejson"})
    assert coded.json()["features"][0]["properties"]["geocoding"]["county"] == "Куп’янський район"


def test_reverse_outside_ukraine_is_nominatims_error(http: httpx.Client) -> None:
    r = http.get("/reverse", params={"lat": "52.52", "lon": "13.40"})
    assert r.status_code == 200 and r.json() == {"error": "Unable to geocode"}


@pytest.mark.parametrize(
    "params",
    [{"lat": "abc", "lon": "30"}, {"lat": "50"}, {"lat": "91", "lon": "30"}, {"lat": "nan", "lon": "30"}, {}],
)
def test_reverse_malformed_coordinates_are_rejected(http: httpx.Client, params: dict) -> None:
    r = http.get("/reverse", params=params)
    assert r.status_code == 400 and r.json()["error"]["code"] == 400


def test_lookup_by_katottg_id_and_place_id(http: httpx.Client) -> None:
    ids = f"{KUPYANSK},{int(KUPYANSK[2:14])},{int(KUPYANSK[2:])},UA00000000000000000,123"
    data = http.get("/lookup", params={"osm_ids": ids}).json()
    assert [r["gazetteer"]["katottg"] for r in data] == [KUPYANSK, KUPYANSK, KUPYANSK]


def test_unknown_endpoint_is_a_json_404(http: httpx.Client) -> None:
    r = http.get("/details.php", params={"place_id": 1})
    assert r.status_code == 404 and "/search" in r.json()["error"]["message"]
    assert "POST /batch" in r.json()["error"]["message"]  # every endpoint is listed


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/search", {"GET", "HEAD"}),
        ("POST", "/search", {"GET", "HEAD"}),
        ("PUT", "/reverse", {"GET", "HEAD"}),
        ("POST", "/lookup", {"GET", "HEAD"}),
        ("GET", "/batch", {"POST"}),
        ("DELETE", "/batch", {"POST"}),
    ],
)
def test_a_method_not_allowed_is_a_405_with_the_allow_header(http: httpx.Client, method, path, allowed) -> None:
    # before: the 405 carried no Allow header (RFC 9110 requires it)
    r = http.request(method, path, params={"q": "Kupyansk"})
    assert r.status_code == 405 and r.json()["error"]["code"] == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed


def test_ambiguous_none_gives_no_single_answer_but_keeps_the_candidates() -> None:
    geopy = pytest.importorskip("geopy.geocoders")
    with LocalServer(Settings(rate=0, ambiguous="none")) as srv:
        nominatim = geopy.Nominatim(domain=f"127.0.0.1:{srv.port}", scheme="http", user_agent="gazetteer-tests")
        assert nominatim.geocode("Новоселівка") is None
        assert len(nominatim.geocode("Новоселівка", exactly_one=False, limit=5)) == 5
        assert nominatim.geocode("Kupyansk").raw["gazetteer"]["status"] == "resolved"
        r = httpx.get(f"{srv.url}/search", params={"q": "Новоселівка", "limit": 1})
        assert r.json() == [] and r.headers["x-gazetteer-status"] == "ambiguous"


def test_geopy_exactly_one_on_an_ambiguous_name_gets_the_best_candidate_flagged(nominatim) -> None:
    loc = nominatim.geocode("Новоселівка")
    ext = loc.raw["gazetteer"]
    assert ext["status"] == "ambiguous" and ext["rank"] == 1
    assert len(ext["candidates"]) == 10 and ext["candidates"][0] == ext["katottg"]  # its peers, best first


def test_lookup_without_ids_is_a_400(http: httpx.Client) -> None:
    assert http.get("/lookup").status_code == 400


def test_parameters_never_reach_the_file_system(http: httpx.Client) -> None:
    for value in ("../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd"):
        for path, name in (("/search", "q"), ("/lookup", "osm_ids"), ("/search", "format")):
            r = http.get(path, params={name: value})
            assert "root:" not in r.text
    assert http.get("/static/../serve.py").status_code == 404
    assert http.get("/static/app.js/../../serve.py").status_code == 404


def test_status(http: httpx.Client) -> None:
    assert http.get("/status").text == "OK"
    data = http.get("/status", params={"format": "json"}).json()
    assert data["status"] == 0 and data["message"] == "OK" and data["data_updated"]


def test_cross_origin_clients_are_allowed(http: httpx.Client) -> None:
    # a browser sends Origin with every cross-origin request; the CORS headers answer it
    r = http.get("/status", headers={"Origin": "https://notebook.example"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_cross_origin_scripts_read_the_gazetteer_headers_and_preflight_is_answered(http: httpx.Client) -> None:
    # before: no Access-Control-Expose-Headers (a browser script read X-Gazetteer-* as null) and OPTIONS was a 405
    origin = {"Origin": "https://notebook.example"}
    r = http.get("/search", params={"q": "Moscow"}, headers=origin)
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"x-gazetteer-status", "x-gazetteer-reason", "retry-after"} <= exposed
    assert r.headers["access-control-allow-origin"] == "*"
    ask = {**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "accept-language"}
    pre = http.options("/search", headers=ask)
    assert pre.status_code in (200, 204) and pre.headers["access-control-allow-origin"] == "*"
    assert "GET" in pre.headers["access-control-allow-methods"]
    assert "accept-language" in pre.headers["access-control-allow-headers"].lower()
    delete = http.options("/search", headers={**origin, "Access-Control-Request-Method": "DELETE"})
    assert delete.status_code == 400  # no endpoint deletes anything


def test_a_page_of_another_origin_may_post_a_column_to_batch(http: httpx.Client) -> None:
    # before: the preflight of POST /batch was a 400 ("only GET is served to other origins"), so a browser never
    # sent the POST of a JavaScript page elsewhere
    origin = {"Origin": "https://notebook.example"}
    ask = {**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    pre = http.options("/batch", headers=ask)
    assert pre.status_code in (200, 204) and pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in {m.strip() for m in pre.headers["access-control-allow-methods"].split(",")}
    assert "content-type" in pre.headers["access-control-allow-headers"].lower()
    r = http.post("/batch", json={"names": ["Kupyansk", "Москва"]}, headers=origin)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert [row["gaz_status"] for row in r.json()["rows"]] == ["resolved", "not_found"]


def test_cors_origins_setting_governs_post_batch_too() -> None:
    with LocalServer(Settings(rate=0, cors_origins=("https://ok.example",))) as srv:
        ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        good = httpx.options(f"{srv.url}/batch", headers={**ask, "Origin": "https://ok.example"})
        assert good.status_code in (200, 204) and good.headers["access-control-allow-origin"] == "https://ok.example"
        assert httpx.options(f"{srv.url}/batch", headers={**ask, "Origin": "https://evil.example"}).status_code == 400
        r = httpx.post(f"{srv.url}/batch", json={"names": ["Kupyansk"]}, headers={"Origin": "https://ok.example"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://ok.example"
        assert r.json()["rows"][0]["gaz_id"] == KUPYANSK


def test_cors_origins_setting_restricts_who_may_read() -> None:
    with LocalServer(Settings(rate=0, cors_origins=("https://ok.example",))) as srv:
        good = httpx.get(f"{srv.url}/status", headers={"Origin": "https://ok.example"})
        assert good.headers["access-control-allow-origin"] == "https://ok.example" and "Origin" in good.headers["vary"]
        bad = httpx.get(f"{srv.url}/status", headers={"Origin": "https://evil.example"})
        assert bad.status_code == 200 and "access-control-allow-origin" not in bad.headers
        ask = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        assert httpx.options(f"{srv.url}/search", headers=ask).status_code == 400
    with pytest.raises(ValueError, match="cors_origins"):
        Settings(cors_origins=("",))


def test_a_refused_request_is_readable_across_origins() -> None:
    with LocalServer(Settings(rate=1, burst=1)) as srv:
        origin = {"Origin": "https://notebook.example"}
        codes = [httpx.get(f"{srv.url}/status", headers=origin) for _ in range(3)]
        refused = [r for r in codes if r.status_code == 429][0]
        assert refused.headers["access-control-allow-origin"] == "*" and refused.headers["retry-after"]


def test_batch_endpoint_keeps_every_row_in_order(http: httpx.Client) -> None:
    names = ["Kupyansk", "Москва", "", "Радьківка", "Kupyansk"]
    rows = http.post("/batch", json={"names": names}).json()["rows"]
    assert [r["query"] for r in rows] == names
    assert [r["gaz_status"] for r in rows] == ["resolved", "not_found", "invalid", "ambiguous", "resolved"]
    rows = http.post("/batch", json={"names": ["Радьківка"], "oblast": "Kharkiv"}).json()["rows"]
    assert rows[0]["gaz_id"] == "UA63080070250094966"


def test_batch_text_body_is_one_name_per_line(http: httpx.Client) -> None:
    rows = http.post("/batch", content="Купянск\nArtemivsk\n".encode()).json()["rows"]
    assert [r["gaz_name_uk"] for r in rows] == ["Куп’янськ", "Бахмут"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"names": ["Kyiv"], "oblast": 5}, "oblast must be one oblast name (a string"),
        ({"names": ["Kyiv"], "oblast": ["Kharkiv"]}, "oblast must be one oblast name (a string"),
        ({"names": ["Kyiv"], "oblast": {"name": "Kharkiv"}}, "oblast must be one oblast name (a string"),
        ({"names": ["Kyiv"], "oblast": True}, "oblast must be one oblast name (a string"),
        ({"names": "Kyiv"}, "names must be a list of place names, not a string"),
        ({"names": None}, "names must be a list of place names, not null"),
        ({"names": {"0": "Kyiv"}}, "names must be a list of place names, not an object"),
        ({"oblast": "Kharkiv"}, "the JSON body has no names"),
        ({"names": ["Kyiv"], "oblasts": ["Kharkiv"]}, "unknown field 'oblasts'"),
        ("Kyiv", "the JSON body is a string"),
        (None, "the JSON body is null"),
    ],
)
def test_batch_json_body_of_another_shape_is_a_400_naming_the_field(http: httpx.Client, body, message) -> None:
    # before: a non-string oblast was a 500 ("internal error: AttributeError"), an unknown field was ignored
    r = http.post("/batch", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and message in r.json()["error"]["message"], r.text


def test_batch_json_that_is_not_json_or_nested_too_deeply_is_a_400(http: httpx.Client) -> None:
    headers = {"Content-Type": "application/json"}
    for body, message in (("{names: [Kyiv]}", "not JSON"), ("[" * 100_000, "nested too deeply")):
        r = http.post("/batch", content=body.encode(), headers=headers)
        assert r.status_code == 400 and message in r.json()["error"]["message"], r.text


def test_batch_oblast_may_be_null_or_the_parameter(http: httpx.Client) -> None:
    null = http.post("/batch", json={"names": ["Радьківка"], "oblast": None}).json()["rows"]
    assert null[0]["gaz_status"] == "ambiguous"
    given = http.post("/batch", params={"oblast": "Kharkiv"}, json={"names": ["Радьківка"]}).json()["rows"]
    assert given[0]["gaz_id"] == "UA63080070250094966"


def test_batch_names_that_are_no_strings_are_junk_cells_each_with_its_row(http: httpx.Client) -> None:
    names = [None, 5, 1.5, True, {"name": "Kyiv"}, ["Kyiv"], "Kupyansk"]
    r = http.post("/batch", json={"names": names})
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert [row["gaz_status"] for row in rows] == ["invalid"] * 6 + ["resolved"]
    assert all(row["gaz_reason"] for row in rows[:6]) and [row["query"] for row in rows] == names


def test_batch_a_null_name_comes_back_as_null_not_as_the_name_null(http: httpx.Client) -> None:
    # before: the null's row said "query": "null", the same as a row for a place named "null"
    rows = http.post("/batch", json=["Kupyansk", None, "null", "Kupyansk"]).json()["rows"]
    assert [r["query"] for r in rows] == ["Kupyansk", None, "null", "Kupyansk"]
    assert [r["gaz_status"] for r in rows] == ["resolved", "invalid", "invalid", "resolved"]
    assert rows[1]["gaz_reason"] == "empty value"  # as gazetteer batch says of a JSON null cell


@pytest.mark.parametrize("media", ["text/csv", "text/csv; charset=utf-8", "text/tab-separated-values"])
def test_batch_refuses_a_table_body_with_a_415(http: httpx.Client, media: str) -> None:
    # before: a CSV's header line ("place,region") and every "name,oblast" line were resolved as place names
    r = http.post("/batch", content=b"place,region\nKupyansk,Kharkiv\n", headers={"Content-Type": media})
    assert r.status_code == 415
    assert "one name per line" in r.json()["error"]["message"]
    # the same names as plain text are resolved, one row per line
    rows = http.post("/batch", content=b"Kupyansk\n", headers={"Content-Type": "text/plain"}).json()["rows"]
    assert rows[0]["gaz_id"] == KUPYANSK


def test_map_data_has_every_oblast_with_an_outline(http: httpx.Client) -> None:
    data = http.get("/map.json").json()
    assert len(data["oblasts"]) == 27 and all(o["rings"] for o in data["oblasts"])
    assert len(data["points"]) > 3000


def test_page_is_served_without_third_party_scripts(http: httpx.Client) -> None:
    page = http.get("/").text
    assert 'id="q"' in page and "/static/app.js" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # every script and style is our own
    assert "gazetteer" in http.get("/static/app.js").text


# -- bounds -----------------------------------------------------------------------------------------------
def test_oversized_url_is_refused() -> None:
    with LocalServer(Settings(rate=0, max_url_bytes=200)) as srv:
        r = httpx.get(f"{srv.url}/search", params={"q": "x" * 300})
        assert r.status_code == 414 and r.json()["error"]["code"] == 414


def test_oversized_body_and_batch_are_refused() -> None:
    with LocalServer(Settings(rate=0, max_body_bytes=100, max_batch=3)) as srv:
        assert httpx.post(f"{srv.url}/batch", content=b"x\n" * 200).status_code == 413
        assert httpx.post(f"{srv.url}/batch", content=b"a\nb\nc\nd\n").status_code == 413
        assert httpx.post(f"{srv.url}/batch", content=b"a\nb\nc\n").status_code == 200


def test_per_client_budget_answers_429_with_retry_after() -> None:
    with LocalServer(Settings(rate=1, burst=3)) as srv, httpx.Client(base_url=srv.url) as client:
        codes = [client.get("/status").status_code for _ in range(6)]
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
        r = client.get("/status")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_budget_refills_over_time_and_is_per_client() -> None:
    b = Budget(rate=2, burst=2)
    assert [b.take("a", now=0.0) for _ in range(3)][:2] == [0.0, 0.0]
    assert b.take("a", now=0.0) > 0
    assert b.take("b", now=0.0) == 0.0  # another client is not starved
    assert b.take("a", now=1.0) == 0.0  # two tokens back after a second


def test_budget_forgets_idle_clients_beyond_its_bound() -> None:
    b = Budget(rate=10, burst=1, max_clients=10)
    for i in range(100):
        b.take(f"client{i}", now=float(i))
    assert len(b._buckets) <= 10


@pytest.mark.slow
def test_the_serve_command_with_two_workers_answers_geopy(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    geopy = pytest.importorskip("geopy.geocoders")
    port = free_port()
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo), "GAZETTEER_CACHE": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "gazetteer.cli", "serve", "--port", str(port), "--workers", "2", "--rate", "5"]
    server = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/status", timeout=2).text == "OK":
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read()[-2000:]
            assert time.monotonic() < deadline, "gazetteer serve --workers 2 did not start"
            time.sleep(0.3)
        nominatim = geopy.Nominatim(domain=f"127.0.0.1:{port}", scheme="http", user_agent="gazetteer-tests")
        assert nominatim.geocode("Kupyansk").raw["gazetteer"]["katottg"] == KUPYANSK
        # the --rate 5 budget travelled to the worker processes: a burst beyond it is refused
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            codes = [client.get("/status").status_code for _ in range(250)]
        assert 429 in codes
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out


@pytest.mark.parametrize(
    ("query", "russian"),
    [
        ("Kyiv", "Киев"),
        ("Kharkiv", "Харьков"),
        ("Mykolaiv", "Николаев"),
        ("Odesa", "Одесса"),
        ("Mariupol", "Мариуполь"),
    ],
)
def test_russian_names_are_russian_not_the_first_variant_labelled_so(http: httpx.Client, query, russian) -> None:
    # The GeoNames dump labels no alternate with its language: the first "russian" variant of Kyiv was
    # Chuvash (Кейӳ). Shown names are Russian letters close to the Russian form of the Ukrainian name.
    rec = http.get("/search", params={"q": query, "accept-language": "ru", "addressdetails": 1}).json()[0]
    assert rec["name"] == russian


def test_no_russian_name_shown_holds_letters_russian_lacks(resolver) -> None:
    import re

    from gazetteer.nominatim import Places

    shown = Places(resolver).russian
    assert len(shown) > 1000
    assert not [t for t in shown.values() if re.search(r"[^А-ЯЁа-яё’' -]", t)]


def test_bind_gives_a_listening_socket_and_the_port_actually_bound() -> None:
    from gazetteer.serve import BindError, bind

    sock = bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert 0 < port <= 65535
        with pytest.raises(BindError, match="in use"):
            bind("127.0.0.1", port)
    finally:
        sock.close()
    for bad in (65536, -1, 99999):
        with pytest.raises(BindError, match="0 to 65535"):
            bind("127.0.0.1", bad)


# Russian names of big cities, from general knowledge (not from the data).
RUSSIAN_OF = {
    "Київ": "Киев",
    "Харків": "Харьков",
    "Львів": "Львов",
    "Дніпро": "Днепр",
    "Одеса": "Одесса",
    "Запоріжжя": "Запорожье",
    "Кривий Ріг": "Кривой Рог",
    "Рівне": "Ровно",
    "Біла Церква": "Белая Церковь",
    "Краматорськ": "Краматорск",
    "Слов’янськ": "Славянск",
    "Покровськ": "Покровск",
    "Сіверськодонецьк": "Северодонецк",
    "Донецьк": "Донецк",
    "Луганськ": "Луганск",
    "Маріуполь": "Мариуполь",
    "Полтава": "Полтава",
    "Ужгород": "Ужгород",
    "Чернівці": "Черновцы",
    "Куп’янськ": "Купянск",
    "Ізюм": "Изюм",
    "Тернопіль": "Тернополь",
    "Черкаси": "Черкассы",
    "Суми": "Сумы",
    "Мелітополь": "Мелитополь",
    "Хмельницький": "Хмельницкий",
}


def test_russian_names_of_big_cities_are_russian_or_ukrainian_never_junk(resolver) -> None:
    from gazetteer.nominatim import Places

    places = Places(resolver)
    shown = {}
    for s in resolver.extract.settlements:
        if s.name_uk in RUSSIAN_OF and s.category in ("M", "K") and s.name_uk not in shown:
            shown[s.name_uk] = places.name(s, "ru")
    assert set(shown) == set(RUSSIAN_OF)
    wrong = {uk: ru for uk, ru in shown.items() if ru not in (RUSSIAN_OF[uk], uk)}
    assert not wrong  # before: Одесс, Краматорска, Купенськ, Белая Царква, Марыупаль, Луганскай, Донецьке
    russian = [uk for uk, ru in shown.items() if ru == RUSSIAN_OF[uk] and ru != uk]
    # and most of them do have their Russian name (before russian_spellings.tsv, 14: Одесса, Мариуполь,
    # Черкассы... fold like the official name, so were no name rows, and the Ukrainian name was shown)
    assert len(russian) >= 20, russian


@pytest.mark.parametrize(
    ("name_uk", "rule", "spellings", "expected"),
    [
        ("Одеса", "Одеса", ["Одесс", "Одесса"], "Одесса"),  # a doubled letter: the rules change nothing
        ("Черкаси", "Черкаси", ["Черкасси", "Черкасы", "Черкассы"], "Черкассы"),  # and -ы for -и
        ("Стрий", "Стрий", ["Стрый"], "Стрый"),
        ("Лиман", "Лиман", ["Лыман"], None),  # ы inside a word is a Ukrainian и transliterated, not Russian
        ("Житомир", "Житомир", ["Житомиръ"], None),  # pre-reform spelling
        ("Маріуполь", "Мариуполь", ["Мариупол", "Мариуполь"], "Мариуполь"),  # the rule-made form borne out
        ("Куп’янськ", "Купьянск", ["Купьянск"], None),  # no soft sign after a labial in Russian: Купянск
        ("Південне", "Пивденное", ["Пивдене"], None),  # a transliteration, not the rule-made form
    ],
)
def test_russian_from_spellings_takes_only_what_a_rule_bears_out(name_uk, rule, spellings, expected) -> None:
    from gazetteer.nominatim import russian_from_spellings

    assert russian_from_spellings(name_uk, rule, spellings) == expected


@pytest.mark.parametrize(
    ("name_uk", "rule", "variants", "expected"),
    [
        ("Городок", "Городок", ["Гарадок"], None),  # nothing to respell: a differing variant is Belarusian
        ("Сосниця", "Сосница", ["Соснице", "Сосницу", "Сосница"], "Сосница"),  # not an inflected one
        ("Сосниця", "Сосница", ["Сосниц", "Сосницах"], None),  # cut short, and inflected
        ("Нова Березівка", "Новая Березовка", ["Новая Беразовка", "Нова Березовка"], None),  # Belarusian а; adjective
        ("Березівка", "Березовка", ["Березоўка", "Березівка"], None),  # ў and і: not Russian letters
        ("Вишнівськ", "Вишневск", ["Вишневськ", "Вишневск ош"], None),  # -ськ; another number of words
        ("Дубровськ", "Дубровск", ["Дубровськ"], "Дубровск"),  # the rule-made form where the rule is certain
        ("Гай", "Гай", ["Гай"], None),
        ("Зелений Гай", "Зеленый Гай", ["Зелёный Гай", "Зелены Гай"], "Зелёный Гай"),
        ("Тополине", "Тополиное", ["Ясное"], None),  # not close to the rule-made form
        ("Вітрополь", "Витрополь", ["Витреполь"], "Витрополь"),  # о misspelt е: it bears out the rule-made form
        ("Оленівка", "Оленовка", ["Еленовка"], "Еленовка"),  # but a word's first О may be Е in Russian
        ("Чорнобаївка", "Чорнобаевка", ["Чернобаевка"], "Чернобаевка"),  # and о after ч is е
        ("Дубове", "Дубово", ["Дубови"], None),  # its last vowel changed: a case form, or not Russian
        ("Стінки", "Стинки", ["Стинку"], None),
        ("Зазим’я", "Зазимья", ["Зазимье"], "Зазимье"),  # -ья -> -ье is Russian
    ],
)
def test_russian_choice_refuses_junk_on_made_up_variants(name_uk, rule, variants, expected) -> None:
    from gazetteer.nominatim import russian_choice

    assert russian_choice(name_uk, rule, variants) == expected


# -- viewbox and bounded ----------------------------------------------------------------------------------
def test_geopy_bounded_viewbox_elsewhere_finds_nothing_and_unbounded_still_finds(nominatim) -> None:
    box = [(46.0, 35.0), (47.0, 36.0)]  # (lat, lon) corners near Zaporizhzhia, far from Kyiv
    assert nominatim.geocode("Kyiv", viewbox=box, bounded=True) is None
    assert nominatim.geocode("Kyiv", viewbox=box, bounded=False).raw["display_name"].startswith("Київ")
    around = [(50.0, 30.0), (51.0, 31.0)]
    assert nominatim.geocode("Kyiv", viewbox=around, bounded=True).raw["display_name"].startswith("Київ")


def _box(lat: float, lon: float, half: float = 0.05) -> str:
    return f"{lon + half},{lat - half},{lon - half},{lat + half}"  # corners in the other order on purpose


def test_bounded_viewbox_picks_the_one_candidate_of_an_ambiguous_name_inside_it(http: httpx.Client) -> None:
    every = http.get("/search", params={"q": "Радьківка", "limit": 10}).json()
    assert len(every) >= 2 and every[0]["gazetteer"]["status"] == "ambiguous"
    last = every[-1]
    got = http.get(
        "/search", params={"q": "Радьківка", "viewbox": _box(float(last["lat"]), float(last["lon"])), "bounded": 1}
    )
    assert [r["gazetteer"]["katottg"] for r in got.json()] == [last["gazetteer"]["katottg"]]
    assert got.json()[0]["gazetteer"]["status"] == "resolved" and got.headers["X-Gazetteer-Status"] == "resolved"


def test_unbounded_viewbox_puts_the_candidate_inside_it_first_among_equals(http: httpx.Client) -> None:
    every = http.get("/search", params={"q": "Радьківка", "limit": 10}).json()
    equal = [r for r in every if r["gazetteer"]["score"] == every[0]["gazetteer"]["score"]]
    assert len(equal) >= 2
    last = equal[-1]
    got = http.get(
        "/search", params={"q": "Радьківка", "limit": 10, "viewbox": _box(float(last["lat"]), float(last["lon"]))}
    ).json()
    assert got[0]["gazetteer"]["katottg"] == last["gazetteer"]["katottg"]
    assert sorted(r["gazetteer"]["katottg"] for r in got) == sorted(r["gazetteer"]["katottg"] for r in every)


@pytest.mark.parametrize("viewbox", ["30,50,31", "a,b,c,d", "30,50,30,51", "200,50,31,51", "30,nan,31,51"])
def test_a_bad_viewbox_is_a_400_saying_so(http: httpx.Client, viewbox: str) -> None:
    got = http.get("/search", params={"q": "Kyiv", "viewbox": viewbox, "bounded": 1})
    assert got.status_code == 400 and "viewbox" in got.json()["error"]["message"]


def test_a_unit_and_a_settlement_never_share_a_place_id(http: httpx.Client) -> None:
    city = http.get("/search", params={"q": "Київ", "limit": 1}).json()[0]
    unit = http.get("/reverse", params={"lat": city["lat"], "lon": city["lon"], "zoom": 5}).json()
    assert unit["addresstype"] == "state" and unit["place_id"] != city["place_id"] < 2**53
    assert unit["place_id"] < 2**53
    both = http.get("/lookup", params={"osm_ids": f"{city['place_id']},{unit['place_id']}"}).json()
    assert [r["place_id"] for r in both] == [city["place_id"], unit["place_id"]]
    assert both[0]["gazetteer"]["katottg"] == city["gazetteer"]["katottg"]


def test_the_reason_header_is_percent_encoded_utf8(http: httpx.Client) -> None:
    from urllib.parse import unquote

    got = http.get("/search", params={"q": "Радьківка", "limit": 1})
    reason = got.json()[0]["gazetteer"]["reason"]
    assert got.headers["X-Gazetteer-Reason"].isascii() and unquote(got.headers["X-Gazetteer-Reason"]) == reason


def test_a_viewbox_picks_among_every_candidate_of_a_name_not_the_first_forty(http: httpx.Client, resolver) -> None:
    from urllib.parse import unquote

    # Іванівка has over a hundred namesakes; this box (made up) holds three, none of them among the first ten
    # and only one among the first forty that the resolver used to be asked for.
    west, south, east, north = 35.0, 49.0, 37.0, 50.0
    every = [s for s in resolver.extract.settlements if s.name_uk == "Іванівка"]
    inside = {s.id for s in every if west <= s.lon <= east and south <= s.lat <= north}
    assert len(every) > 40 and len(inside) >= 3
    box = f"{east},{north},{west},{south}"
    got = http.get("/search", params={"q": "Іванівка", "viewbox": box, "bounded": 1, "limit": 40})
    assert {r["gazetteer"]["katottg"] for r in got.json()} == inside
    reason = unquote(got.headers["X-Gazetteer-Reason"])
    assert reason.startswith(f"{len(inside)} of the {len(every)} candidates are inside the viewbox"), reason
    assert got.json()[0]["gazetteer"]["reason"] == reason
    # without bounded=1 they go first, within the default limit of 10
    first = http.get("/search", params={"q": "Іванівка", "viewbox": box}).json()
    assert {r["gazetteer"]["katottg"] for r in first[: len(inside)]} == inside and len(first) == 10
    assert f"{len(inside)} of them inside the viewbox, listed first" in first[0]["gazetteer"]["reason"]


def test_a_bounded_viewbox_without_the_best_match_says_so_and_keeps_the_weaker_inside() -> None:
    from gazetteer.model import Match, Resolution, Settlement
    from gazetteer.serve import within_viewbox

    def place(name: str, lat: float, lon: float) -> Settlement:
        return Settlement(
            f"UA{abs(hash(name)) % 10**17:017d}", name, name, "C", "UA1", "О", "O", "UA2", "Р", "R",
            "UA3", "Г", "H", lat, lon, "point", None, None,
        )  # fmt: skip

    best, weaker = (
        Match(place("Вербівка", 50.0, 30.0), 1.0, "exact", "x"),
        Match(place("Вербовка", 48.5, 35.5), 0.8, "fuzzy", "x"),
    )
    res = Resolution("Вербівка", "resolved", "the only exact match", best, (best, weaker))
    got = within_viewbox(res, (35.0, 48.0, 36.0, 49.0), bounded=True)
    assert got.status == "not_found" and got.match is None and got.candidates == (weaker,)
    assert got.reason.startswith("the best match, Вербівка (R raion, O, village), is outside the viewbox")
    assert within_viewbox(res, (29.0, 49.0, 31.0, 51.0), bounded=True).status == "resolved"
    # a namesake as well matched as the best, inside the box: the answer there (two: ambiguous between them)
    twin = Match(place("Вербівка2", 48.6, 35.6), 1.0, "exact", "x")
    res = Resolution("Вербівка", "resolved", "a city before villages", best, (best, twin, weaker))
    got = within_viewbox(res, (35.0, 48.0, 36.0, 49.0), bounded=True)
    assert got.status == "resolved" and got.match == twin and "namesake inside it" in got.reason
    triplet = Match(place("Вербівка3", 48.7, 35.7), 1.0, "exact", "x")
    res = Resolution("Вербівка", "resolved", "", best, (best, twin, triplet, weaker))
    got = within_viewbox(res, (35.0, 48.0, 36.0, 49.0), bounded=True)
    assert got.status == "ambiguous" and got.candidates == (twin, triplet)


# -- Russian names of units ---------------------------------------------------------------------------------
# From general knowledge: a city, its hromada, raion and oblast in Russian.
RUSSIAN_ADDRESS = {
    "Simferopol": ("Симферополь", "Симферопольская громада", "Симферопольский район"),
    "Mykolaiv": ("Николаев", "Николаевская громада", "Николаевский район", "Николаевская область"),
    "Dnipro": ("Днепр", "Днепровская громада", "Днепровский район", "Днепропетровская область"),
    "Kryvyi Rih": ("Кривой Рог", "Криворожская громада", "Криворожский район", "Днепропетровская область"),
    "Donetsk": ("Донецк", "Донецкая громада", "Донецкий район", "Донецкая область"),
    "Kharkiv": ("Харьков", "Харьковская громада", "Харьковский район", "Харьковская область"),
}


@pytest.mark.parametrize("query", sorted(RUSSIAN_ADDRESS))
def test_russian_address_agrees_with_the_city_and_the_gender_of_each_unit(http: httpx.Client, query: str) -> None:
    # before: Симфереполь, Симферопольский громада; Миколаївська, Донецька, Криворізька громада; Днипровский район
    rec = http.get("/search", params={"q": query, "accept-language": "ru", "addressdetails": 1, "limit": 1}).json()[0]
    address = rec["address"]
    got = (rec["name"], address["municipality"], address["district"], address.get("state"))
    assert got[: len(RUSSIAN_ADDRESS[query])] == RUSSIAN_ADDRESS[query]


def test_every_unit_in_russian_is_wholly_russian_agreeing_with_its_word_or_wholly_ukrainian(resolver) -> None:
    import re

    from gazetteer.nominatim import UNIT_GENDER, Places

    places = Places(resolver)
    mixed, disagreeing = [], []
    for uid, u in resolver.extract.units.items():
        ru, uk = places.unit_phrase(uid, "ru"), places.unit_phrase(uid, "uk")
        if ru == uk:
            continue  # no Russian form certain: the Ukrainian name, whole
        name = places.unit_name(uid, "ru")
        if not re.fullmatch(r"[А-ЯЁа-яё -]+", name):
            mixed.append(ru)
        elif u.level in UNIT_GENDER and not uid.startswith(("UA01", "UA80", "UA85")):
            if not name.endswith(("ая",) if UNIT_GENDER[u.level] == "f" else ("ий", "ый", "ой")):
                disagreeing.append(ru)
    assert not mixed and not disagreeing, (mixed[:5], disagreeing[:5])
    assert len(places.russian_units) > 1500  # and most units have their Russian name


def test_russian_unit_names_are_made_from_the_settlement_or_taken_when_certain_on_made_up_names() -> None:
    from gazetteer.nominatim import russian_adjective_ending, russian_unit_from_settlement, russian_unit_given

    # made from the Russian name of the settlement the unit is named after
    assert russian_unit_from_settlement("Вітропільська", "Вітропіль", "Ветрополь", []) == ("Ветропол", "ьск")
    assert russian_unit_from_settlement("Зорянівська", "Зорянівка", "Зоряновка", []) == ("Зорянов", "ск")
    assert russian_unit_from_settlement("Південноміська", "Південне", "Южное", []) is None  # another word follows
    # the source's form, in the unit word's gender, where it is close to the Ukrainian name's Russian form
    assert russian_unit_given("Зорянська", "Зорянский", []) == ("Зорянск", "ий")
    assert russian_adjective_ending("Зорянск", "f") == "Зорянская"
    assert russian_adjective_ending("Берегов", "m", "ой") == "Береговой"
    assert russian_unit_given("Пожезька", "Пожежская", []) == ("Пожежск", "")  # з ~ ж before -ськ
    assert russian_unit_given("Зорянський", "Краснозвёздный", []) is None  # a former name
    assert russian_unit_given("Липецька", "Липецкаяя", []) is None
    assert russian_unit_given("Липецька", "Lипецкая", []) is None


# -- reverse at a coarse zoom ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lat", "lon", "zoom", "lang", "name"),
    [
        (49.93, 36.31, 6, "uk", "Харківська область"),  # a point made up on the edge of Kharkiv
        (49.93, 36.31, 9, "en", "Kharkiv Raion"),
        (48.53, 35.02, 5, "ru", "Днепропетровская область"),
        (45.02, 34.05, 7, "uk", "Автономна Республіка Крим"),
        (50.41, 30.63, 6, "uk", "Київ"),
        (44.58, 33.47, 6, "uk", "Севастополь"),
    ],
)
def test_reverse_unit_record_is_named_as_a_name_and_claims_no_distance(http, lat, lon, zoom, lang, name) -> None:
    # before: "name": "Харківська" and "distance_km": 0.301, the distance to the nearest settlement
    got = http.get("/reverse", params={"lat": lat, "lon": lon, "zoom": zoom, "accept-language": lang}).json()
    assert got["name"] == name and got["display_name"].startswith(name)
    assert "distance_km" not in got["gazetteer"] and got["gazetteer"]["level"] in ("oblast", "raion")
    settlement = http.get("/reverse", params={"lat": lat, "lon": lon, "zoom": 14}).json()
    assert settlement["gazetteer"]["distance_km"] >= 0  # a settlement's record keeps its distance


def test_lookup_reads_nominatim_style_osm_ids_with_a_type_letter(http: httpx.Client) -> None:
    # before: [] for R630800900100
    city = http.get("/search", params={"q": "Kupyansk", "limit": 1}).json()[0]
    unit = http.get("/reverse", params={"lat": city["lat"], "lon": city["lon"], "zoom": 6}).json()
    ids = f"R{city['place_id']},n{city['place_id']},W{unit['place_id']},X{city['place_id']},R"
    got = http.get("/lookup", params={"osm_ids": ids}).json()
    assert [r["place_id"] for r in got] == [city["place_id"], city["place_id"], unit["place_id"]]
    assert got[0]["gazetteer"]["katottg"] == KUPYANSK  # X is no OSM type and R alone no id: both left out


# -- format=xml ------------------------------------------------------------------------------------------
def _xml(r: httpx.Response):
    from xml.etree import ElementTree as ET

    assert r.headers["content-type"].startswith("text/xml")
    return ET.fromstring(r.content)


def test_search_xml_is_nominatims_searchresults(http: httpx.Client) -> None:
    # before: format=xml was a 400, which ruled out spreadsheet recipes (WEBSERVICE + FILTERXML) and old clients
    root = _xml(http.get("/search", params={"q": "Kupyansk", "format": "xml", "limit": 1}))
    assert root.tag == "searchresults" and root.get("querystring") == "Kupyansk"
    (place,) = root.findall("place")
    assert place.get("place_id") == str(int(KUPYANSK[2:14])) and place.get("class") == "place"
    assert (round(float(place.get("lat")), 2), round(float(place.get("lon")), 2)) == (49.71, 37.62)
    assert place.get("display_name").startswith("Куп’янськ, ") and place.find("city") is None  # addressdetails=0
    assert place.find("gazetteer").get("katottg") == KUPYANSK
    detailed = _xml(http.get("/search", params={"q": "Kupyansk", "format": "xml", "addressdetails": 1}))
    place = detailed.find("place")
    assert place.findtext("city") == "Куп’янськ" and place.findtext("state") == "Харківська область"
    assert place.findtext("country_code") == "ua"
    none = http.get("/search", params={"q": "12345", "format": "xml"})
    assert none.status_code == 200 and _xml(none).findall("place") == []


def test_xml_escapes_what_it_echoes_and_drops_what_xml_cannot_hold(http: httpx.Client) -> None:
    q = 'Kupyansk <b>&"x\x01'
    root = _xml(http.get("/search", params={"q": q, "format": "xml"}))
    assert root.get("querystring") == 'Kupyansk <b>&"x'


def test_reverse_and_lookup_xml(http: httpx.Client) -> None:
    root = _xml(http.get("/reverse", params={"lat": "49.7100", "lon": "37.6158", "format": "xml"}))
    assert root.tag == "reversegeocode" and root.find("result").text.startswith("Куп’янськ, ")
    assert root.find("addressparts").findtext("city") == "Куп’янськ"
    assert root.find("gazetteer").get("katottg") == KUPYANSK
    away = _xml(http.get("/reverse", params={"lat": "52.52", "lon": "13.40", "format": "xml"}))
    assert away.findtext("error") == "Unable to geocode"
    found = _xml(http.get("/lookup", params={"osm_ids": KUPYANSK, "format": "xml"}))
    assert found.tag == "lookupresults" and found.find("place").find("gazetteer").get("katottg") == KUPYANSK


def test_xml_errors_are_nominatims_error_element(http: httpx.Client) -> None:
    r = http.get("/search", params={"q": "Kyiv", "limit": "ten", "format": "xml"})
    root = _xml(r)
    assert r.status_code == 400 and root.tag == "error" and root.findtext("code") == "400"
    assert "limit" in root.findtext("message")
    assert _xml(http.get("/reverse", params={"lat": "abc", "lon": "30", "format": "xml"})).findtext("code") == "400"


# -- English unit names --------------------------------------------------------------------------------------
OBLASTS_IN_ENGLISH = [
    "Vinnytsia Oblast",
    "Volyn Oblast",
    "Dnipropetrovsk Oblast",
    "Donetsk Oblast",
    "Zhytomyr Oblast",
    "Zakarpattia Oblast",
    "Zaporizhzhia Oblast",
    "Ivano-Frankivsk Oblast",
    "Kyiv Oblast",
    "Kirovohrad Oblast",
    "Luhansk Oblast",
    "Lviv Oblast",
    "Mykolaiv Oblast",
    "Odesa Oblast",
    "Poltava Oblast",
    "Rivne Oblast",
    "Sumy Oblast",
    "Ternopil Oblast",
    "Kharkiv Oblast",
    "Kherson Oblast",
    "Khmelnytskyi Oblast",
    "Cherkasy Oblast",
    "Chernivtsi Oblast",
    "Chernihiv Oblast",
]


def test_oblasts_have_their_english_names(resolver) -> None:
    # before: "Vinnytska oblast", "Volynska oblast", ... (the official romanization of the Ukrainian adjective)
    from gazetteer.nominatim import Places

    places = Places(resolver)
    names = [places.unit_phrase(u.id, "en") for u in resolver.extract.oblasts]
    assert names == ["Autonomous Republic of Crimea", *OBLASTS_IN_ENGLISH, "Kyiv", "Sevastopol"]


@pytest.mark.parametrize(
    ("query", "parts"),
    [
        ("Kupyansk", ["Kupiansk", "Kupiansk hromada", "Kupiansk Raion", "Kharkiv Oblast", "Ukraine"]),
        ("Мукачево", ["Mukachevo", "Mukachevo hromada", "Mukachevo Raion", "Zakarpattia Oblast", "Ukraine"]),
        ("Хмільник", ["Khmilnyk", "Khmilnyk hromada", "Khmilnyk Raion", "Vinnytsia Oblast", "Ukraine"]),
        ("Сімферополь", ["Simferopol", "Simferopol hromada", "Simferopol Raion", "Autonomous Republic of Crimea"]),
        ("Кривий Ріг", ["Kryvyi Rih", "Kryvorizka hromada", "Kryvorizkyi raion", "Dnipropetrovsk Oblast"]),
        ("Prypiat", ["Prypiat", "Kyiv Oblast", "Ukraine"]),
    ],
)
def test_english_addresses_name_units_after_their_settlement(http: httpx.Client, query: str, parts: list) -> None:
    # before: "Kupiansk, Kupianska hromada, Kupianskyi raion, Kharkivska oblast, Ukraine"
    found = http.get("/search", params={"q": query, "accept-language": "en", "limit": 1}).json()[0]
    assert found["display_name"].split(", ")[: len(parts)] == parts  # Kryvyi Rih: no rule is sure, kept as it was


def test_english_unit_names_stay_out_of_the_settlement_fields_and_batch_columns(http: httpx.Client) -> None:
    rows = http.post("/batch", json={"names": ["Kupyansk"]}).json()["rows"]
    assert rows[0]["gaz_oblast_en"] == "Kharkivska"
    state = http.get("/search", params={"q": "Kupyansk", "accept-language": "en", "addressdetails": 1}).json()[0]
    again = http.get("/search", params={"city": "Kupyansk", "state": state["address"]["state"]}).json()
    assert again[0]["gazetteer"]["katottg"] == KUPYANSK  # an English state name read back as a hint


def test_names_unit_on_made_up_and_alternating_names() -> None:
    from gazetteer.nominatim import names_unit

    assert names_unit("Зорянівська", "Зорянівка") and names_unit("Вітропільська", "Вітропіль")
    assert names_unit("Хмільницький", "Хмільник") and names_unit("Мукачівський", "Мукачево")
    assert names_unit("Роменський", "Ромни") and names_unit("Стрийський", "Стрий")
    assert names_unit("Євпаторійський", "Євпаторія") and names_unit("Калуський", "Калуш")
    assert not names_unit("Криворізька", "Кривий Ріг") and not names_unit("Південноміська", "Південне")
    assert not names_unit("Зорянська", "Вітропіль")


def test_a_query_longer_than_any_name_finds_nothing_without_stopping_a_loop(http: httpx.Client) -> None:
    from urllib.parse import unquote

    # A description in a table's place column: a 200 with no results and the reason, as for a junk cell.
    r = http.get("/search", params={"q": "Kupiansk " * 40})
    assert r.status_code == 200 and r.json() == []
    assert r.headers["X-Gazetteer-Status"] == "invalid" and "longer than" in unquote(r.headers["X-Gazetteer-Reason"])


def test_reverse_says_its_status_in_the_headers_it_exposes(http: httpx.Client) -> None:
    for fmt in ("jsonv2", "xml", "geojson"):
        inside = http.get(
            "/reverse", params={"lat": 49.71, "lon": 37.62, "format": fmt}, headers={"Origin": "https://a.example"}
        )
        assert inside.status_code == 200 and inside.headers["X-Gazetteer-Status"] == "nearest"
        outside = http.get("/reverse", params={"lat": 55.75, "lon": 37.62, "format": fmt})  # Moscow
        assert outside.status_code == 200 and outside.headers["X-Gazetteer-Status"] == "not_found"
    assert "X-Gazetteer-Status" in inside.headers.get("Access-Control-Expose-Headers", "")


def test_a_query_that_is_not_utf8_says_so(http: httpx.Client) -> None:
    from urllib.parse import unquote

    r = http.get("/search?q=%CA%E8%BF%E2")  # "Київ" in cp1251, as an old spreadsheet macro sends it
    assert r.status_code == 200 and r.json() == []
    assert r.headers["X-Gazetteer-Status"] == "invalid" and "not valid UTF-8" in unquote(
        r.headers["X-Gazetteer-Reason"]
    )


def test_street_amenity_or_postcode_beside_a_city_is_said_to_be_unused(http: httpx.Client) -> None:
    """The gazetteer knows settlements: a structured street answers the city, and the reason says the street
    was not used (a Nominatim client would otherwise take the city's point for the address)."""
    from urllib.parse import unquote

    r = http.get("/search", params={"street": "Sumska 1", "city": "Kharkiv", "format": "jsonv2"})
    assert r.status_code == 200 and r.json()[0]["name"] == "Харків"
    assert "street not used" in unquote(r.headers["x-gazetteer-reason"])
    plain = http.get("/search", params={"city": "Kharkiv", "format": "jsonv2"})
    assert "not used" not in unquote(plain.headers["x-gazetteer-reason"])


# -- warm start ------------------------------------------------------------------------------------------
def test_a_warmed_service_has_every_table_a_request_would_build(monkeypatch) -> None:
    # A first accept-language=ru request built the Russian names of every settlement (~2 s), longer than a
    # geopy client's default 1 s timeout; the served app builds them before it answers.
    from gazetteer.nominatim import Places
    from gazetteer.resolve import default_resolver

    places = Places(default_resolver())
    assert not any(name in vars(places) for name in Places._LAZY)
    places.warm()
    assert all(name in vars(places) for name in Places._LAZY)
    warmed = []
    monkeypatch.setattr(Places, "warm", lambda self: warmed.append(self))
    create_app()
    assert warmed == []
    create_app(warm=True)
    assert len(warmed) == 1


def test_the_served_app_is_warmed(monkeypatch) -> None:
    import gazetteer.serve as serve

    made = []
    monkeypatch.setattr(serve, "create_app", lambda **kw: made.append(kw) or None)
    serve.app_from_env()
    assert made and made[0].get("warm") is True
