"""The offline resolver as a geopy geocoder: same calls, same ``Location`` answers, no network.

>>> from gazetteer.geocoder import Gazetteer
>>> geolocator = Gazetteer()
>>> loc = geolocator.geocode("Kupyansk")
>>> loc.raw["name_uk"], loc.raw["status"], round(loc.latitude, 2), round(loc.longitude, 2)
('Куп’янськ', 'resolved', 49.71, 37.62)
>>> geolocator.geocode("Радьківка", oblast="Kharkiv").raw["oblast_uk"]
'Харківська'
>>> geolocator.reverse((49.99, 36.23)).raw["name_uk"]
'Харків'
>>> geolocator.reverse((45.5, 31.5)) is None  # the Black Sea
True

It drops into geopy pipelines unchanged::

    from geopy.extra.rate_limiter import RateLimiter
    geocode = RateLimiter(Gazetteer().geocode, min_delay_seconds=0)
    df["location"] = df["place"].apply(geocode)

Ambiguity. ``exactly_one=True`` asks for *the* place; for an ambiguous name ("Новоселівка": 78 villages)
there is none, so ``geocode`` returns None (``geopandas.tools.geocode`` and ``RateLimiter`` pipelines then
leave the row empty instead of plotting one village of 78 as if it were the answer).
``exactly_one=False`` returns the ranked candidates, best first, each with ``raw["status"] ==
"ambiguous"``. Pass ``ambiguous="first"`` to the constructor for the top candidate, flagged
(``raw["status"]`` is ``"ambiguous"``, ``raw["alternatives"]`` counts the others), or ``ambiguous="raise"``
for geopy's ``GeocoderQueryError``.

Names that are not settlements, unknown names and invalid queries (empty, NaN) return None, like geopy's
web geocoders do; an oblast hint that names no oblast raises :class:`~gazetteer.errors.UnknownOblast`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from geopy.exc import GeocoderQueryError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from gazetteer.geodesy import haversine_km
from gazetteer.model import Match, Resolution, Settlement
from gazetteer.nominatim import Places, match_extension, pick_language, within_viewbox
from gazetteer.resolve import CANDIDATES, Resolver, default_resolver

__all__ = ["UKRAINE_BBOX", "Gazetteer", "distance_km", "in_ukraine_bbox"]

#: (south, west, north, east) with a little margin around Ukraine (Crimea included): a search window for
#: online providers, not the test of "inside Ukraine" (that is :func:`gazetteer.nearby.inside_ukraine`).
UKRAINE_BBOX = (44.2, 22.0, 52.5, 40.3)

#: Great-circle distance in km: the one implementation, :func:`gazetteer.geodesy.haversine_km`.
distance_km = haversine_km


def in_ukraine_bbox(lat: float, lon: float) -> bool:
    """True if the point is inside Ukraine's bounding box (a rough first check)."""
    s, w, n, e = UKRAINE_BBOX
    return s <= lat <= n and w <= lon <= e


def address_of(s: Settlement, language: str = "uk", resolver: Resolver | None = None) -> str:
    """A geopy-style address line: settlement, hromada, raion, oblast, country (the ``display_name`` that
    ``gazetteer serve`` answers; ``language`` "uk", "en" or "ru")."""
    return _places(resolver or default_resolver()).display_name_of(s, language)


def _places(resolver: Resolver) -> Places:
    places = _PLACES.get(id(resolver))
    if places is None or places.resolver is not resolver:
        _PLACES.clear()
        places = _PLACES[id(resolver)] = Places(resolver)
    return places


_PLACES: dict[int, Places] = {}
#: Keys of a structured query (geopy's Nominatim takes a dict) that are read; the others would be ignored.
_STRUCTURED = frozenset({"city", "state", "county", "country"})
#: Keys of a structured query geopy's Nominatim takes that name something finer than a settlement: not read.
_NOT_READ = frozenset({"street", "postalcode"})
_UKRAINE = frozenset({"ua", "ukr", "ukraine", "україна", "украина", "ukraina"})


