"""Settlements as Nominatim records: the shapes ``gazetteer serve`` answers, without a server.

>>> from gazetteer.nominatim import Places
>>> from gazetteer.resolve import default_resolver
>>> places = Places(default_resolver())
>>> s = default_resolver().extract.settlement("UA63080090010026457")
>>> places.display_name(places.address(s, "en"))
'Kupiansk, Kupianska hromada, Kupianskyi raion, Kharkivska oblast, Ukraine'
>>> places.record(s, "uk", "jsonv2", True, {})["address"]["state"]
'Харківська область'

A record has Nominatim's fields (``place_id`` — :func:`place_id`, the first 12 digits of the KATOTTG id —, ``lat``/``lon`` as strings,
``display_name``, ``address`` with ``city``/``town``/``village``, ``municipality`` (hromada), ``district``
(raion), ``state`` (oblast), ``country``, ``country_code``; ``boundingbox`` (south, north, west, east, as
strings), ``importance``, ``addresstype``, ``place_rank``) and a ``gazetteer`` object with what only the
gazetteer knows. Names in ``uk``, ``en`` or ``ru`` (Russian where the extract has a Russian variant,
else Ukrainian). :func:`render` turns a list of records into ``json``/``jsonv2`` (the list),
``geojson`` or ``geocodejson`` (FeatureCollections).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Any

from gazetteer.model import Settlement, Unit
from gazetteer.resolve import Resolver

__all__ = ["ADDRESSTYPE", "Places", "render"]

#: What a result's ``addresstype`` (and its key in ``address``) is, per KATOTTG category.
ADDRESSTYPE = {"K": "city", "M": "city", "X": "town", "C": "village"}
PLACE_RANK = {"K": 16, "M": 16, "X": 18, "C": 19}
#: Half the side of a result's bounding box in degrees, by category, and by precision when approximate.
_BOX_CATEGORY = {"K": 0.15, "M": 0.05, "X": 0.02, "C": 0.01}
_BOX_PRECISION = {"hromada_centroid": 0.1, "raion_centroid": 0.3, "oblast_centroid": 1.0}
_COUNTRY = {"uk": "Україна", "en": "Ukraine", "ru": "Украина"}
_OBLAST_WORD = {"uk": "область", "en": "oblast", "ru": "область"}
_RAION_WORD = {"uk": "район", "en": "raion", "ru": "район"}
_HROMADA_WORD = {"uk": "громада", "en": "hromada", "ru": "громада"}


# -- records -----------------------------------------------------------------------------------------
def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if c != "\u0301"))


def place_id(katottg: str) -> int:
    """Nominatim's numeric ``place_id`` of a KATOTTG id: its first 12 digits (oblast, raion, hromada,
    settlement), e.g. ``UA63080090010026457`` -> 630800900100. Unique like the ids themselves, and below
    2**53, so JavaScript and R read it exactly (the 17 digits of the whole id are not: JSON.parse rounds
    them)."""
    return int(katottg[2:14])


#: How like the rule-made Russian form of a name (rapidfuzz ratio, 0-100) a Russian variant must be to be shown.
RUSSIAN_LIKENESS = 75.0
_RUSSIAN_LETTERS = re.compile(r"^[А-ЯЁа-яё][А-ЯЁа-яё’' -]*$")


class Places:
    """Settlements and units of one extract as Nominatim records, in uk, en or ru."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        ex = resolver.extract
        self.extract = ex
        self.licence = f"Data: codifier KATOTTG, GeoNames (CC BY 4.0), OCHA COD-AB; extract built {ex.manifest.get('built_at', '?')}"

    @cached_property
    def russian(self) -> dict[str, str]:
        """KATOTTG id -> the Russian name to show: of its name variants labelled Russian, the one in Russian
        letters closest to the rule-made Russian form of its Ukrainian name, when it is close enough
        (:data:`RUSSIAN_LIKENESS`); otherwise none, and the Ukrainian name is shown, as Nominatim shows
        the local name where it has no name in the language asked for.

        The GeoNames dump labels no alternate name with its language, so the variants called Russian also
        hold Belarusian, Chuvash or Crimean Tatar forms (Кейӳ, Адэса, Акъяр): taking the first one
        showed them."""
        import csv

        from rapidfuzz import fuzz

        from gazetteer.build import former

        with open(former.Path(former.__file__).parent / "sources" / "russian_name_words.csv", encoding="utf-8") as fh:
            words = former.read_word_table(csv.DictReader(fh))
        ex = self.extract
        best: dict[int, tuple[float, str]] = {}
        refs: dict[int, str] = {}
        for sidx, text, kind in zip(ex.name_settlement, ex.name_text, ex.name_kind, strict=True):
            if kind != "russian":
                continue
            text = _strip_accents(text)
            if not _RUSSIAN_LETTERS.match(text):
                continue
            ref = refs.get(sidx)
            if ref is None:
                ref = refs[sidx] = former.russian_name(ex.settlements[sidx].name_uk, words).casefold()
            score = fuzz.ratio(ref, text.casefold())
            if score >= RUSSIAN_LIKENESS and score > best.get(sidx, (0.0, ""))[0]:
                best[sidx] = (score, text)
        return {ex.settlements[sidx].id: text for sidx, (_score, text) in best.items()}

    def name(self, s: Settlement, lang: str) -> str:
        if lang == "en":
            return s.name_en or s.name_uk
        if lang == "ru":
            return self.russian.get(s.id, s.name_uk)
        return s.name_uk

    def unit_name(self, unit_id: str, lang: str) -> str:
        u = self.extract.units.get(unit_id)
        if u is None:
            return ""
        return {"uk": u.name_uk, "en": u.name_en, "ru": u.name_ru}.get(lang) or u.name_uk

    def unit_phrase(self, unit_id: str, lang: str) -> str:
        """ "Харківська область", "Kupianskyi raion", "Куп'янська громада"; Kyiv and Sevastopol bare."""
        u = self.extract.units.get(unit_id)
        if u is None:
            return ""
        name = self.unit_name(unit_id, lang)
        if u.level == "oblast":
            if unit_id.startswith(("UA80", "UA85", "UA01")):
                return name  # Kyiv, Sevastopol (cities) and Crimea (autonomous republic) are named as they are
            return f"{name} {_OBLAST_WORD[lang]}"
        word = {"raion": _RAION_WORD, "hromada": _HROMADA_WORD}.get(u.level, {}).get(lang, "")
        return f"{name} {word}".strip()

    def address(self, s: Settlement, lang: str) -> dict[str, str]:
        out = {ADDRESSTYPE.get(s.category, "village"): self.name(s, lang)}
        hromada, raion = self.unit_phrase(s.hromada_id, lang), self.unit_phrase(s.raion_id, lang)
        if hromada and s.hromada_id != s.oblast_id:
            out["municipality"] = hromada
        if raion and s.raion_id != s.oblast_id:
            out["district"] = raion
        state = self.unit_phrase(s.oblast_id, lang)
        if state and not s.oblast_id.startswith(("UA80", "UA85")):
            out["state"] = state
        out["country"] = _COUNTRY[lang]
        out["country_code"] = "ua"
        return out

    def display_name_of(self, s: Settlement, lang: str = "uk") -> str:
        """ "Куп’янськ, Куп’янська громада, Куп’янський район, Харківська область, Україна"."""
        return self.display_name(self.address(s, lang))

    def display_name(self, address: dict[str, str]) -> str:
        parts: list[str] = []
        for value in address.values():
            if value and value not in parts and value != "ua":
                parts.append(value)
        return ", ".join(parts)

    def record(
        self,
        s: Settlement,
        lang: str,
        fmt: str,
        details: bool,
        extension: dict[str, Any],
    ) -> dict[str, Any]:
        """One settlement as a Nominatim json/jsonv2 record with the ``gazetteer`` extension object."""
        address = self.address(s, lang)
        half = _BOX_PRECISION.get(s.coord_precision, _BOX_CATEGORY.get(s.category, 0.01))
        kind = ADDRESSTYPE.get(s.category, "village")
        score = extension.get("score")
        rec: dict[str, Any] = {
            "place_id": place_id(s.id),
            "licence": self.licence,
            "lat": f"{s.lat:.7f}",
            "lon": f"{s.lon:.7f}",
            ("category" if fmt == "jsonv2" else "class"): "place",
            "type": kind,
            "place_rank": PLACE_RANK.get(s.category, 19),
            "importance": round(float(score), 4) if score is not None else 0.5,
            "addresstype": kind,
            "name": self.name(s, lang),
            "display_name": self.display_name(address),
        }
        if details:
            rec["address"] = address
        rec["boundingbox"] = [
            f"{s.lat - half:.7f}",
            f"{s.lat + half:.7f}",
            f"{s.lon - half:.7f}",
            f"{s.lon + half:.7f}",
        ]
        rec["gazetteer"] = {
            "katottg": s.id,
            "category": s.category,
            "coord_precision": s.coord_precision,
            "oblast_id": s.oblast_id,
            "raion_id": s.raion_id,
            "hromada_id": s.hromada_id,
            "geonameid": s.geonameid,
            "population": s.population,
            **extension,
        }
        return rec

    def unit_record(self, u: Unit, lang: str, fmt: str, details: bool, extension: dict[str, Any]) -> dict[str, Any]:
        """An oblast or raion as a Nominatim record (reverse at a coarse zoom)."""
        kind = "state" if u.level == "oblast" else "county" if u.level == "raion" else "municipality"
        phrase = self.unit_phrase(u.id, lang)
        address = {kind: phrase}
        if u.level != "oblast":
            parent = self.extract.units.get(u.parent_id)
            while parent is not None and parent.level != "oblast":
                parent = self.extract.units.get(parent.parent_id)
            if parent is not None:
                address["state"] = self.unit_phrase(parent.id, lang)
        address.update(country=_COUNTRY[lang], country_code="ua")
        half = 1.5 if u.level == "oblast" else 0.4
        lat, lon = u.lat or 0.0, u.lon or 0.0
        rec: dict[str, Any] = {
            "place_id": place_id(u.id),
            "licence": self.licence,
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            ("category" if fmt == "jsonv2" else "class"): "boundary",
            "type": "administrative",
            "place_rank": 8 if u.level == "oblast" else 12,
            "importance": 0.5,
            "addresstype": kind,
            "name": self.unit_name(u.id, lang),
            "display_name": self.display_name(address),
        }
        if details:
            rec["address"] = address
        rec["boundingbox"] = [f"{lat - half:.7f}", f"{lat + half:.7f}", f"{lon - half:.7f}", f"{lon + half:.7f}"]
        rec["gazetteer"] = {"katottg": u.id, "level": u.level, "coord_precision": f"{u.level}_centroid", **extension}
        return rec

    def country_record(self, lang: str, fmt: str, details: bool) -> dict[str, Any]:
        address = {"country": _COUNTRY[lang], "country_code": "ua"}
        rec: dict[str, Any] = {
            "place_id": 0,
            "licence": self.licence,
            "lat": "48.3794330",
            "lon": "31.1655800",
            ("category" if fmt == "jsonv2" else "class"): "boundary",
            "type": "administrative",
            "place_rank": 4,
            "importance": 0.5,
            "addresstype": "country",
            "name": _COUNTRY[lang],
            "display_name": _COUNTRY[lang],
        }
        if details:
            rec["address"] = address
        rec["boundingbox"] = ["44.1", "52.4", "22.1", "40.2"]
        rec["gazetteer"] = {"level": "country", "coord_precision": "country"}
        return rec


