"""A Nominatim-compatible local HTTP service and a search page: ``gazetteer serve``.

    $ gazetteer serve                                   # http://127.0.0.1:8080, Ctrl-C to stop

Any Nominatim client works unchanged when pointed at it, e.g. geopy::

    from geopy.geocoders import Nominatim
    nominatim = Nominatim(domain="127.0.0.1:8080", scheme="http", user_agent="my-project")
    nominatim.geocode("Kupyansk").raw["gazetteer"]["katottg"]     # 'UA63080090010026457'

Endpoints (GET, Nominatim's parameters and shapes):

* ``/search`` — ``q`` or structured ``city`` / ``county`` (raion) / ``state`` (oblast) / ``country``;
  ``format`` = ``jsonv2`` (default) | ``json`` | ``geojson`` | ``geocodejson`` | ``xml`` (Nominatim's
  ``<searchresults><place place_id=.. lat=.. lon=.. display_name=.. .../></searchresults>``, the address parts
  as child elements with ``addressdetails=1``; errors ``<error><code>..</code><message>..</message></error>``); ``limit`` (1-40, default 10;
  more is read as 40, less than 1 is a 400);
  ``addressdetails``; ``accept-language`` (``uk``, ``en``, ``ru``; the header works too); ``countrycodes``
  (answers nothing unless it lists ``ua``); ``viewbox`` = ``x1,y1,x2,y2`` (longitude, latitude of two opposite
  corners, any order) prefers candidates inside it among equal scores, and with ``bounded=1`` keeps only
  those (none inside: no result; one of an ambiguous name's: that one, resolved; the best match outside it:
  not found, no result, the reason header naming the weaker candidates inside). The box is applied over every
  candidate of the name (all 78 namesakes, not the first 40), and the reason header then says how many are
  inside it. Ambiguous names give every candidate, best first. A name not found gives no result (``[]``, a
  FeatureCollection without features, ``<searchresults>`` without a ``<place>``), as Nominatim answers no
  match: the resolver's closest spellings are never results (a client takes the first result for the
  place), only named in the reason header ("...; closest: Радьківка (Sumska, village) (0.50)").
* ``/reverse`` — ``lat``, ``lon``, ``zoom`` (<= 4 country, 5-7 oblast, 8-9 raion, >= 10 settlement), same
  formats (``xml``: ``<reversegeocode><result ...>display name</result><addressparts>..</addressparts>``). The nearest settlement with its own coordinates (:func:`gazetteer.nearby.reverse`), with its
  ``distance_km``; at a coarser zoom, that settlement's oblast or raion, named as a name ("Харківська
  область", "Автономна Республіка Крим", "Київ") and without ``distance_km`` (the point is taken to be inside
  it; the distance to the settlement is not one to the unit); a point outside Ukraine gets
  ``{"error": "Unable to geocode"}`` as from Nominatim.
* ``/lookup`` — ``osm_ids`` (or ``ids``): up to 50 comma-separated KATOTTG ids (or ``place_id`` numbers, bare
  or Nominatim-style with an OSM type letter N, W or R before them: ``R630800900100``).
* ``/status`` — ``OK`` (``format=json`` for data date and versions).

An ambiguous name gets its candidates, best first, as Nominatim ranks results; asked for one result
(``limit=1``, what geopy's ``exactly_one=True`` sends) it gets the best-ranked one flagged
``"status": "ambiguous"`` — or nothing, when the service runs with ``Settings(ambiguous="none")``
(``gazetteer serve --ambiguous none``), so that pipelines do not take one village of 78 for the answer.
* ``/`` — the search page (``gazetteer/static``); ``/map.json`` the map it draws (oblast outlines and
  settlement points from the extract).
* ``POST /batch`` — a column of names -> ``{"rows": [{"query": .., "gaz_status": .., ...}, ...]}``, one row per
  name in order with the ``gaz_*`` columns of ``gazetteer batch``. The body is text, one name per line (every
  line is a name, a header line too; blank lines at the end dropped), or JSON (``Content-Type:
  application/json``): ``{"names": [...], "oblast": "Kharkiv"}`` or a bare list of names. ``oblast`` (or the
  ``oblast`` parameter) is one hint for every name, a string or null; an element of ``names`` that is no
  string (null, a number, an object) is a junk cell, its row ``invalid`` with the reason and its ``query`` the
  element as sent (null, not "null"). Any other JSON shape (``names`` not a list, ``oblast`` not a string, an
  unknown field) is a 400 naming the field; a CSV or TSV body (``text/csv``, ``text/tab-separated-values``) a
  415, as its header, columns and quoting would be read as names (``gazetteer batch`` reads tables). At most
  ``max_batch`` (5,000) names and ``max_body_bytes`` (1 MB) per request, else a 413.

Every result carries Nominatim's fields (``place_id``, ``lat``/``lon`` as strings, ``display_name``,
``address`` with ``city``/``town``/``village``, ``municipality`` (hromada), ``district`` (raion), ``state``
(oblast), ``country``, ``country_code``; ``boundingbox``, ``importance``, ``addresstype``) plus a
``gazetteer`` object: ``katottg``, ``coord_precision``, ``match``, ``matched``, ``score``, ``status``
(``resolved`` / ``ambiguous`` / ``candidate``), ``reason``, ``rank`` and ``candidates`` (the KATOTTG ids of
all candidates, best first). ``importance`` (0..1) is how prominent the place is, as
Nominatim's: the resolver's prior, category then population on a log scale (Kyiv 0.99, Kharkiv 0.71, a town
of 10,000 0.38, a village of 500 0.07; :meth:`gazetteer.nominatim.Places.importance`), the same in every
answer; how well the query matched is ``gazetteer.score``.

A ``place_id`` is the first 12 digits of the KATOTTG id for a settlement, and 10**12 more for an oblast,
raion or hromada record (``/reverse`` with a low ``zoom``), so Kyiv the city (800000000000) and the
oblast-level unit Kyiv (1800000000000) differ; ``/lookup`` takes either. ``/search`` answers carry two
headers: ``X-Gazetteer-Status`` (``resolved``, ``ambiguous``, ``not_found``, ``invalid``; ``oblast`` for a query that
names only a region, answered with the oblast's record as Nominatim answers a state; ``/reverse``: ``nearest`` or
``not_found``) and ``X-Gazetteer-Reason``, the
reason as percent-encoded UTF-8 (headers carry only Latin-1; decode with ``urllib.parse.unquote``, JavaScript's
``decodeURIComponent`` or R's ``URLdecode``). Browser scripts of any origin may call the GET endpoints and
``POST /batch`` and read the answers and these headers (CORS by Starlette's ``CORSMiddleware``:
``Access-Control-Allow-Origin: *`` on every answer to a request with an ``Origin``, the service's refusals
too, ``Access-Control-Expose-Headers``; a preflight ``OPTIONS`` is answered for GET and POST with any request
headers); ``Settings(cors_origins=("https://example.org",))`` allows only the origins listed.

A ``q`` with no letters (empty, blank, ``12345``, ``-``, ``???``: a junk cell of a table) finds nothing, as in
Nominatim: a 200 with no results, ``X-Gazetteer-Status: invalid`` and the reason ("no letters to match in
'12345'"), so that a client's loop over a column goes on; so does a ``q`` longer than ``max_query_chars``.
A malformed request gets a 400 with Nominatim's
error object (``{"error": {"code": 400, "message": ...}}``): no ``q`` nor structured query,
``limit`` not a number or below 1, a bad ``viewbox``, malformed coordinates, unknown ``format``; a method an endpoint does
not serve (``DELETE /search``, ``GET /batch``) a 405 with the ``Allow`` header listing those it does. Unknown
parameters are ignored. Requests
are bounded (URL, body, batch size) and each client (by address) has a request budget, a token bucket
(``rate`` requests per second, ``burst`` at once; 429 with ``Retry-After`` beyond it). No parameter ever
names a file. The service has no authentication: it binds to 127.0.0.1 unless told otherwise.

``gazetteer serve`` binds its socket before anything else and says "serving ..." only once it is bound; a
port outside 0..65535, a port in use or a host that is not an address of this machine is one error line
and exit status 2 (``--port 0`` takes any free port and prints it).

Needs the ``serve`` extra (Starlette, uvicorn).
"""