class Gazetteer(Geocoder):
    """The offline resolver behind geopy's geocoder interface.

    ``language`` ("uk", "en" or "ru") sets the address line; ``ambiguous`` what ``exactly_one=True`` does with an
    ambiguous name: "none" (default: return None), "first" (top candidate, ``raw["status"] == "ambiguous"``)
    or "raise";
    ``reverse_max_km`` how far ``reverse`` looks for a settlement before answering None; ``limit`` how many
    places ``exactly_one=False`` answers when its call gives no ``limit`` (default 10, as Nominatim).
    """

    def __init__(
        self,
        resolver: Resolver | None = None,
        *,
        language: str = "uk",
        ambiguous: str = "none",
        limit: int = CANDIDATES,
        reverse_max_km: float = 20.0,
        user_agent: str | None = None,
    ) -> None:
        if language not in ("uk", "en", "ru"):
            raise ValueError(f"language must be 'uk', 'en' or 'ru', not {language!r}")
        if ambiguous not in ("first", "none", "raise"):
            raise ValueError(f"ambiguous must be 'first', 'none' or 'raise', not {ambiguous!r}")
        super().__init__(user_agent=user_agent or "gazetteer")
        self.resolver = resolver or default_resolver()
        self.language = language
        self.ambiguous = ambiguous
        self.limit = limit
        self.reverse_max_km = reverse_max_km

    # -- geocode --------------------------------------------------------------------------------
    def geocode(
        self,
        query: object,
        *,
        exactly_one: bool = True,
        timeout: object = DEFAULT_SENTINEL,
        oblast: str | None = None,
        raion: str | None = None,
        hromada: str | None = None,
        near: tuple[float, float] | None = None,
        limit: int | None = None,
        language: str | bool = False,
        addressdetails: bool = False,
        country_codes: str | list[str] | None = None,
        viewbox: tuple | list | None = None,
        bounded: bool = False,
        namedetails: bool = False,
        extratags: bool = False,
        geometry: str | None = None,
        featuretype: str | None = None,
    ) -> Location | list[Location] | None:
        """A settlement name (any spelling) -> ``Location`` (or a list with ``exactly_one=False``) or None.

        The keywords a geopy ``Nominatim`` client passes work the same here, so swapping the geocoder keeps
        the calls: ``query`` may be a structured dict (``{"city": ..., "state": ..., "county": ...,
        "country": ...}``; ``state`` and ``county`` are read as the oblast and raion hints); ``language``
        ("en", "ru-RU,ru;q=0.9": an Accept-Language value; False keeps the constructor's) sets the address
        line; ``addressdetails=True`` adds ``raw["address"]`` (Nominatim's parts: city/town/village,
        municipality, district, state, country, country_code); ``country_codes`` that do not list "ua", or a
        ``country`` that is not Ukraine, answer None; ``viewbox`` (two (lat, lon) corners, as geopy takes
        it) moves candidates inside it first, and ``bounded=True`` keeps only those. ``timeout`` is accepted
        and ignored. ``namedetails=True`` adds ``raw["namedetails"]`` (name, name:uk, name:en, name:ru),
        ``extratags=True`` ``raw["extratags"]`` (population where known, ref:katottg), ``geometry`` "geojson"
        or "wkt" the point as ``raw["geojson"]`` / ``raw["geotext"]`` (a settlement here is a point; "svg"
        and "kml" add nothing); a query that names only a region ("Kharkov oblast", "Донеччина", a structured
        ``state`` alone) answers the oblast (``raw["addresstype"] == "state"``), as the service does;
        ``featuretype`` "country" answers None, "state" only such an oblast, "city" and "settlement" change
        nothing. A structured query's ``street`` and
        ``postalcode`` are not read (a settlement is the finest level here), and a ``country`` other than
        Ukraine is read as a cell would be ("Sevastopol", country "Russia": Sevastopol, with a note; "Odessa",
        "USA": None). ``raw`` is the match's flat record (``Match.to_dict()``) plus ``status``, ``reason``
        and ``alternatives``, and the ``gazetteer`` object of ``gazetteer serve``'s records (``katottg``,
        ``status``, ``reason``, ``match``, ``score``, ``rank``, ``candidates``...), so that code reading
        ``raw["gazetteer"]`` runs against either.
        """
        feature = str(featuretype).strip().lower() if featuretype is not None else None
        if feature == "country":
            return None
        if isinstance(query, dict):
            unknown = set(query) - _STRUCTURED - _NOT_READ
            if unknown:
                raise ValueError(f"structured query keys {sorted(unknown)} are not read: use {sorted(_STRUCTURED)}")
            country = query.get("country")
            oblast = oblast if oblast is not None else query.get("state")
            raion = raion if raion is not None else query.get("county")
            query = query.get("city")
            if query is None and oblast is not None and raion is None:  # a state alone: that oblast
                return self._oblasts(self.resolver.region_named(oblast), exactly_one, language, addressdetails)
            if query is None:
                return None
            if country is not None and str(country).strip().casefold() not in _UKRAINE:
                query = f"{query}, {country}"  # the resolver reads the country as a cell's (Crimea under Russia)
        if country_codes is not None:
            codes = [country_codes] if isinstance(country_codes, str) else list(country_codes)
            if "ua" not in {str(c).strip().lower() for c in codes}:
                return None
        # Bad hints are the caller's mistake: raise (UnknownOblast) instead of a silent None.
        self.resolver.parse_hints(oblast=oblast, raion=raion, hromada=hromada, near=near)
        wanted = limit or self.limit
        res = self.resolver.lookup(
            query,
            oblast=oblast,
            raion=raion,
            hromada=hromada,
            near=near,
            limit=len(self.resolver.extract.settlements) if viewbox is not None else wanted,
            strict=False,
        )
        if res.status == "not_found" and res.region and viewbox is None:
            return self._oblasts(res, exactly_one, language, addressdetails)  # "Kharkov oblast": the oblast
        if feature == "state":
            return None  # a settlement is no state
        # A stated region restricts the results, as in Nominatim (the resolver keeps namesakes outside it).
        res = self.resolver.within_hints(res, oblast=oblast, raion=raion, hromada=hromada)
        if viewbox is not None:
            (lat1, lon1), (lat2, lon2) = (Point(c)[:2] for c in viewbox)
            box = (min(lon1, lon2), min(lat1, lat2), max(lon1, lon2), max(lat1, lat2))
            res = within_viewbox(res, box, bounded)
            res = replace(res, candidates=res.candidates[:wanted])
        found = self.locations(res, exactly_one=exactly_one, language=language, addressdetails=addressdetails)
        if found is not None and (namedetails or extratags or geometry):
            for loc in [found] if isinstance(found, Location) else found:
                self._extras(loc, namedetails=namedetails, extratags=extratags, geometry=geometry)
        return found

    def _extras(self, loc: Location, *, namedetails: bool, extratags: bool, geometry: str | None) -> None:
        """Nominatim's optional parts of a record, added to ``loc.raw`` in place."""
        raw = loc.raw
        s = self.resolver.extract.settlement(raw["id"])
        if namedetails:
            places = _places(self.resolver)
            raw["namedetails"] = {
                "name": s.name_uk,
                "name:uk": s.name_uk,
                "name:en": s.name_en,
                "name:ru": places.name(s, "ru"),
            }
        if extratags:
            raw["extratags"] = {"ref:katottg": s.id, **({"population": str(s.population)} if s.population else {})}
        kind = str(geometry or "").strip().lower()
        if kind == "geojson":
            raw["geojson"] = {"type": "Point", "coordinates": [s.lon, s.lat]}
        elif kind == "wkt":
            raw["geotext"] = f"POINT({s.lon} {s.lat})"

    def locations(
        self,
        res: Resolution,
        *,
        exactly_one: bool = True,
        language: str | bool = False,
        addressdetails: bool = False,
    ) -> Location | list[Location] | None:
        """Turn a :class:`Resolution` into geopy answers (the rules of :meth:`geocode`)."""
        lang = self._language(language)

        def loc(m: Match) -> Location:
            return self._location(m, res, lang, addressdetails)

        if res.status == "resolved" and res.match is not None:
            top = loc(res.match)
            if exactly_one:
                return top
            return [top] + [loc(m) for m in res.candidates if m is not res.match]
        if res.status == "ambiguous" and res.candidates:
            if not exactly_one:
                return [loc(m) for m in res.candidates]
            if self.ambiguous == "raise":
                raise GeocoderQueryError(f"{res.query!r} is ambiguous: {res.reason}")
            return loc(res.candidates[0]) if self.ambiguous == "first" else None
        return None

    def _language(self, language: str | bool) -> str:
        if language is False or language is None:
            return self.language
        if not isinstance(language, str):
            raise TypeError(f"language must be a str such as 'en' or 'ru-RU,ru;q=0.9', not {language!r}")
        return pick_language(language, default=self.language)

    def _location(self, m: Match, res: Resolution, lang: str, addressdetails: bool = False) -> Location:
        raw = m.to_dict()
        raw.update(
            status=res.status if m is res.match or res.status != "resolved" else "candidate",
            reason=res.reason,
            alternatives=len(res.candidates) - 1,
        )
        s = m.settlement
        places = _places(self.resolver)
        if addressdetails:
            raw["address"] = places.address(s, lang)
        rank = next((i for i, c in enumerate(res.candidates, 1) if c is m), 1)
        raw["gazetteer"] = places.extension(s, match_extension(res, m, rank))
        _nominatim_keys(raw, places.record(s, lang, "jsonv2", addressdetails, {}))
        return Location(places.display_name_of(s, lang), Point(s.lat, s.lon), raw)

    # -- reverse --------------------------------------------------------------------------------
    def reverse(
        self,
        query: object,
        *,
        exactly_one: bool = True,
        timeout: object = DEFAULT_SENTINEL,
        limit: int | None = None,
        max_km: float | None = None,
        language: str | bool = False,
        addressdetails: bool = True,
        zoom: int | None = None,
    ) -> Location | list[Location] | None:
        """The settlement nearest a point (``(lat, lon)``, ``"lat, lon"`` or a geopy ``Point``).

        ``zoom`` as in geopy's Nominatim and the service's /reverse: 10 or more (or None) the settlement;
        8-9 its raion, 5-7 its oblast, 0-4 the country (one Nominatim-shaped record in ``raw``, no distance).

        The same engine and the same border as :func:`gazetteer.reverse` (:mod:`gazetteer.nearby`): only
        settlements with their own coordinates (``coord_precision == "point"``) are answers; None when the
        point is outside Ukraine or no settlement lies within ``max_km`` (default ``reverse_max_km``).
        ``raw`` adds ``distance_km`` and ``status == "nearest"`` (in ``raw["gazetteer"]`` too, as the service's), and (``addressdetails``, on by default as in
        geopy's Nominatim) ``address``. ``language`` as in :meth:`geocode`.
        """
        from gazetteer.nearby import nearest_settlements

        try:
            p = query if isinstance(query, Point) else Point(query)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"reverse needs a point (lat, lon), not {query!r}: {exc}") from None
        from gazetteer.nearby import inside_ukraine

        if not inside_ukraine([p.latitude], [p.longitude])[0]:
            return None
        found = nearest_settlements(
            p.latitude,
            p.longitude,
            k=1 if exactly_one else (limit or self.limit),
            max_km=self.reverse_max_km if max_km is None else max_km,
            settlements=self.resolver.extract.settlements,
        )
        lang = self._language(language)
        places = _places(self.resolver)
        if zoom is not None and found:
            if type(zoom) is not int or not 0 <= zoom <= 18:
                raise ValueError(f"zoom must be a whole number 0-18, not {zoom!r}")
            coarse = self._coarse(found[0][0], zoom, lang, addressdetails)
            if coarse is not None:
                return coarse if exactly_one else [coarse]
        locs = []
        for s, dist in found:
            raw = s.to_dict()
            raw.update(distance_km=round(dist, 3), status="nearest")
            if addressdetails:
                raw["address"] = places.address(s, lang)
            raw["gazetteer"] = places.extension(s, {"status": "nearest", "distance_km": round(dist, 3)})
            _nominatim_keys(raw, places.record(s, lang, "jsonv2", addressdetails, {}))
            locs.append(Location(places.display_name_of(s, lang), Point(s.lat, s.lon), raw))
        if not locs:
            return None
        return locs[0] if exactly_one else locs

    def _oblasts(
        self, res: Resolution, exactly_one: bool, language: str | bool, addressdetails: bool
    ) -> Location | list[Location] | None:
        """The oblasts a query names instead of a settlement (``res.region``), as the service's records."""
        records = _places(self.resolver).region_records(res, self._language(language), "jsonv2", addressdetails)
        locs = [Location(rec["display_name"], Point(float(rec["lat"]), float(rec["lon"])), rec) for rec in records]
        if not locs:
            return None
        return locs[0] if exactly_one else locs

    def _coarse(self, s: Settlement, zoom: int, lang: str, addressdetails: bool) -> Location | None:
        """The country, or the oblast or raion of the nearest settlement ``s``, at a coarse ``zoom`` (the
        service's rule); None at a settlement's zoom."""
        places = _places(self.resolver)
        units = self.resolver.extract.units
        if zoom <= 4:
            rec = places.country_record(lang, "jsonv2", addressdetails)
        elif zoom <= 7 and s.oblast_id in units:
            rec = places.unit_record(units[s.oblast_id], lang, "jsonv2", addressdetails, {"status": "nearest"})
        elif zoom <= 9 and s.raion_id in units:
            rec = places.unit_record(units[s.raion_id], lang, "jsonv2", addressdetails, {"status": "nearest"})
        else:
            return None
        return Location(rec["display_name"], Point(float(rec["lat"]), float(rec["lon"])), rec)


def _nominatim_keys(raw: dict[str, Any], record: dict[str, Any]) -> None:
    """Add the keys of the service's (Nominatim's jsonv2) record that ``raw`` lacks (``display_name``,
    ``place_id``, ``category``, ``type``, ``boundingbox``, ...), so that code reading a Nominatim answer's
    ``raw`` runs; ``raw``'s own keys (``lat``/``lon`` as numbers, ``address``, ``gazetteer``) stay."""
    for key, value in record.items():
        raw.setdefault(key, value)
