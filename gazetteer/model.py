"""Small frozen records: a Settlement, an administrative Unit, a Match and a Mention."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

#: What coordinates stand for, from best to coarsest.
PRECISIONS = ("point", "hromada_centroid", "raion_centroid", "oblast_centroid")

#: KATOTTG categories of settlements.
CATEGORIES = {"K": "special status city", "M": "city", "X": "settlement", "C": "village"}


@dataclass(frozen=True, slots=True)
class Unit:
    """An oblast (or Crimea, Kyiv, Sevastopol at the top level), raion or hromada."""

    id: str
    level: str  # "oblast", "raion" or "hromada"
    name_uk: str
    name_en: str
    name_ru: str
    parent_id: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Settlement:
    """One settlement of the codifier KATOTTG, with its hierarchy and coordinates.

    ``coord_precision`` says what ``lat``/``lon`` are: the place's own GeoNames ``point`` or the
    centroid of its hromada, raion or oblast.
    """

    id: str
    name_uk: str
    name_en: str
    category: str
    oblast_id: str
    oblast_uk: str
    oblast_en: str
    raion_id: str
    raion_uk: str
    raion_en: str
    hromada_id: str
    hromada_uk: str
    hromada_en: str
    lat: float
    lon: float
    coord_precision: str
    geonameid: int | None
    population: int | None

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def label(self) -> str:
        """A short human label: "Куп'янськ (Kharkivska oblast, city)"."""
        return f"{self.name_uk} ({self.oblast_en}, {self.category_name})"

    @property
    def has_raion(self) -> bool:
        """Whether the settlement lies in a raion: not Kyiv and Sevastopol (none), nor Prypiat and Chornobyl,
        whose codifier entries give the oblast itself as their raion and hromada (they are in none)."""
        return bool(self.raion_id) and self.raion_id != self.oblast_id

    @property
    def has_hromada(self) -> bool:
        """Whether the settlement lies in a hromada other than its oblast-level unit (as :attr:`has_raion`)."""
        return bool(self.hromada_id) and self.hromada_id != self.oblast_id

    @property
    def long_label(self) -> str:
        """A label that tells homonyms of one oblast apart: "Новоселівка (Kramatorskyi raion, Donetska, settlement)"."""
        raion = f"{self.raion_en} raion, " if self.raion_en and self.has_raion else ""
        return f"{self.name_uk} ({raion}{self.oblast_en}, {self.category_name})"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict; a raion or hromada that is really the oblast (:attr:`has_raion`) is blank, as
        Kyiv's raion is, rather than "Київська" raion and hromada for Prypiat."""
        out = {name: getattr(self, name) for name in _SETTLEMENT_FIELDS}
        for level, real in (("raion", self.has_raion), ("hromada", self.has_hromada)):
            if not real:
                out.update({f"{level}_id": "", f"{level}_uk": "", f"{level}_en": ""})
        return out

    def _column(self, name: str) -> Any:
        """One field as :meth:`to_dict` gives it, without building the dict (batch work reads eleven)."""
        if name.startswith("raion_") and not self.has_raion:
            return ""
        if name.startswith("hromada_") and not self.has_hromada:
            return ""
        return getattr(self, name)


#: Settlement's field names in order (``dataclasses.asdict`` deep-copies and is slow in batch work).
_SETTLEMENT_FIELDS = tuple(f.name for f in fields(Settlement))


