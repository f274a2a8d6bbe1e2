"""Online geocoding against a local fake service that speaks Nominatim, GeoNames and Photon JSON."""

from __future__ import annotations

import csv
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from gazetteer.errors import OnlineError
from gazetteer.online import (
    OnlineBadResponse,
    OnlineConfigError,
    OnlineGeocoder,
    OnlineRateLimited,
    OnlineSettings,
    OnlineTimeout,
    OnlineUnavailable,
    online_lookup,
    online_lookup_many,
)
from gazetteer.resolve import default_resolver

SETTLEMENT_KINDS = {"city", "town", "village", "hamlet"}
# Латишівка, Kharkiv oblast: offline only its hromada's centroid (49.82897, 35.28565) is known.
LATYSHIVKA_KHARKIV = "UA63020070160093926"
LATYSHIVKA_POINT = (49.8725, 35.4184)  # about 10 km from that centroid
LATYSHIVKA_SUMY_POINT = (51.3069, 33.90203)  # its homonym in Sumy oblast
SECRET = "s3cret-geonames-user"


# -- the fake service -------------------------------------------------------------------------------
def _nominatim(a: dict) -> dict:
    settlement = a["kind"] in SETTLEMENT_KINDS
    out = {
        "place_id": 1,
        "lat": str(a["lat"]),
        "lon": str(a["lon"]),
        "name": a["name"],
        "display_name": f"{a['name']}, Україна",
        "class": "place" if settlement else "waterway",
        "type": a["kind"],
        "addresstype": a["kind"],
        "address": {a["kind"]: a["name"]},
    }
    if a.get("cc"):
        out["address"]["country_code"] = a["cc"].lower()
    return out


def _geonames(a: dict) -> dict:
    return {
        "name": a["name"],
        "toponymName": a["name"],
        "lat": str(a["lat"]),
        "lng": str(a["lon"]),
        "fcl": "P" if a["kind"] in SETTLEMENT_KINDS else "H",
        "fcode": "PPL",
        "countryCode": (a.get("cc") or "UA").upper(),
        "countryName": "Ukraine",
        "adminName1": "Kharkiv",
        **a.get("extra", {}),
    }


def _photon(a: dict) -> dict:
    settlement = a["kind"] in SETTLEMENT_KINDS
    props = {
        "name": a["name"],
        "osm_key": "place" if settlement else "waterway",
        "osm_value": a["kind"],
        "country": "Україна",
    }
    if a.get("cc"):
        props["countrycode"] = a["cc"].upper()
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [a["lon"], a["lat"]]}, "properties": props}


FORMATS = {
    "/search": lambda answers: [_nominatim(a) for a in answers],
    "/searchJSON": lambda answers: {"geonames": [_geonames(a) for a in answers]},
    "/api": lambda answers: {"type": "FeatureCollection", "features": [_photon(a) for a in answers]},
}