from __future__ import annotations

import inspect
import json
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gazetteer import __version__
from gazetteer.errors import GazetteerError
from gazetteer.model import Resolution
from gazetteer.nominatim import (
    Places,
    match_extension,
    pick_language,
    place_id,
    render,
    render_reverse_xml,
    render_xml,
    render_xml_error,
    unit_place_id,
    within_viewbox,
)
from gazetteer.resolve import Resolver, default_resolver

__all__ = ["BindError", "Settings", "bind", "create_app", "run"]

STATIC = Path(__file__).resolve().parent / "static"
FORMATS = ("jsonv2", "json", "geojson", "geocodejson", "xml")
XML = "text/xml; charset=utf-8"
_UKRAINE = frozenset({"ua", "ukr", "ukraine", "україна", "украина", "ukraina"})
_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Settings:
    """Limits of one service. ``rate`` = 0 turns the per-client budget off."""

    rate: float = 100.0  # requests per second per client
    burst: int = 200  # requests a client may send at once
    max_query_chars: int = 256
    max_url_bytes: int = 8192
    max_body_bytes: int = 1_000_000
    max_batch: int = 5000
    default_limit: int = 10
    max_limit: int = 40
    max_lookup_ids: int = 50
    #: What /search answers for an ambiguous name asked with limit=1 (geopy's exactly_one=True):
    #: "candidates" (Nominatim's way: the best-ranked one, flagged ambiguous) or "none" (no result).
    ambiguous: str = "candidates"
    #: Origins whose browser JavaScript may read the answers (CORS): "*" any, else exact origins
    #: ("https://example.org"); () none.
    cors_origins: tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        if self.ambiguous not in ("candidates", "none"):
            raise ValueError(f"ambiguous must be 'candidates' or 'none', not {self.ambiguous!r}")
        origins = (self.cors_origins,) if isinstance(self.cors_origins, str) else tuple(self.cors_origins)
        if not all(isinstance(o, str) and o.strip() for o in origins):
            raise ValueError(f"cors_origins must be origins such as 'https://example.org' or '*', not {origins!r}")
        object.__setattr__(self, "cors_origins", tuple(o.strip().rstrip("/") for o in origins))


