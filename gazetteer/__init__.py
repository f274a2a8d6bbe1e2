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

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AmbiguousName", "BuildError", "DataError", "GazetteerError", "Match", "Mention", "OnlineError",
    "Resolution", "Resolver", "Settlement", "Unit", "UnknownOblast", "UpdateError", "__version__",
    "geocode", "get_settlement", "lookup_many", "resolve", "settlements",
]


def get_settlement(settlement_id: str) -> Settlement:
    """One settlement by its KATOTTG id (KeyError if unknown)."""
    from gazetteer.store import get_extract

    return get_extract().settlement(settlement_id)


def settlements() -> pd.DataFrame:
    """All settlements as a pandas DataFrame, one row per settlement, indexed by KATOTTG id."""
    import pandas as pd

    from gazetteer.store import get_extract

    rows = [s.to_dict() for s in get_extract().settlements]
    return pd.DataFrame(rows).set_index("id", drop=False).rename_axis("katottg")