class FakeService:
    """Answers by the ``q`` parameter from ``answers``; ``script`` holds canned responses served first.

    A canned response is ``(status, headers, body, delay_seconds)``; body may be bytes, text or JSON data.
    ``fail_from`` makes every request from that number on (0-based) answer 500.
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[dict]] = {}
        self.script: list[tuple] = []
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.raw_requests: list[str] = []
        self.fail_from: int | None = None
        self.always: list[dict] | None = None  # the same answers to every question
        self.dribble: float | None = None  # seconds between the bytes of each response
        self.lock = threading.Lock()
        self.port = 0

    @property
    def queries(self) -> list[str]:
        return [params.get("q", [""])[0] for _, params in self.requests]

    def respond(self, raw_path: str) -> tuple[int, dict, object, float]:
        parts = urlsplit(raw_path)
        params = parse_qs(parts.query)
        with self.lock:
            n = len(self.requests)
            self.requests.append((parts.path, params))
            self.raw_requests.append(raw_path)
            if self.script:
                return self.script.pop(0)
        if self.fail_from is not None and n >= self.fail_from:
            return 500, {}, "internal error", 0
        answers = self.answers.get(params.get("q", [""])[0], [])
        if self.always is not None:
            answers = self.always
        return 200, {}, FORMATS[parts.path](answers), 0


@pytest.fixture
def service() -> Iterator[FakeService]:
    svc = FakeService()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            status, headers, body, delay = svc.respond(self.path)
            if delay:
                time.sleep(delay)
            if callable(body):
                body = body(self.path)
            data = (
                body
                if isinstance(body, bytes)
                else (body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode())
            )
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if svc.dribble:
                    for i in range(len(data)):
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        time.sleep(svc.dribble)
                else:
                    self.wfile.write(data)
            except OSError:  # the client gave up (timeout tests)
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda *a: None  # type: ignore[method-assign]
    svc.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield svc
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in (
        "GAZETTEER_ONLINE_PROVIDER",
        "GAZETTEER_USER_AGENT",
        "GAZETTEER_GEONAMES_USERNAME",
        "GAZETTEER_ONLINE_DOMAIN",
        "GAZETTEER_ONLINE_SCHEME",
        "GAZETTEER_ONLINE_TIMEOUT",
        "GAZETTEER_ONLINE_MIN_DELAY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GAZETTEER_CACHE", str(tmp_path / "cache"))  # never the real home folder


@pytest.fixture
def settings(service, tmp_path) -> dict:
    return {
        "domain": f"127.0.0.1:{service.port}",
        "scheme": "http",
        "user_agent": "gazetteer-tests/1.0",
        "min_delay_seconds": 0,
        "backoff_seconds": 0,
        "timeout": 2,
        "cache_path": tmp_path / "online.sqlite",
    }


@pytest.fixture(scope="module")
def resolver():
    return default_resolver()


def village(name: str, lat: float, lon: float, kind: str = "village", cc: str | None = "ua", **extra) -> dict:
    return {"name": name, "lat": lat, "lon": lon, "kind": kind, "cc": cc, **extra}


def latyshivka(resolver):
    res = resolver.lookup("Латишівка", oblast="Kharkiv")
    assert res.status == "resolved" and res.match.settlement.coord_precision == "hromada_centroid"
    return res


# -- good answers -----------------------------------------------------------------------------------
def test_nominatim_answer_replaces_the_hromada_centroid(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(latyshivka(resolver), **settings)
    s = out.match.settlement
    assert out.status == "resolved" and s.id == LATYSHIVKA_KHARKIV
    assert (s.lat, s.lon) == LATYSHIVKA_POINT
    assert s.coord_precision == "online:nominatim"
    assert "coordinates from nominatim" in out.reason
    assert out.candidates[0] is out.match


def test_nominatim_is_asked_for_ukraine_only(service, settings, resolver):
    online_lookup(latyshivka(resolver), **settings)
    path, params = service.requests[0]
    assert path == "/search"
    assert params["countrycodes"] == ["ua"]
    assert params["q"] == ["Латишівка, Харківська область"]


def test_geonames_answer_is_used(service, settings, resolver):
    service.answers["Латишівка"] = [village("Latyshivka", *LATYSHIVKA_POINT)]
    out = online_lookup(latyshivka(resolver), provider="geonames", username=SECRET, **settings)
    assert out.match.settlement.coord_precision == "online:geonames"
    path, params = service.requests[0]
    assert path == "/searchJSON" and params["country"] == ["UA"]


def test_photon_answer_is_used(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(latyshivka(resolver), provider="photon", **settings)
    assert out.match.settlement.coord_precision == "online:photon"
    path, params = service.requests[0]
    assert path == "/api" and params["osm_tag"] == ["place"]


def test_good_answer_after_a_rejected_one_is_used(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [
        village("Латишівка", *LATYSHIVKA_SUMY_POINT),
        village("Латишівка", *LATYSHIVKA_POINT),
    ]
    out = online_lookup(latyshivka(resolver), **settings)
    assert (out.match.settlement.lat, out.match.settlement.lon) == LATYSHIVKA_POINT
    assert "answers rejected" in out.reason and "Сумська" in out.reason


def test_settlement_with_its_own_point_is_not_asked(service, settings, resolver):
    res = resolver.lookup("Kupyansk")
    assert online_lookup(res, **settings) is res
    assert service.requests == []


def test_unknown_name_resolves_to_a_nearby_gazetteer_settlement_of_similar_name(service, settings, resolver):
    res = resolver.lookup("Latyshivka Persha Sloboda")
    assert res.status == "not_found"
    service.answers["Latyshivka Persha Sloboda"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(res, **settings)
    assert out.status == "resolved"
    assert out.match.settlement.id == LATYSHIVKA_KHARKIV
    assert out.match.match == "online"
    assert out.match.settlement.coord_precision == "online:nominatim"
    assert "found online by nominatim" in out.reason


def test_ambiguous_name_stays_ambiguous_with_online_points_for_fitting_candidates(service, settings, resolver):
    res = resolver.lookup("Латишівка")
    assert res.status == "ambiguous"
    service.answers["Латишівка"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(res, **settings)
    assert out.status == "ambiguous"
    moved = [c for c in out.candidates if c.settlement.coord_precision == "online:nominatim"]
    assert [c.id for c in moved] == [LATYSHIVKA_KHARKIV]
    assert "located 1 of 3 candidates" in out.reason


# -- rejected answers -------------------------------------------------------------------------------
def test_answer_in_the_wrong_oblast_is_rejected_and_reported(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_SUMY_POINT)]
    og = OnlineGeocoder(**settings)
    result = og.lookup(latyshivka(resolver))
    out = result.resolution
    assert out.match.settlement.coord_precision == "hromada_centroid"
    assert len(result.rejections) == 1 and "wrong place" in result.rejections[0].why
    assert "Сумська oblast" in out.reason and "answers rejected" in out.reason
    og.close()


def test_answer_outside_ukraine_is_rejected_and_reported(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", 47.01, 28.86, cc=None)]  # Chisinau
    out = online_lookup(latyshivka(resolver), **settings)
    assert out.match.settlement.coord_precision == "hromada_centroid"
    assert "outside Ukraine" in out.reason


def test_answer_from_another_country_is_rejected_by_its_country_code(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латышовка", 50.6, 36.6, cc="RU")]
    out = online_lookup(latyshivka(resolver), provider="photon", **settings)
    assert out.match.settlement.coord_precision == "hromada_centroid"
    assert "outside Ukraine (country RU)" in out.reason


def test_answer_that_is_not_a_settlement_is_rejected(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT, kind="river")]
    out = online_lookup(latyshivka(resolver), **settings)
    assert out.match.settlement.coord_precision == "hromada_centroid"
    assert "not a settlement (waterway/river)" in out.reason


def test_unknown_name_without_a_similar_gazetteer_settlement_is_rejected(service, settings, resolver):
    res = resolver.lookup("Latyshivka Persha Sloboda")
    service.answers["Latyshivka Persha Sloboda"] = [village("Persha Sloboda", *LATYSHIVKA_POINT)]  # part of the query
    out = online_lookup(res, **settings)
    assert out.status == "not_found"
    assert "no settlement of a similar name" in out.reason


def test_unknown_name_outside_the_hinted_oblast_is_rejected(service, settings, resolver):
    res = resolver.lookup("Latyshivka Persha Sloboda", oblast="Sumy")
    assert res.status == "not_found"
    service.answers["Latyshivka Persha Sloboda, Sumy"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(res, oblast="Sumy", **settings)
    assert out.status == "not_found"
    assert "not in the hinted oblast" in out.reason


# -- politeness: retries, timeouts, bad answers ------------------------------------------------------
def test_429_with_retry_after_is_waited_out_then_retried(service, settings, resolver):
    service.script = [(429, {"Retry-After": "7"}, "slow down", 0)]
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    waits: list[float] = []
    out = online_lookup(latyshivka(resolver), sleep=waits.append, **settings)
    assert waits == [7.0]
    assert len(service.requests) == 2
    assert out.match.settlement.coord_precision == "online:nominatim"


def test_retry_after_beyond_the_allowed_wait_raises_rate_limited(service, settings, resolver):
    service.script = [(429, {"Retry-After": "3600"}, "quota", 0)]
    with pytest.raises(OnlineRateLimited) as info:
        online_lookup(latyshivka(resolver), sleep=lambda s: None, **settings)
    assert info.value.retry_after == 3600
    assert len(service.requests) == 1


def test_500_then_success(service, settings, resolver):
    service.script = [(500, {}, "oops", 0)]
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(latyshivka(resolver), **settings)
    assert out.match.settlement.coord_precision == "online:nominatim"
    assert len(service.requests) == 2


def test_backoff_doubles_between_attempts(service, settings, resolver):
    service.script = [(500, {}, "oops", 0), (502, {}, "oops", 0)]
    waits: list[float] = []
    online_lookup(latyshivka(resolver), sleep=waits.append, **{**settings, "backoff_seconds": 0.5})
    assert waits == [0.5, 1.0]


def test_persistent_500_raises_after_bounded_attempts(service, settings, resolver):
    service.fail_from = 0
    with pytest.raises(OnlineUnavailable):
        online_lookup(latyshivka(resolver), max_attempts=3, **settings)
    assert len(service.requests) == 3


def test_timeouts_raise_online_error_after_bounded_attempts(service, settings, resolver):
    service.script = [(200, {}, [], 0.6), (200, {}, [], 0.6)]
    started = time.monotonic()
    with pytest.raises(OnlineTimeout) as info:
        online_lookup(latyshivka(resolver), max_attempts=2, **{**settings, "timeout": 0.2})
    assert isinstance(info.value, OnlineError) and isinstance(info.value, TimeoutError)
    assert len(service.requests) == 2
    assert time.monotonic() - started < 1.5


def test_malformed_json_raises_online_error_without_retrying(service, settings, resolver):
    service.script = [(200, {}, b"{not json", 0)]
    with pytest.raises(OnlineBadResponse):
        online_lookup(latyshivka(resolver), **settings)
    assert len(service.requests) == 1


def test_failures_are_not_cached(service, settings, resolver):
    service.script = [(200, {}, b"{not json", 0)]
    with pytest.raises(OnlineBadResponse):
        online_lookup(latyshivka(resolver), **settings)
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    assert online_lookup(latyshivka(resolver), **settings).match.settlement.coord_precision == "online:nominatim"


# -- cache and batches -------------------------------------------------------------------------------
def test_cache_answers_the_same_question_without_asking_again(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    first = online_lookup(latyshivka(resolver), **settings)
    second = online_lookup(latyshivka(resolver), **settings)
    assert len(service.requests) == 1
    assert first.match.settlement == second.match.settlement


def test_empty_answers_are_cached_too(service, settings, resolver):
    online_lookup(latyshivka(resolver), **settings)
    online_lookup(latyshivka(resolver), **settings)
    assert len(service.requests) == 1


def _centroid_resolutions(resolver, n: int):
    out, seen = [], set()
    for s in resolver.extract.settlements:
        if s.coord_precision == "hromada_centroid" and s.category == "C" and s.name_uk not in seen:
            res = resolver.lookup(s.name_uk, oblast=s.oblast_id)
            if res.status == "resolved" and res.match.settlement.id == s.id:
                out.append(res)
                seen.add(s.name_uk)
        if len(out) == n:
            return out
    raise AssertionError("not enough test settlements")


def test_interrupted_batch_resumes_from_the_cache(service, settings, resolver):
    batch = _centroid_resolutions(resolver, 4)

    def interrupt(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        online_lookup_many(batch, progress=interrupt, **settings)
    first_run = list(service.queries)
    assert len(first_run) == 2
    out = online_lookup_many(batch, **settings)
    assert len(out) == 4
    second_run = service.queries[2:]
    assert len(second_run) == 2 and not set(first_run) & set(second_run)


def test_batch_resumes_after_the_service_failed_midway(service, settings, resolver):
    batch = _centroid_resolutions(resolver, 3)
    service.fail_from = 1
    with pytest.raises(OnlineUnavailable):
        online_lookup_many(batch, **{**settings, "max_attempts": 1})
    service.fail_from = None
    online_lookup_many(batch, **settings)
    assert len(service.queries) == 4  # 1 answered, 1 failed; then the failed one again and the third
    assert service.queries[1] == service.queries[2]


def test_batch_with_errors_keep_records_the_failure_and_goes_on(service, settings, resolver):
    batch = _centroid_resolutions(resolver, 2)
    service.script = [(200, {}, b"{not json", 0)]
    out = online_lookup_many(batch, errors="keep", **settings)
    assert "online lookup failed" in out[0].reason
    assert out[0].match.settlement.coord_precision == "hromada_centroid"
    assert len(service.requests) == 2


def test_batch_skips_resolutions_that_need_nothing(service, settings, resolver):
    batch = [resolver.lookup("Kupyansk"), resolver.lookup("", strict=False)]
    out = online_lookup_many(batch, **settings)
    assert out == batch and service.requests == []


# -- settings and credentials ------------------------------------------------------------------------
def test_missing_user_agent_is_a_clear_error(service, settings, resolver):
    without = {k: v for k, v in settings.items() if k != "user_agent"}
    with pytest.raises(OnlineConfigError, match="user agent.*--user-agent.*GAZETTEER_USER_AGENT"):
        online_lookup(latyshivka(resolver), **without)
    assert service.requests == []


def test_missing_geonames_username_is_a_clear_error(settings, resolver):
    with pytest.raises(OnlineConfigError, match="GAZETTEER_GEONAMES_USERNAME"):
        online_lookup(latyshivka(resolver), provider="geonames", **settings)


def test_unknown_provider_is_a_clear_error(settings, resolver):
    with pytest.raises(OnlineConfigError, match="unknown online provider 'bing'"):
        online_lookup(latyshivka(resolver), provider="bing", **settings)


def test_https_is_the_default_scheme():
    assert OnlineSettings.from_env().scheme == "https"
    og = OnlineGeocoder(user_agent="gazetteer-tests/1.0", use_cache=False)
    assert og.geolocator.api.startswith("https://nominatim.openstreetmap.org/")


def test_settings_come_from_the_environment(service, monkeypatch, tmp_path, resolver):
    monkeypatch.setenv("GAZETTEER_ONLINE_PROVIDER", "photon")
    monkeypatch.setenv("GAZETTEER_ONLINE_DOMAIN", f"127.0.0.1:{service.port}")
    monkeypatch.setenv("GAZETTEER_ONLINE_SCHEME", "http")
    monkeypatch.setenv("GAZETTEER_ONLINE_MIN_DELAY", "0")
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    out = online_lookup(latyshivka(resolver))
    assert out.match.settlement.coord_precision == "online:photon"
    assert (tmp_path / "cache" / "online.sqlite").is_file()


def test_cli_resolve_online_uses_the_environment(service, monkeypatch, capsys):
    from gazetteer.cli import main

    monkeypatch.setenv("GAZETTEER_USER_AGENT", "gazetteer-tests/1.0")
    monkeypatch.setenv("GAZETTEER_ONLINE_DOMAIN", f"127.0.0.1:{service.port}")
    monkeypatch.setenv("GAZETTEER_ONLINE_SCHEME", "http")
    monkeypatch.setenv("GAZETTEER_ONLINE_MIN_DELAY", "0")
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)]
    assert main(["resolve", "Латишівка", "--oblast", "Kharkiv", "--online"]) == 0
    assert "(online:nominatim)" in capsys.readouterr().out


def test_geonames_username_stays_out_of_cache_output_and_logs(service, settings, resolver, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    service.answers["Латишівка"] = [
        village("Latyshivka", *LATYSHIVKA_POINT, extra={"username": SECRET, "note": f"for {SECRET}"})
    ]
    out = online_lookup(latyshivka(resolver), provider="geonames", username=SECRET, **settings)
    assert f"username={SECRET}" in service.raw_requests[0]  # it was sent...
    assert out.match.settlement.coord_precision == "online:geonames"
    assert SECRET.encode() not in (tmp_path / "online.sqlite").read_bytes()  # ...but kept nowhere
    assert SECRET not in json.dumps([out.reason, out.to_columns(), [c.to_dict() for c in out.candidates]])
    assert SECRET not in caplog.text


def test_geonames_username_stays_out_of_error_messages(service, settings, resolver, caplog):
    caplog.set_level(logging.DEBUG)
    service.script = [(500, {}, lambda path: f"bad request {path}", 0)] * 2
    with pytest.raises(OnlineUnavailable) as info:
        online_lookup(latyshivka(resolver), provider="geonames", username=SECRET, max_attempts=2, **settings)
    assert SECRET in service.raw_requests[0]
    assert SECRET not in str(info.value) and SECRET not in caplog.text
    assert info.value.__cause__ is None


def test_geonames_username_stays_out_of_logs_also_url_encoded(service, settings, resolver, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "my user+name/ü"
    online_lookup(latyshivka(resolver), provider="geonames", username=secret, **settings)
    assert "username=my+user%2Bname%2F%C3%BC" in service.raw_requests[0]
    assert "my+user%2Bname%2F%C3%BC" not in caplog.text and secret not in caplog.text


def test_cli_batch_online_rate_limited_writes_every_row_marks_the_unasked_and_resumes_from_the_cache(
    service, monkeypatch, capsys, tmp_path
):
    from gazetteer.cli import EXIT_ONLINE_INCOMPLETE, main

    monkeypatch.setenv("GAZETTEER_ONLINE_DOMAIN", f"127.0.0.1:{service.port}")
    monkeypatch.setenv("GAZETTEER_ONLINE_SCHEME", "http")
    monkeypatch.setenv("GAZETTEER_ONLINE_MIN_DELAY", "0")
    src, dst = tmp_path / "events.csv", tmp_path / "events.gaz.csv"
    src.write_text(
        "n,place,region\n1,Латишівка,Kharkiv\n2,Kupiansk,\n3,Латишівка,Kharkiv\n4,Тулушка,Sumy\n", encoding="utf-8"
    )
    args = ["batch", str(src), "--column", "place", "--oblast-column", "region", "-o", str(dst), "--online"]
    args += ["--user-agent", "gazetteer-tests/1.0", "--no-progress"]
    # First run: the Kharkiv question is answered, the Sumy one meets a long rate limit.
    service.script = [
        (200, {}, FORMATS["/search"]([village("Латишівка", *LATYSHIVKA_POINT)]), 0),
        (429, {"Retry-After": "3600"}, "slow down", 0),
    ]
    assert main(args) == EXIT_ONLINE_INCOMPLETE != 0
    err = capsys.readouterr().err
    assert "rate" in err.lower() and "run it again" in err
    first = list(service.queries)
    assert len(first) == 2  # Kupiansk has its own point: never asked; row 3 repeats row 1
    # ...but the output is complete, in order, the unanswered row marked and its offline answer kept.
    rows = list(csv.DictReader(dst.read_text(encoding="utf-8").splitlines()))
    assert [r["n"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["gaz_coord_precision"] == rows[2]["gaz_coord_precision"] == "online:nominatim"
    assert rows[3]["gaz_status"] == "resolved" and rows[3]["gaz_oblast_en"] == "Sumska"
    assert rows[3]["gaz_reason"].startswith("online pending") or "online pending" in rows[3]["gaz_reason"]
    assert "online pending" not in rows[0]["gaz_reason"] + rows[1]["gaz_reason"]
    # Second run: only the unanswered question is asked again; every row comes out, in order.
    assert main(args) == 0
    assert service.queries[len(first) :] == [first[1]]
    rows = list(csv.DictReader(dst.read_text(encoding="utf-8").splitlines()))
    assert [r["n"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["gaz_coord_precision"] == rows[2]["gaz_coord_precision"] == "online:nominatim"
    assert rows[1]["gaz_coord_precision"] == "point"
    assert rows[3]["gaz_status"] == "resolved" and rows[3]["gaz_oblast_en"] == "Sumska"
    assert rows[3]["gaz_coord_precision"] != "online:nominatim"  # the service had nothing for it
    assert "online pending" not in rows[3]["gaz_reason"]


def test_cli_batch_online_refuses_a_text_column(tmp_path, capsys):
    from gazetteer.cli import main

    src = tmp_path / "news.csv"
    src.write_text("body\nУ Куп'янську тихо.\n", encoding="utf-8")
    assert main(["batch", str(src), "--text-column", "body", "--online"]) != 0
    assert "--online" in capsys.readouterr().err


# -- answers must be about the question ----------------------------------------------------------------
GARBAGE = [f"Qxw{a}zr{b}vv" for a, b in zip("bcdfghjklmnpqrstvwxz", "zxwvtsrqpnmlkjhgfdcb")]


def test_a_service_giving_one_village_to_every_question_resolves_no_garbage_name(service, settings, resolver):
    service.always = [village("Латишівка", *LATYSHIVKA_POINT)]
    offline = [resolver.lookup(g, strict=False) for g in GARBAGE]
    assert len(offline) == 20 and {r.status for r in offline} == {"not_found"}
    out = online_lookup_many(offline, errors="keep", **settings)
    assert len(service.requests) == 20
    assert [r.status for r in out] == ["not_found"] * 20
    assert all("does not match the question" in r.reason for r in out)


def test_an_answer_of_another_name_near_the_expected_place_is_rejected(service, settings, resolver):
    # A real village 6 km from Латишівка's hromada centroid, but not the one asked for.
    service.answers["Латишівка, Харківська область"] = [village("Гусинка", 49.87, 37.43)]
    og = OnlineGeocoder(**settings)
    result = og.lookup(latyshivka(resolver))
    og.close()
    assert result.resolution.match.settlement.coord_precision == "hromada_centroid"
    assert result.accepted == ()
    assert "does not match the question" in result.rejections[0].why


def test_ambiguous_candidates_take_only_answers_of_their_name(service, settings, resolver):
    res = resolver.lookup("Латишівка")
    service.answers["Латишівка"] = [village("Гусинка", *LATYSHIVKA_POINT)]
    out = online_lookup(res, **settings)
    assert not [c for c in out.candidates if c.settlement.coord_precision == "online:nominatim"]
    assert "does not match the question" in out.reason


def test_an_answer_spelt_another_way_still_counts(service, settings, resolver):
    # GeoNames answers in Latin, or in a Russian form: still the settlement asked for.
    service.answers["Латишівка"] = [village("Latyshevka", *LATYSHIVKA_POINT)]
    out = online_lookup(latyshivka(resolver), provider="geonames", username=SECRET, **settings)
    assert out.match.settlement.coord_precision == "online:geonames"


def test_answer_just_over_the_border_is_outside_ukraine(service, settings, resolver):
    # Przemyśl, Poland: ~10 km from the nearest Ukrainian village; no country code in the answer.
    res = resolver.lookup("Latyshivka Persha Sloboda")
    service.answers["Latyshivka Persha Sloboda"] = [village("Latyshivka", 49.7838, 22.7678, cc=None)]
    out = online_lookup(res, **settings)
    assert out.status == "not_found" and "outside Ukraine" in out.reason


# -- bounded: deadlines, sizes, failures -----------------------------------------------------------------
def test_a_request_has_a_total_deadline_even_when_bytes_keep_trickling(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)] * 3
    service.dribble = 0.05  # every read returns within the timeout, the whole answer takes ~25 s
    started = time.monotonic()
    with pytest.raises(OnlineTimeout):
        online_lookup(latyshivka(resolver), max_attempts=1, **{**settings, "timeout": 1})
    assert time.monotonic() - started < 3


def test_a_huge_answer_is_not_read_whole(service, settings, resolver):
    service.answers["Латишівка, Харківська область"] = [village("Латишівка", *LATYSHIVKA_POINT)] * 5000
    with pytest.raises(OnlineBadResponse, match="larger than"):
        online_lookup(latyshivka(resolver), max_response_bytes=100_000, **settings)
    assert len(service.requests) == 1  # not retried


def test_only_the_first_results_are_considered_and_cached(service, settings, resolver, tmp_path):
    far = village("Латишівка", *LATYSHIVKA_SUMY_POINT)
    service.answers["Латишівка, Харківська область"] = [far] * 30 + [village("Латишівка", *LATYSHIVKA_POINT)]
    og = OnlineGeocoder(**{**settings, "limit": 10})
    result = og.lookup(latyshivka(resolver))
    og.close()
    assert len(result.answers) == 10 and result.accepted == ()
    import sqlite3

    with sqlite3.connect(tmp_path / "online.sqlite") as db:
        [(stored,)] = db.execute("SELECT answers FROM answers").fetchall()
    assert len(json.loads(stored)) == 10


def test_the_online_step_stops_after_repeated_failures_and_marks_the_rest(service, settings, resolver):
    batch = _centroid_resolutions(resolver, 8)
    service.fail_from = 0
    out = online_lookup_many(batch, errors="keep", **{**settings, "max_attempts": 1, "max_failures": 3})
    assert len(service.requests) == 3
    assert len(out) == 8
    assert all("online lookup failed" in r.reason for r in out[:3])
    assert all("online pending" in r.reason and "3 failures in a row" in r.reason for r in out[3:])
    assert [r.match.id for r in out] == [r.match.id for r in batch]


def test_a_success_resets_the_failure_count(service, settings, resolver):
    batch = _centroid_resolutions(resolver, 6)
    service.script = [(500, {}, "x", 0), (500, {}, "x", 0), (200, {}, [], 0), (500, {}, "x", 0), (500, {}, "x", 0)]
    online_lookup_many(batch, errors="keep", **{**settings, "max_attempts": 1, "max_failures": 3})
    assert len(service.requests) == 6


# -- the answer cache: damaged or locked ---------------------------------------------------------------
def test_a_damaged_cache_is_a_one_line_error(service, monkeypatch, capsys, tmp_path):
    from gazetteer.cli import main
    from gazetteer.errors import OnlineCacheError

    cache = tmp_path / "cache" / "online.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not a database " * 400)
    monkeypatch.setenv("GAZETTEER_ONLINE_DOMAIN", f"127.0.0.1:{service.port}")
    monkeypatch.setenv("GAZETTEER_ONLINE_SCHEME", "http")
    monkeypatch.setenv("GAZETTEER_USER_AGENT", "gazetteer-tests/1.0")
    assert main(["resolve", "Латишівка", "--oblast", "Kharkiv", "--online"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "damaged" in err and str(cache) in err
    with pytest.raises(OnlineCacheError):
        OnlineGeocoder(user_agent="x", cache_path=cache)
    assert issubclass(OnlineCacheError, OnlineError)


def test_a_cache_locked_too_long_is_a_one_line_error(settings, resolver, tmp_path):
    import sqlite3

    from gazetteer.errors import OnlineCacheError

    og = OnlineGeocoder(**{**settings, "cache_lock_timeout": 0.3})
    holder = sqlite3.connect(tmp_path / "online.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(OnlineCacheError, match="locked"):
            og.lookup(latyshivka(resolver))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        og.close()


def test_a_cache_locked_midway_stops_the_online_step_but_keeps_every_row(service, settings, resolver, tmp_path):
    import sqlite3

    batch = _centroid_resolutions(resolver, 4)
    og = OnlineGeocoder(**{**settings, "cache_lock_timeout": 0.2})
    holder = sqlite3.connect(tmp_path / "online.sqlite", isolation_level=None)
    try:
        first = online_lookup_many(batch[:1], errors="keep", geocoder=og)
        holder.execute("BEGIN EXCLUSIVE")
        rest = online_lookup_many(batch[1:], errors="keep", geocoder=og)
    finally:
        holder.close()
        og.close()
    assert len(first) == 1 and len(rest) == 3
    assert all("online pending" in r.reason and "locked" in r.reason for r in rest)
    assert og.incomplete() is not None and "3 rows were not asked" in og.incomplete()
