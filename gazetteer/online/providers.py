"""The services: how to build a geopy geocoder for each (over :mod:`gazetteer.online.transport`), what to
ask it, and how to read its answers into :class:`Answer` records."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.geocoders import GeoNames, Nominatim, Photon
from geopy.geocoders.base import Geocoder
from geopy.point import Point

from gazetteer.errors import OnlineBadResponse, OnlineConfigError
from gazetteer.geocoder import UKRAINE_BBOX
from gazetteer.online.settings import OnlineSettings
from gazetteer.online.transport import fetch, redact, register_secret

__all__ = ["PROVIDERS", "SETTLEMENT_TYPES", "Answer", "HttpxAdapter", "Provider"]

#: Kinds of places that are settlements, in OSM's vocabulary (Nominatim, Photon).
SETTLEMENT_TYPES = frozenset({"city", "town", "village", "hamlet"})


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of a provider, reduced to what verification needs."""

    provider: str
    name: str
    lat: float
    lon: float
    kind: str  # "place/village", "P/PPL", ...
    settlement_kind: bool
    country: str | None  # ISO code as the provider reports it, lower case; None if not reported


# -- geopy over the one transport -------------------------------------------------------------------
class HttpxAdapter(BaseSyncAdapter):
    """A geopy adapter on :func:`gazetteer.online.transport.fetch`: https only (http to this machine),
    every redirect checked, a total deadline (geopy's ``timeout``) and at most ``max_bytes`` read."""

    def __init__(self, *, proxies: Any = None, ssl_context: Any = None, max_bytes: int = 2_000_000) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self.max_bytes = max_bytes

    def get_text(self, url: str, *, timeout: float, headers: dict) -> str:
        got = fetch(url, deadline=float(timeout), max_bytes=self.max_bytes, headers=dict(headers))
        if got.status >= 400:
            raise AdapterHTTPError(
                f"HTTP {got.status} from {redact(got.url)}", status_code=got.status, headers=got.headers, text=got.text
            )
        return got.text

    def get_json(self, url: str, *, timeout: float, headers: dict) -> Any:
        text = self.get_text(url, timeout=timeout, headers=headers)
        try:
            return json.loads(text)
        except ValueError:
            raise OnlineBadResponse("the service answered something that is not valid JSON") from None


def _floats(lat: object, lon: object) -> tuple[float, float] | None:
    try:
        out = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if all(x == x and abs(x) != float("inf") for x in out) else None


def _parse_nominatim(raw: dict) -> Answer | None:
    ll = _floats(raw.get("lat"), raw.get("lon"))
    if ll is None:
        return None
    cls, typ = str(raw.get("class") or raw.get("category") or ""), str(raw.get("type") or "")
    addresstype = str(raw.get("addresstype") or "")
    ok = (cls == "place" and typ in SETTLEMENT_TYPES) or (
        cls == "boundary" and (typ in SETTLEMENT_TYPES or addresstype in SETTLEMENT_TYPES)
    )
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    name = raw.get("name") or str(raw.get("display_name") or "").split(",")[0]
    country = address.get("country_code")
    return Answer(
        "nominatim", str(name).strip(), ll[0], ll[1], f"{cls}/{typ}", ok, str(country).lower() if country else None
    )


def _parse_geonames(raw: dict) -> Answer | None:
    ll = _floats(raw.get("lat"), raw.get("lng"))
    if ll is None:
        return None
    fcl, fcode = str(raw.get("fcl") or ""), str(raw.get("fcode") or "")
    country = raw.get("countryCode")
    return Answer(
        "geonames",
        str(raw.get("name") or raw.get("toponymName") or ""),
        ll[0],
        ll[1],
        f"{fcl}/{fcode}",
        fcl == "P",
        str(country).lower() if country else None,
    )


def _parse_photon(raw: dict) -> Answer | None:
    geometry = raw.get("geometry") if isinstance(raw.get("geometry"), dict) else {}
    coords = geometry.get("coordinates") or [None, None]
    ll = _floats(coords[1], coords[0]) if isinstance(coords, list) and len(coords) >= 2 else None
    if ll is None:
        return None
    props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    key, value = str(props.get("osm_key") or ""), str(props.get("osm_value") or props.get("type") or "")
    country = props.get("countrycode")
    return Answer(
        "photon",
        str(props.get("name") or ""),
        ll[0],
        ll[1],
        f"{key}/{value}",
        key == "place" and value in SETTLEMENT_TYPES,
        str(country).lower() if country else None,
    )


# -- providers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Provider:
    """How to build a geopy geocoder for a service, what to pass it, and how to read its answers."""

    name: str
    make: Callable[[OnlineSettings], Geocoder]
    params: Callable[[OnlineSettings], dict[str, Any]]
    parse: Callable[[dict], Answer | None]
    with_oblast: bool  # whether a free-text "name, oblast" query helps this service


def _common(s: OnlineSettings, default_domain: str) -> dict[str, Any]:
    def adapter(*, proxies: Any = None, ssl_context: Any = None) -> HttpxAdapter:
        return HttpxAdapter(proxies=proxies, ssl_context=ssl_context, max_bytes=s.max_response_bytes)

    return {"scheme": s.scheme, "timeout": s.timeout, "domain": s.domain or default_domain, "adapter_factory": adapter}


def _make_nominatim(s: OnlineSettings) -> Geocoder:
    if not s.user_agent:
        raise OnlineConfigError(
            "Nominatim requires a user agent that names your application (OSM usage policy): pass "
            "user_agent='my-project/1.0 (me@example.org)' (the command line: --user-agent 'my-project/1.0 "
            "(me@example.org)') or set GAZETTEER_USER_AGENT"
        )
    return Nominatim(user_agent=s.user_agent, **_common(s, "nominatim.openstreetmap.org"))


def _make_geonames(s: OnlineSettings) -> Geocoder:
    if not s.username:
        raise OnlineConfigError(
            "GeoNames needs a (free) account: pass username= (Python) or set GAZETTEER_GEONAMES_USERNAME (also for the command line)"
        )
    register_secret(s.username)
    return GeoNames(username=s.username, user_agent=s.user_agent or "gazetteer", **_common(s, "api.geonames.org"))


def _make_photon(s: OnlineSettings) -> Geocoder:
    return Photon(user_agent=s.user_agent or "gazetteer", **_common(s, "photon.komoot.io"))


_BBOX = [Point(UKRAINE_BBOX[0], UKRAINE_BBOX[1]), Point(UKRAINE_BBOX[2], UKRAINE_BBOX[3])]

PROVIDERS: dict[str, Provider] = {
    "nominatim": Provider(
        "nominatim",
        _make_nominatim,
        lambda s: {"country_codes": "ua", "addressdetails": True, "limit": s.limit, "language": s.language},
        _parse_nominatim,
        True,
    ),
    "geonames": Provider("geonames", _make_geonames, lambda s: {"country": "UA"}, _parse_geonames, False),
    "photon": Provider(
        "photon", _make_photon, lambda s: {"limit": s.limit, "osm_tag": "place", "bbox": _BBOX}, _parse_photon, True
    ),
}