class BadRequest(GazetteerError, ValueError):
    """A request the service cannot answer as asked (400)."""


def _error(code: int, message: str, headers: dict[str, str] | None = None, xml: bool = False) -> Response:
    """Nominatim's error: ``{"error": {"code": .., "message": ..}}``, or its XML form when ``format=xml`` was asked."""
    if xml:
        return Response(render_xml_error(code, message), status_code=code, media_type=XML, headers=headers)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=code, headers=headers)


def _bad(request: Request, exc: Exception) -> Response:
    """A 400 for a malformed request, in XML when the request asked for ``format=xml``."""
    return _error(400, str(exc), xml=(request.query_params.get("format") or "").strip().lower() == "xml")


# -- the per-client budget and request bounds ----------------------------------------------------------
class Budget:
    """Token buckets per client: ``take(client)`` -> 0.0 if allowed, else seconds until it would be."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate, self.burst, self.max_clients = rate, max(1, burst), max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, client: str, now: float | None = None) -> float:
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self._buckets) >= self.max_clients and client not in self._buckets:
            self._forget_full(now)
        self._buckets[client] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        full = [c for c, (t, then) in self._buckets.items() if t + (now - then) * self.rate >= self.burst]
        for c in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[c]


#: Headers a cross-origin script may read besides the CORS-safelisted ones (Content-Type ...).
EXPOSED_HEADERS = ("X-Gazetteer-Status", "X-Gazetteer-Reason", "Retry-After")
#: Methods a script of another origin may use: the Nominatim endpoints' GET (HEAD) and POST /batch.
CORS_METHODS = ("GET", "HEAD", "POST")


class Guard:
    """ASGI middleware: bounded URL and body and the per-client budget (413, 414, 429 with Nominatim's error
    object). CORS is Starlette's ``CORSMiddleware`` around it (:func:`create_app`), so these refusals are
    readable across origins too."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.budget = Budget(settings.rate, settings.burst)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        s = self.settings
        request_headers = dict(scope.get("headers") or [])
        response = None
        if len(scope.get("query_string", b"")) + len(scope.get("path", "")) > s.max_url_bytes:
            response = _error(414, f"the request URL is longer than {s.max_url_bytes} bytes")
        else:
            length = request_headers.get(b"content-length")
            if length is not None and not length.isdigit():
                response = _error(400, "Content-Length must be a whole number")
            elif length is not None and int(length) > s.max_body_bytes:
                response = _error(413, f"the request body is larger than {s.max_body_bytes} bytes")
            else:
                client = (scope.get("client") or ("-", 0))[0]
                wait = self.budget.take(client)
                if wait:
                    response = _error(
                        429,
                        f"request budget exceeded ({s.rate:g} requests/s, {s.burst} at once); retry later",
                        {"Retry-After": str(max(1, math.ceil(wait)))},
                    )
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def with_cors(app: Any, settings: Settings) -> Any:
    """``app`` behind Starlette's ``CORSMiddleware``: scripts of the origins in :attr:`Settings.cors_origins`
    (``*``: any) may call every endpoint with GET, and POST /batch; they read the answers and the
    ``X-Gazetteer-*`` and ``Retry-After`` headers. A preflight (``OPTIONS`` with ``Origin`` and
    ``Access-Control-Request-Method``) is answered 200 for those methods and any request headers (a public API
    without credentials), 400 for another method or an origin not listed."""
    from starlette.middleware.cors import CORSMiddleware

    return CORSMiddleware(
        app,
        allow_origins=settings.cors_origins,
        allow_methods=CORS_METHODS,
        allow_headers=("*",),
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )


# -- parameters --------------------------------------------------------------------------------------
def _param(request: Request, *names: str) -> str | None:
    for name in names:
        value = request.query_params.get(name)
        if value is not None:
            return value
    return None


def _flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    return default if value is None else value.strip().lower() in _TRUE


def _int(request: Request, name: str, default: int, low: int, high: int, *, refuse_below: bool = False) -> int:
    """The whole number ``name`` (``default`` when absent or blank), brought within ``low``..``high`` as
    Nominatim does; with ``refuse_below``, a value below ``low`` is a :class:`BadRequest` instead (``limit=0``
    asks for no result at all, ``limit=-1`` for a negative number of them: a mistake, not a wish)."""
    value = request.query_params.get(name)
    if value is None or not value.strip():
        return default
    try:
        n = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {value!r}") from None
    if refuse_below and n < low:
        raise BadRequest(f"{name} must be at least {low} (at most {high}; more is read as {high}), not {value!r}")
    return min(max(n, low), high)