# -- output formats ----------------------------------------------------------------------------------
def _feature(rec: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in rec.items() if k not in ("lat", "lon", "boundingbox", "licence")}
    s, n, w, e = (float(x) for x in rec["boundingbox"])
    return {
        "type": "Feature",
        "properties": props,
        "bbox": [w, s, e, n],
        "geometry": {"type": "Point", "coordinates": [float(rec["lon"]), float(rec["lat"])]},
    }


def _geocodejson_feature(rec: dict[str, Any]) -> dict[str, Any]:
    address = rec.get("address", {})
    geocoding: dict[str, Any] = {
        "place_id": rec["place_id"],
        "type": rec["addresstype"],
        "label": rec["display_name"],
        "name": rec["name"],
        "country_code": "ua",
    }
    for key in ("city", "town", "village"):
        if key in address:
            geocoding["city"] = address[key]
    for key, target in (
        ("municipality", "locality"),
        ("district", "county"),
        ("state", "state"),
        ("country", "country"),
    ):
        if key in address:
            geocoding[target] = address[key]
    geocoding["gazetteer"] = rec["gazetteer"]
    feat = _feature(rec)
    feat["properties"] = {"geocoding": geocoding}
    return feat


def render(records: list[dict[str, Any]], fmt: str, licence: str, query: str = "") -> Any:
    """A list of json/jsonv2 records in the asked format: the list itself, or a FeatureCollection."""
    if fmt in ("json", "jsonv2"):
        return records
    if fmt == "geojson":
        return {"type": "FeatureCollection", "licence": licence, "features": [_feature(r) for r in records]}
    return {
        "type": "FeatureCollection",
        "geocoding": {"version": "0.1.0", "attribution": licence, "licence": licence, "query": query},
        "features": [_geocodejson_feature(r) for r in records],
    }
