"""``make demo``: resolve real-world spellings on the bundled data and print a readable table.

python -m gazetteer.demo
"""

from __future__ import annotations

import time

#: (query, oblast hint) pairs as they turn up in reports, spreadsheets and news.
DEMO_QUERIES: list[tuple[str, str | None]] = [
    ("Kupyansk", None),
    ("Kup'yans'k", None),
    ("Kupjansk", None),
    ("Купянск", None),
    ("Kindrashivka", None),
    ("Кондрашовка", None),
    ("Радьківка", None),
    ("Радьківка", "Харківська область"),
    ("Radkivka", "Kharkov Oblast"),
    ("Artemivsk", None),
    ("Dnipropetrovsk", None),
    ("Kirovohrad", None),
    ("Charkiw", None),
    ("Ivano Frankivsk", None),
    ("м. Запоріжжя", None),
    ("Kryvyi Rih", None),
    ("Krivoy Rog", None),
    ("village of Zghorany", None),
    ("Kupainsk", None),
    ("Novoselivka", None),
    ("Новоселівка", "Kharkivska oblast"),
    ("у Куп'янську", None),
    ("Kramatorsk", "Donestk Oblast"),
    ("Obolon, Kyiv", None),
    ("near Izium", None),
    ("Б. Церква", None),
    ("Kharkiv, Lviv", None),
    ("Радьківка", "Donetsk"),
    ("Odessa, Texas", None),
    ("Moscow", None),
    ("Zelensky", None),
    ("", None),
]


def main() -> None:
    t0 = time.perf_counter()
    import gazetteer
    from gazetteer.resolve import default_resolver

    resolver = default_resolver()
    resolver.lookup("Kyiv")
    ready = time.perf_counter() - t0
    info = resolver.extract.manifest
    print(
        f"gazetteer {gazetteer.__version__}: {len(resolver.extract.settlements):,} settlements "
        f"(codifier KATOTTG, GeoNames; extract built {info.get('built_at')}), ready in {ready:.2f} s\n"
    )
    header = (
        f"{'query':<22} {'oblast hint':<19} {'status':<10} {'settlement':<18} {'oblast':<17} "
        f"{'category':<19} {'match':<15} {'score':>5}  {'coordinates':<17} precision"
    )
    print(header)
    print("-" * len(header))
    for query, oblast in DEMO_QUERIES:
        res = resolver.lookup(query, oblast=oblast)
        m = res.match
        if m is not None:
            s = m.settlement
            print(
                f"{query!s:<22} {oblast or '':<19} {res.status:<10} {s.name_uk:<18} {s.oblast_uk:<17} "
                f"{s.category_name:<19} {m.match:<15} {m.score:5.2f}  {s.lat:7.4f},{s.lon:8.4f} {s.coord_precision}"
            )
        else:
            detail = res.reason if len(res.reason) < 90 else res.reason[:87] + "..."
            print(f"{query!r:<22} {oblast or '':<19} {res.status:<10} {detail}")
    exe = _command()
    print(f'\nTry: {exe} resolve "Kupyansk" --json   |   {exe} data info')
    print(f"     {exe} serve   (a local Nominatim and a search page at http://127.0.0.1:8080/)")


def _command() -> str:
    """How to call the command from here: the repository's .venv/bin/gazetteer when run from its checkout
    (make demo), else the gazetteer beside this interpreter or on PATH."""
    import os
    import shutil
    import sys

    beside = os.path.join(os.path.dirname(sys.executable), "gazetteer")
    if os.path.relpath(beside).startswith(".venv" + os.sep):
        return os.path.relpath(beside)
    found = shutil.which("gazetteer")
    return "gazetteer" if found and os.path.realpath(found) == os.path.realpath(beside) else beside


if __name__ == "__main__":
    main()