def _coordinate(request: Request, name: str, bound: float) -> float:
    value = request.query_params.get(name)
    if value is None or not value.strip():
        raise BadRequest(f"missing {name}: give lat and lon in decimal degrees")
    try:
        x = float(value)
    except ValueError:
        raise BadRequest(f"{name} must be a number in decimal degrees, not {value[:40]!r}") from None
    if not math.isfinite(x) or abs(x) > bound:
        raise BadRequest(f"{name}={value[:40]} is out of range (-{bound:g} .. {bound:g})")
    return x


def viewbox_of(request: Request) -> tuple[float, float, float, float] | None:
    """Nominatim's ``viewbox=x1,y1,x2,y2`` (longitude, latitude of two opposite corners, in any order) as
    (west, south, east, north), or None when absent. :class:`BadRequest` when it is not four finite numbers
    in range enclosing an area."""
    raw = request.query_params.get("viewbox")
    if raw is None or not raw.strip():
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in raw.split(","))
    except ValueError:
        raise BadRequest(
            f"viewbox must be four numbers x1,y1,x2,y2 (longitude, latitude of two corners), not {raw!r}"
        ) from None
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise BadRequest("viewbox must be finite numbers")
    if not (abs(x1) <= 180 and abs(x2) <= 180 and abs(y1) <= 90 and abs(y2) <= 90):
        raise BadRequest("viewbox is x1,y1,x2,y2 with longitudes within ±180 and latitudes within ±90")
    if x1 == x2 or y1 == y2:
        raise BadRequest("viewbox must enclose an area: its two corners share a longitude or a latitude")
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _format(request: Request) -> str:
    fmt = (request.query_params.get("format") or "jsonv2").strip().lower()
    if fmt not in FORMATS:
        raise BadRequest(f"format {fmt!r} is not served: use one of {', '.join(FORMATS)}")
    return fmt


def language_of(request: Request) -> str:
    """``accept-language`` parameter or header -> "uk", "en" or "ru" (:func:`gazetteer.nominatim.pick_language`)."""
    return pick_language(request.query_params.get("accept-language") or request.headers.get("accept-language") or "")


#: Media types of tables, which POST /batch does not parse (it reads a column of names).
_TABLE_MEDIA = frozenset({"text/csv", "application/csv", "text/tab-separated-values"})
_BATCH_JSON = '{"names": ["name", ...], "oblast": "one oblast for every name" (optional)}, or ["name", ...]'


