"""Compatibility face: the geoparser lives in :mod:`gazetteer.geoparse` (stages in their own modules).

>>> from gazetteer.text import find_places
>>> [m.match.name for m in find_places("Вибухи у Харкові.")]
['Харків']
"""

from gazetteer.geoparse import LANGS, find_places, mentions_to_geojson

__all__ = ["LANGS", "find_places", "mentions_to_geojson"]