@dataclass(frozen=True, slots=True)
class Match:
    """One candidate answer to a query, geopy-style: a few obvious fields, the record one step away.

    ``match`` is the kind of match (exact, transliteration, russian, historical, alternate, fuzzy);
    ``matched`` the name variant that matched; ``score`` in [0, 1]. A ``historical`` match of a former
    official name also says which one (``former``, "Жовтневе") and when it was in use (``years``,
    "till 2016", "2016–2024/2025" when the classifier editions only bound the change to a window).
    """

    settlement: Settlement
    score: float
    match: str
    matched: str
    former: str = ""
    years: str = ""

    def __getattr__(self, name: str) -> Any:
        # The settlement's fields read straight off the match: m.name_uk, m.oblast_uk, m.lat ...
        if name in Settlement.__dataclass_fields__:
            return getattr(self.settlement, name)
        raise AttributeError(f"'Match' object has no attribute {name!r}")

    @property
    def id(self) -> str:
        return self.settlement.id

    @property
    def name(self) -> str:
        return self.settlement.name_uk

    @property
    def point(self) -> tuple[float, float]:
        return (self.settlement.lat, self.settlement.lon)

    @property
    def label(self) -> str:
        return self.settlement.label

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-ready record: the settlement's fields plus score, match, matched (and former, years for
        a former official name)."""
        out = self.settlement.to_dict()
        out.update(score=round(self.score, 4), match=self.match, matched=self.matched)
        if self.former:
            out.update(former=self.former, years=self.years)
        return out


@dataclass(frozen=True, slots=True)
class Mention:
    """A place named in a text: its span, surface form and what it resolved to.

    ``kind`` is "settlement" or "oblast". A settlement mention carries its ``match`` when resolved,
    or ``candidates`` when it stays ambiguous; when the region the text states decides it but namesakes
    there fit as well, it carries both (``match`` first among ``candidates``, and a lower score). An oblast
    mention carries ``oblast``.
    """

    text: str
    start: int
    end: int
    kind: str
    score: float
    match: Match | None = None
    oblast: Unit | None = None
    candidates: tuple[Match, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "score": round(self.score, 4),
        }
        if self.match is not None:
            out.update(self.match.to_dict())
            out["score"] = round(self.score, 4)
        if self.oblast is not None:
            out.update(oblast_id=self.oblast.id, oblast_uk=self.oblast.name_uk, oblast_en=self.oblast.name_en)
        if self.candidates:
            out["candidates"] = [c.to_dict() for c in self.candidates]
        return out


#: Statuses a query can end in.
STATUSES = ("resolved", "ambiguous", "not_found", "invalid")


@dataclass(frozen=True, slots=True)
class Resolution:
    """The full answer to one query, for batch work: a status, a reason, the best match, all candidates.

    ``match`` is set only when ``status == "resolved"``; ``candidates`` are ranked best first. ``region``: the
    ids of the oblast-level units a ``not_found`` query names instead of a settlement ("Kharkov oblast",
    "Донеччина"), else empty.
    """

    query: object
    status: str
    reason: str = ""
    match: Match | None = None
    candidates: tuple[Match, ...] = ()
    region: frozenset[str] = frozenset()

    def to_columns(self, prefix: str = "gaz_") -> dict[str, Any]:
        """The flat columns batch work appends to a row (same names in the CLI and pandas)."""
        s = self.match.settlement if self.match else None
        out: dict[str, Any] = {f"{prefix}{name}": (s._column(name) if s else None) for name in SETTLEMENT_COLUMNS}
        out[f"{prefix}category"] = (
            self.match.settlement.category_name if self.match else None
        )  # "city", not the KATOTTG letter "M"
        out[f"{prefix}score"] = round(self.match.score, 4) if self.match else None
        out[f"{prefix}match"] = self.match.match if self.match else None
        out[f"{prefix}status"] = self.status
        reason = self.reason
        if self.status == "ambiguous" and not reason:
            reason = "; ".join(c.label for c in self.candidates[:4])
        out[f"{prefix}reason"] = reason
        # An ambiguous row's candidates as data, not only named in the reason: KATOTTG ids, best first.
        out[f"{prefix}candidates"] = ";".join(c.id for c in self.candidates) if self.status == "ambiguous" else None
        return out


#: Settlement fields that batch work copies into every row (prefixed ``gaz_``), in this order.
SETTLEMENT_COLUMNS = (
    "id",
    "name_uk",
    "name_en",
    "category",
    "oblast_uk",
    "oblast_en",
    "raion_uk",
    "hromada_uk",
    "lat",
    "lon",
    "coord_precision",
)
RESULT_COLUMNS = tuple(f"gaz_{c}" for c in SETTLEMENT_COLUMNS) + (
    "gaz_score",
    "gaz_match",
    "gaz_status",
    "gaz_reason",
    "gaz_candidates",
)