def _json_kind(value: object) -> str:
    """What a JSON value is, in JSON's terms (for messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    kinds = ((str, "a string"), ((int, float), "a number"), (list, "a list"), (dict, "an object"))
    return next(kind for types, kind in kinds if isinstance(value, types))


def _batch_payload(payload: object, oblast: str | None) -> tuple[list, str | None]:
    """(names, oblast hint) of a JSON body of POST /batch; :class:`BadRequest` for any other shape. ``oblast``
    is the ``oblast`` parameter's value, which the body's ``oblast`` overrides."""
    if isinstance(payload, list):
        return payload, oblast
    if not isinstance(payload, dict):
        raise BadRequest(f"the JSON body is {_json_kind(payload)}: send {_BATCH_JSON}")
    unknown = sorted(set(payload) - {"names", "oblast"})
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r} in the JSON body: it holds names and optionally oblast")
    if "names" not in payload:
        raise BadRequest(f"the JSON body has no names: send {_BATCH_JSON}")
    names = payload["names"]
    if not isinstance(names, list):
        raise BadRequest(f"names must be a list of place names, not {_json_kind(names)}")
    oblast = payload.get("oblast", oblast)
    if oblast is not None and not isinstance(oblast, str):
        raise BadRequest(
            f'oblast must be one oblast name (a string such as "Kharkiv"), a hint for every name, or null; '
            f"not {_json_kind(oblast)}"
        )
    return names, oblast


# -- map for the page --------------------------------------------------------------------------------
def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain), counter-clockwise, first point not repeated."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def map_data(resolver: Resolver) -> dict[str, Any]:
    """What the page draws: oblast outlines (lon/lat rings), label points, settlement points.

    Outlines are :func:`gazetteer.maps.oblast_shapes` (Voronoi cells of the settlements, dissolved per
    oblast) when shapely is installed, else the convex hull of each oblast's settlements; both come
    from the extract alone, no download.
    """
    ex = resolver.extract
    outlines: dict[str, list[list[list[float]]]] = {}
    kind = "convex hulls of each oblast's settlements"
    try:
        import shapely

        from gazetteer.maps import _oblast_table

        for oid, _uk, _en, shape in _oblast_table():
            simple = shapely.simplify(shape, 0.02)
            rings = []
            for poly in shapely.get_parts(simple):
                coords = shapely.get_coordinates(shapely.get_exterior_ring(poly))
                if len(coords) >= 4:
                    rings.append([[round(x, 3), round(y, 3)] for x, y in coords.tolist()])
            outlines[oid] = rings
        kind = "Voronoi cells of the settlements, dissolved per oblast (gazetteer.maps)"
    except ImportError:
        by_oblast: dict[str, list[tuple[float, float]]] = {}
        for s in ex.settlements:
            by_oblast.setdefault(s.oblast_id, []).append((round(s.lon, 3), round(s.lat, 3)))
        outlines = {oid: [[list(p) for p in _hull(pts)]] for oid, pts in by_oblast.items()}
    oblasts = []
    for u in ex.oblasts:
        oblasts.append(
            {
                "id": u.id,
                "name_uk": u.name_uk,
                "name_en": u.name_en,
                "lat": u.lat,
                "lon": u.lon,
                "rings": outlines.get(u.id, []),
            }
        )
    points = sorted({(round(s.lon, 2), round(s.lat, 2)) for s in ex.settlements if s.coord_precision == "point"})
    return {"outlines": kind, "oblasts": oblasts, "points": [list(p) for p in points]}


# -- the application ---------------------------------------------------------------------------------
class Service:
    """The request handlers over one resolver."""

    def __init__(self, resolver: Resolver, settings: Settings) -> None:
        self.resolver, self.settings = resolver, settings
        self.places = Places(resolver)
        self._map: bytes | None = None
        self._static = {
            "/": ("index.html", "text/html; charset=utf-8"),
            "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
            "/static/app.css": ("app.css", "text/css; charset=utf-8"),
        }

    @cached_property
    def by_place_id(self) -> dict[int, str]:
        """place_id -> KATOTTG id, for /lookup: a settlement's, or a unit's (10**12 more; Kyiv the unit has the
        same KATOTTG id as Kyiv the city, so /lookup reads a unit's place_id as the unit)."""
        ex = self.resolver.extract
        out = {unit_place_id(uid): uid for uid in ex.units}
        out.update((place_id(s.id), s.id) for s in ex.settlements)
        return out

    def respond(self, payload: Any, fmt: str = "json", headers: dict[str, str] | None = None) -> JSONResponse:
        media = "application/geo+json" if fmt in ("geojson", "geocodejson") else "application/json"
        return JSONResponse(payload, media_type=media, headers=headers)

    # /search
    async def search(self, request: Request) -> Response:
        try:
            fmt = _format(request)
            lang = language_of(request)
            limit = _int(request, "limit", self.settings.default_limit, 1, self.settings.max_limit, refuse_below=True)
            details = _flag(request, "addressdetails", default=fmt == "geocodejson")
            q = request.query_params.get("q")
            structured = {k: request.query_params.get(k) for k in ("city", "county", "state", "country")}
            unused = [k for k in ("street", "amenity", "postalcode") if request.query_params.get(k)]
            other = bool(unused)
            given = {k: v for k, v in structured.items() if v and v.strip()}
            if q is not None and (given or other):
                raise BadRequest("q cannot be combined with structured parameters (city, county, state, ...)")
            if q is None and not given and not other:
                raise BadRequest("give q, or a structured query: city (with county, state)")
            codes = request.query_params.get("countrycodes")
            foreign = codes is not None and codes.strip() and "ua" not in {c.strip().lower() for c in codes.split(",")}
            country = given.get("country")
            text = q if q is not None else given.get("city")
            if text is None and given.get("state") and not given.get("county") and not other:
                res = self.resolver.region_named(given["state"])  # state=Kharkiv: the oblast, as Nominatim's
                records = self.places.region_records(res, lang, fmt, details)
                return self._results(records, fmt, given["state"], "oblast" if records else "not_found", res.reason)
            if text is None:  # street/postalcode only, or a raion without a settlement: nothing at this level
                return self._results([], fmt, "", "not_found", "a settlement name (city) is needed")
            text = text.strip()
            if country and country.strip().casefold() not in _UKRAINE and text:
                # read as a cell would be: "Sevastopol, Russia" is Sevastopol (with a note), "Odessa, USA" abroad
                text = f"{text}, {country.strip()}"
            if "\ufffd" in text:
                # Percent-encoded bytes that are not UTF-8 arrive as U+FFFD: say so, not "no letters to match".
                why = "q is not valid UTF-8 (percent-encode the UTF-8 bytes of the name; a cp1251 byte shows as U+FFFD)"
                return self._results([], fmt, text[: self.settings.max_query_chars], "invalid", why)
            if len(text) > self.settings.max_query_chars:
                # Longer than a place name can be (a description in a table's place column): nothing found, as
                # for a junk cell; a 400 would stop a client's loop over the column.
                why = f"q is longer than {self.settings.max_query_chars} characters: no place name is so long"
                return self._results([], fmt, text[: self.settings.max_query_chars], "invalid", why)
            box = viewbox_of(request)
            bounded = box is not None and _flag(request, "bounded")
            if foreign:
                return self._results([], fmt, text, "not_found", "only Ukraine (countrycodes=ua) is served")
            # Ask for at least the default number, so that ``candidates`` tells a single answer's peers; with a
            # viewbox, for all of them: the box picks among every candidate, not the first 40 (78 Новоселівка).
            wanted = (
                len(self.resolver.extract.settlements) if box is not None else max(limit, self.settings.default_limit)
            )
            res = self._lookup(text, given.get("state"), given.get("county"), wanted)
            # A stated region restricts the results, as in Nominatim (the resolver keeps namesakes outside it).
            res = self.resolver.within_hints(res, oblast=given.get("state"), raion=given.get("county"))
            if box is not None:
                res = within_viewbox(res, box, bounded)
            if unused and res.status in ("resolved", "ambiguous"):
                # No streets, amenities or postcodes in the gazetteer: the answer is the settlement, and it says so.
                note = f"{', '.join(unused)} not used: the gazetteer knows settlements, not addresses"
                res = replace(res, reason="; ".join(filter(None, [res.reason, note])))
        except BadRequest as exc:
            return _bad(request, exc)
        if res.status == "not_found" and res.region and box is None:
            # "Kharkov oblast", "Донеччина": a region, not a settlement; Nominatim answers with the region.
            records = self.places.region_records(res, lang, fmt, details)[:limit]
            return self._results(records, fmt, text, "oblast", res.reason)
        if res.status not in ("resolved", "ambiguous"):
            # Not found: no result, as Nominatim answers no match. The resolver's closest spellings are no
            # answer: a client takes the first result for the place (geopy, tidygeocoder and a spreadsheet
            # never read the headers), so they stay in the reason header ("...; closest: ...") only.
            return self._results([], fmt, text, res.status, res.reason)
        records = self._records(res, lang, fmt, details, limit)
        if res.status == "ambiguous" and limit == 1 and self.settings.ambiguous == "none":
            records = []  # one answer was asked for and there is none; the header says why
        return self._results(records, fmt, text, res.status, res.reason)

    def _lookup(self, text: str, oblast: str | None, raion: str | None, limit: int) -> Resolution:
        try:
            self.resolver.parse_hints(oblast=oblast, raion=raion)
        except ValueError as exc:  # UnknownOblast: Nominatim finds nothing in a region that does not exist
            return Resolution(text, "not_found", str(exc))
        try:
            return self.resolver.lookup(text, oblast=oblast, raion=raion, limit=limit, strict=True)
        except (TypeError, ValueError) as exc:
            try:
                self.resolver.reader.read(text)
            except (TypeError, ValueError) as why:
                # A name with no letters (an empty cell, "12345", "-", "???") finds nothing, as in Nominatim: a
                # 200 with no results, the header saying why; a 400 would stop a client's loop over a column.
                return Resolution(text, "invalid", str(why))
            raise BadRequest(str(exc)) from None

    def _records(self, res: Resolution, lang: str, fmt: str, details: bool, limit: int) -> list[dict[str, Any]]:
        return [
            self.places.record(m.settlement, lang, fmt, details, match_extension(res, m, rank))
            for rank, m in enumerate(res.candidates[:limit], 1)
        ]

    def _results(self, records: list, fmt: str, query: str, status: str, reason: str) -> Response:
        headers = {"X-Gazetteer-Status": status, "X-Gazetteer-Reason": quote(reason or "", safe=" ,;:()'")}
        if fmt == "xml":
            return Response(render_xml(records, self.places.licence, query), media_type=XML, headers=headers)
        return self.respond(render(records, fmt, self.places.licence, query), fmt, headers)

    # /reverse
    async def reverse(self, request: Request) -> Response:
        from gazetteer.nearby import PointOutsideUkraine, reverse

        try:
            fmt = _format(request)
            lang = language_of(request)
            details = _flag(request, "addressdetails", default=True)
            lat = _coordinate(request, "lat", 90.0)
            lon = _coordinate(request, "lon", 180.0)
            zoom = _int(request, "zoom", 18, 0, 18)
        except BadRequest as exc:
            return _bad(request, exc)
        try:
            found = reverse(lat, lon, k=1)
        except PointOutsideUkraine:
            found = []
        if not found:
            headers = {"X-Gazetteer-Status": "not_found", "X-Gazetteer-Reason": quote("the point is outside Ukraine")}
            if fmt == "xml":
                xml = render_reverse_xml(None, self.places.licence, request.url.query)
                return Response(xml, media_type=XML, headers=headers)
            if fmt in ("json", "jsonv2"):
                return self.respond({"error": "Unable to geocode"}, headers=headers)
            return self.respond(render([], fmt, self.places.licence), fmt, headers)
        s, km = found[0]
        units = self.resolver.extract.units
        # A unit is the nearest settlement's, so the point is taken to be inside it: its record has no
        # distance_km (the distance to that settlement is not the distance to the unit).
        if zoom <= 4:
            rec = self.places.country_record(lang, fmt, details)
        elif zoom <= 7 and s.oblast_id in units:
            rec = self.places.unit_record(units[s.oblast_id], lang, fmt, details, {"status": "nearest"})
        elif zoom <= 9 and s.raion_id in units:
            rec = self.places.unit_record(units[s.raion_id], lang, fmt, details, {"status": "nearest"})
        else:
            rec = self.places.record(s, lang, fmt, details, {"status": "nearest", "distance_km": round(km, 3)})
        headers = {"X-Gazetteer-Status": "nearest"}
        if fmt == "xml":
            xml = render_reverse_xml(rec, self.places.licence, request.url.query)
            return Response(xml, media_type=XML, headers=headers)
        if fmt in ("json", "jsonv2"):
            return self.respond(rec, headers=headers)
        return self.respond(render([rec], fmt, self.places.licence), fmt, headers)

    # /lookup
    async def lookup(self, request: Request) -> Response:
        try:
            fmt = _format(request)
            lang = language_of(request)
            details = _flag(request, "addressdetails", default=True)
            raw = _param(request, "osm_ids", "ids", "place_ids")
            if raw is None or not raw.strip():
                raise BadRequest("give osm_ids (or ids): comma-separated KATOTTG ids")
            ids = [p.strip() for p in raw.split(",") if p.strip()]
            if len(ids) > self.settings.max_lookup_ids:
                raise BadRequest(f"at most {self.settings.max_lookup_ids} ids per request")
        except BadRequest as exc:
            return _bad(request, exc)
        ex = self.resolver.extract
        records = []
        for raw_id in ids:
            sid = raw_id.upper()
            if len(sid) > 1 and sid[0] in "NWR" and sid[1:].isdigit():
                sid = sid[1:]  # Nominatim's osm_ids: an OSM type letter before the number (R630800900100)
            unit_only = sid.isdigit() and len(sid) == 13
            if sid.isdigit():  # a place_id (12 digits, 13 for a unit: nominatim.place_id) or the id's 17 digits
                sid = self.by_place_id.get(int(sid), "") if len(sid) <= 13 else "UA" + sid.zfill(17)
            if unit_only and sid in ex.units:
                records.append(self.places.unit_record(ex.units[sid], lang, fmt, details, {}))
                continue
            try:
                s = ex.settlement(sid)
            except KeyError:
                u = ex.units.get(sid)
                if u is not None:
                    records.append(self.places.unit_record(u, lang, fmt, details, {}))
                continue
            records.append(self.places.record(s, lang, fmt, details, {"status": "lookup"}))
        if fmt == "xml":
            body = render_xml(records, self.places.licence, request.url.query, root="lookupresults")
            return Response(body, media_type=XML)
        return self.respond(render(records, fmt, self.places.licence), fmt)

    # /status
    async def status(self, request: Request) -> Response:
        m = self.resolver.extract.manifest
        if (request.query_params.get("format") or "text").lower() == "json":
            return JSONResponse(
                {
                    "status": 0,
                    "message": "OK",
                    "data_updated": m.get("built_at"),
                    "software_version": f"gazetteer {__version__}",
                    "database_version": m.get("built_at"),
                    "settlements": len(self.resolver.extract.settlements),
                }
            )
        return PlainTextResponse("OK")

    # the page
    async def static(self, request: Request) -> Response:
        name, media = self._static[request.url.path]
        return Response((STATIC / name).read_bytes(), media_type=media, headers={"Cache-Control": "no-cache"})

    async def map_json(self, request: Request) -> Response:
        if self._map is None:
            data = await run_in_threadpool(map_data, self.resolver)
            self._map = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Response(self._map, media_type="application/json", headers={"Cache-Control": "max-age=3600"})

    async def batch(self, request: Request) -> Response:
        """POST a column of names; answer the ``gaz_*`` columns of ``gazetteer batch`` for each, in order.

        The body is text, one name per line (every line is a name: a header line too), or JSON (``Content-Type:
        application/json``) ``{"names": [...], "oblast": "..."}`` or a bare list of names. A CSV or TSV body
        (``text/csv``, ``text/tab-separated-values``) is refused with a 415: its quoting, columns and header
        would be read as names. ``oblast`` (in the body, or the ``oblast`` parameter) is one oblast hint for
        every name. An element of ``names`` that is no string (null, a number, an object) is a junk cell of
        the column: its row says ``invalid`` and why, as ``gazetteer batch`` says it, its ``query`` the element
        as sent."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media in _TABLE_MEDIA:
            return _error(
                415,
                f"a {media} body is not read as a table (its header, columns and quoting would be taken for names): "
                "send the column of names as text, one name per line without a header, or as JSON "
                '{"names": [...]}; gazetteer batch reads CSV, TSV and xlsx tables',
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.settings.max_body_bytes:
                return _error(413, f"the request body is larger than {self.settings.max_body_bytes} bytes")
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _error(400, "the body must be UTF-8")
        oblast = request.query_params.get("oblast")
        if "json" in media:
            try:
                payload = json.loads(text)
            except ValueError:
                return _error(400, f"the body is not JSON: send {_BATCH_JSON}")
            except RecursionError:
                return _error(400, f"the JSON body is nested too deeply: send {_BATCH_JSON}")
            try:
                names, oblast = _batch_payload(payload, oblast)
            except BadRequest as exc:
                return _error(400, str(exc))
        else:
            names = text.splitlines()
            while names and not names[-1].strip():
                names.pop()
        if len(names) > self.settings.max_batch:
            return _error(413, f"at most {self.settings.max_batch} names per request")
        rows = await run_in_threadpool(self._batch_rows, names, oblast)
        return JSONResponse({"rows": rows})

    def _batch_rows(self, names: list, oblast: str | None) -> list[dict[str, Any]]:
        from gazetteer.resolve import lookup_many

        hints = [oblast if oblast and oblast.strip() else None] * len(names)
        out = []
        for name, res in zip(names, lookup_many(names, oblasts=hints, resolver=self.resolver), strict=True):
            row = {"query": name}  # as sent: a null stays null, never the name "null" (as batch keeps a JSON cell)
            row.update(res.to_columns())
            out.append(row)
        return out


def create_app(resolver: Resolver | None = None, settings: Settings | None = None, *, warm: bool = False) -> Any:
    """The ASGI application (Starlette, inside the request guard, inside CORS: :func:`with_cors`). Loads the
    extract on startup; with ``warm``, also every table a request in any language would otherwise build on
    first use (the Russian names: a first ``accept-language=ru`` took ~2 s, over a geopy client's 1 s
    timeout). :func:`run` warms its app before it answers."""
    resolver = resolver or default_resolver()
    settings = settings or Settings()
    svc = Service(resolver, settings)

    async def on_error(request: Request, exc: Exception) -> Response:
        return _error(500, f"internal error: {type(exc).__name__}")

    async def on_http_error(request: Request, exc: Exception) -> Response:
        code = getattr(exc, "status_code", 500)
        headers = dict(getattr(exc, "headers", None) or {})  # a 405's Allow (RFC 9110 requires it), kept
        if code == 404:
            message = "no such endpoint: use /search, /reverse, /lookup, /status or POST /batch"
        elif code == 405 and "Allow" in headers:
            message = f"{request.method} is not served at {request.url.path}: use {headers['Allow']}"
        else:
            message = str(getattr(exc, "detail", "") or exc)
        return _error(code, message, headers or None)

    routes = [
        Route("/search", svc.search),
        Route("/search.php", svc.search),
        Route("/reverse", svc.reverse),
        Route("/reverse.php", svc.reverse),
        Route("/lookup", svc.lookup),
        Route("/status", svc.status),
        Route("/status.php", svc.status),
        Route("/map.json", svc.map_json),
        Route("/batch", svc.batch, methods=["POST"]),
        *(Route(path, svc.static) for path in svc._static),
    ]
    from starlette.exceptions import HTTPException

    app = Starlette(routes=routes, exception_handlers={Exception: on_error, HTTPException: on_http_error})
    app.state.service = svc
    resolver.lookup("Київ")  # load the extract and index before the first request
    if warm:
        svc.places.warm()
    return with_cors(Guard(app, settings), settings)


_ENV = "GAZETTEER_SERVE_SETTINGS"


def app_from_env() -> Any:
    """Factory for uvicorn's worker processes: settings travel in an environment variable."""
    raw = os.environ.get(_ENV)
    return create_app(settings=Settings(**json.loads(raw)) if raw else Settings(), warm=True)


class BindError(GazetteerError, OSError):
    """The service cannot listen where it was told (address in use, not an address of this machine, bad port)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0..65535; 0 = any free port). Raises :class:`BindError` with
    one line a user can act on; nothing else is started before the socket exists."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise BindError(f"port must be a whole number from 0 to 65535, not {port!r}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        info = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BindError(f"cannot listen on {host}:{port}: {host!r} is not an address ({reason})") from None
    fam, kind, proto, _, address = info[0]
    sock = socket.socket(fam, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart without waiting
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise BindError(f"cannot listen on {host}:{port}: {reason[:1].lower() + reason[1:]}") from None
    sock.set_inheritable(True)  # worker processes serve the same socket
    return sock


def run(
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    workers: int = 1,
    settings: Settings | None = None,
    log_level: str = "warning",
    on_listening: Callable[[str, int], None] | None = None,
) -> None:
    """Serve until interrupted. ``workers`` > 1 starts that many processes (each loads the extract).

    The socket is bound first (:func:`bind`; :class:`BindError` if it cannot be), then ``on_listening(host,
    port)`` is called with the port actually bound (useful with ``port=0``), then the extract loads and the
    service warms (:func:`create_app`), then requests are answered (those that arrive meanwhile wait in the
    socket's queue)."""
    import uvicorn

    settings = settings or Settings()
    sock = bind(host, port)
    try:
        if on_listening is not None:
            on_listening(host, sock.getsockname()[1])
        common = {"host": host, "port": port, "log_level": log_level, "access_log": False, "server_header": False}
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            os.environ[_ENV] = json.dumps(asdict(settings))
            config = uvicorn.Config("gazetteer.serve:app_from_env", factory=True, workers=workers, **common)
            # uvicorn < 0.30 names the worker's entry point; later versions make it themselves.
            older = "target" in inspect.signature(Multiprocess).parameters
            extra = {"target": uvicorn.Server(config).run} if older else {}
            Multiprocess(config, sockets=[sock], **extra).run()
        else:
            config = uvicorn.Config(create_app(settings=settings, warm=True), **common)
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
