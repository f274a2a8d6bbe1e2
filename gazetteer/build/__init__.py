"""Build the bundled extract from its sources in ``sources/``: the codifier, the GeoNames dump and facts.

Build-time only; needs the ``build`` extra (``pip install gazetteer[build]``)::

    from gazetteer.build import build_extract
    manifest = build_extract("data")          # KATOTTG of 2 Jul 2025 and GeoNames UA.zip from sources/
"""

from gazetteer.build.pipeline import build_extract

__all__ = ["build_extract"]
