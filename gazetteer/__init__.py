"""gazetteer: any spelling of a Ukrainian settlement -> the one official place it names.

>>> import gazetteer
>>> m = gazetteer.geocode("Kupyansk")
>>> m.name_uk, m.oblast_uk, m.settlement.coord_precision
('Куп’янськ', 'Харківська', 'point')

Importing is instant; the bundled extract loads on first use (well under a second).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

from gazetteer import accessors as _accessors
from gazetteer.errors import (
    AmbiguousName,
    BuildError,
    DataError,
    GazetteerError,
    OnlineError,
    UnknownOblast,
    UpdateError,
)
from gazetteer.model import Match, Mention, Resolution, Settlement, Unit
from gazetteer.resolve import Resolver, geocode, lookup_many, resolve

# df.gazetteer on pandas/polars frames, registered when (or once) they are imported; imports neither.
_accessors.install()

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AmbiguousName",
    "BuildError",
    "DataError",
    "GazetteerError",
    "Gazetteer",
    "Match",
    "Mention",
    "OnlineError",
    "Resolution",
    "Resolver",
    "Settlement",
    "Unit",
    "UnknownOblast",
    "UpdateError",
    "__version__",
    "enrich",
    "enrich_dask",
    "find_places",
    "geocode",
    "get_settlement",
    "lookup_many",
    "online_lookup",
    "plot_places",
    "resolve",
    "reverse",
    "reverse_many",
    "settlements",
]

# Faces with heavier dependencies load on first use, so `import gazetteer` stays light.
_LAZY = {
    "find_places": ("gazetteer.geoparse", "find_places"),
    "enrich": ("gazetteer.frames", "enrich"),
    "Gazetteer": ("gazetteer.geocoder", "Gazetteer"),
    "reverse": ("gazetteer.nearby", "reverse"),
    "reverse_many": ("gazetteer.nearby", "reverse_many"),
    "enrich_dask": ("gazetteer.frames", "enrich_dask"),
    "plot_places": ("gazetteer.maps", "plot_places"),
    "online_lookup": ("gazetteer.online", "online_lookup"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ImportError as exc:  # a missing extra: one line naming it, not a deep traceback
            from gazetteer.extras import missing_extra

            missing = missing_extra(exc, f"gazetteer.{name}")
            if missing is None:
                raise
            raise missing from None
    raise AttributeError(f"module 'gazetteer' has no attribute {name!r}")


def get_settlement(settlement_id: str) -> Settlement:
    """One settlement by its KATOTTG id, in any case and with spaces around it ("ua63080090010026457").
    TypeError if the id is not a str, KeyError if no settlement has it."""
    from gazetteer.store import get_extract

    if not isinstance(settlement_id, str):
        raise TypeError(f"a KATOTTG id is a str (UA + 17 digits), not {type(settlement_id).__name__}")
    return get_extract().settlement(settlement_id.strip().upper())


def settlements() -> pd.DataFrame:
    """All settlements as a pandas DataFrame, one row per settlement, indexed by KATOTTG id.

    Raises MissingExtra (naming ``gazetteer[frames]``) when pandas is not installed."""
    try:
        import pandas as pd
    except ImportError as exc:
        from gazetteer.extras import missing_extra

        raise missing_extra(exc, "gazetteer.settlements") or exc from None

    from gazetteer.store import get_extract

    rows = [s.to_dict() for s in get_extract().settlements]
    return pd.DataFrame(rows).set_index("id", drop=False).rename_axis("katottg")
