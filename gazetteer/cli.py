"""The ``gazetteer`` command.

    gazetteer resolve "Kupyansk" --json
    gazetteer resolve "Радьківка" --oblast Kharkiv
    gazetteer resolve - < names.txt > answers.jsonl
    gazetteer reverse 49.71 37.62 [--json] [-k 3]      (or "49.71, 37.62" pasted as one argument)
    gazetteer batch events.csv --column place --oblast-column region -o events.gaz.xlsx
    gazetteer parse article.txt --geojson
    gazetteer serve [--port 8080]
    gazetteer data info --json
    gazetteer data build --out data
    gazetteer data update [--url URL] [--codifier FILE|URL]
    gazetteer data diff OLD NEW

Errors print one line to stderr and exit non-zero (see EXIT_CODES).
``batch --online`` exits 4 when the output is complete but the online step is not (rate limited, or the
service kept failing): the rows it did not finish say "online pending" or "online lookup failed" in
``gaz_reason``; run the same command again to finish them (answers already received come from the cache).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from gazetteer import __version__
from gazetteer.errors import GazetteerError

#: Exit status of ``batch --online`` when every row was written but some online questions are unanswered.
EXIT_ONLINE_INCOMPLETE = 4

EXIT_CODES = """exit codes:
  0  resolved (resolve), found (reverse), done (batch, parse, serve, data; resolve - once every line is answered)
  1  data error: the extract is missing, damaged or could not be updated
  2  usage or input error (bad arguments, unknown oblast, unreadable file, missing optional extra;
     serve: the address cannot be listened on - port in use, or not an address of this machine)
  3  ambiguous: several settlements fit equally (resolve)
  4  not found: no settlement fits (resolve), or the point is outside Ukraine / nothing near it (reverse);
     batch --online: every row written but some online questions unanswered (run it again to finish)
  130 interrupted"""


def _point(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LAT,LON, got {text!r}") from None
    return lat, lon


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return n


def _lat_or_point(text: str) -> float | tuple[float, float]:
    """A latitude, or a whole point pasted as one argument: "50.45, 30.52", "50.45,30.52", "50.45 30.52"."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if len(parts) == 2:
        return _float_arg(parts[0]), _float_arg(parts[1])
    if len(parts) != 1:
        raise argparse.ArgumentTypeError(f"expected LAT LON or 'LAT, LON', got {text!r}")
    return _float_arg(parts[0])


def _units_text(s) -> str:
    """ "  Київська obl., Фастівський raion, Чабанівська hromada" (with its leading gap); a unit with no name, or
    named as the settlement itself (Kyiv, Sevastopol), or that is really the oblast (Prypiat, Chornobyl:
    ``Settlement.has_raion``), is left out rather than printed as "-" or "Київська raion"."""
    units = (
        (s.oblast_uk, "obl."),
        (s.raion_uk if s.has_raion else "", "raion"),
        (s.hromada_uk if s.has_hromada else "", "hromada"),
    )
    text = ", ".join(f"{name} {word}" for name, word in units if name and name != s.name_uk)
    return f"  {text}" if text else ""


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return n


def _km(text: str) -> float:
    """A distance in km for --max-km: a finite number above 0."""
    import math

    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not (math.isfinite(x) and x > 0):
        raise argparse.ArgumentTypeError(f"expected a distance in km above 0, got {text!r}")
    return x


class _Parser(argparse.ArgumentParser):
    """argparse with a usage error on one line (``gazetteer reverse: error: ... (see gazetteer reverse
    --help)``), exit 2, instead of the usage block and the message."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _float_arg(text: str) -> float:
    import math

    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in decimal degrees, got {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return x


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command's parser. With ``only`` (a command name), only that command is built: the others are not
    (``main`` passes the command it is given; help, ``--version`` and unknown commands get them all), which
    keeps a cold ``gazetteer resolve`` short."""

    def full(command: str) -> bool:
        return only is None or only == command

    p = _Parser(
        prog="gazetteer",
        description="Resolve Ukrainian settlement names, offline.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"gazetteer {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    if full("resolve"):
        r = sub.add_parser(
            "resolve",
            help="resolve one place name (or - : one per line from stdin, JSON Lines out)",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _resolve_arguments(r)
    if full("batch"):
        from gazetteer.formats import FORMATS, INPUT_FORMATS  # built only for batch (and help): resolve stays light

        only_out = ", ".join(f for f in FORMATS if f not in INPUT_FORMATS)
        b = sub.add_parser("batch", help=f"enrich a table: {', '.join(INPUT_FORMATS)} in; the same or {only_out} out")
        _batch_arguments(b, INPUT_FORMATS, FORMATS)
    if full("reverse"):
        rv = sub.add_parser(
            "reverse",
            help="the settlements nearest a point",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _reverse_arguments(rv)
    if full("serve"):
        sv = sub.add_parser("serve", help="a Nominatim-compatible local HTTP service and search page (needs [serve])")
        _serve_arguments(sv)
    if full("parse"):
        t = sub.add_parser("parse", help="find and resolve the places mentioned in a text")
        t.add_argument("file", help="text file, or - for stdin")
        t.add_argument("--lang", choices=("en", "uk", "ru"), default=None)
        t.add_argument("--geojson", action="store_true", help="a GeoJSON FeatureCollection of resolved settlements")
    if full("data"):
        d = sub.add_parser("data", help="inspect, build or update the extract")
        _data_arguments(d)
    return p


def _resolve_arguments(r: argparse.ArgumentParser) -> None:
    r.add_argument("query", help="a place name in any spelling, or - to read names from stdin, one per line")
    r.add_argument("--oblast", help="oblast hint, in any language or form")
    r.add_argument("--raion", help="raion hint")
    r.add_argument("--hromada", help="hromada hint")
    r.add_argument("--near", type=_point, metavar="LAT,LON", help="prefer settlements near this point")
    r.add_argument("--limit", type=_positive, default=None, help="candidates listed at most (default 10, as Nominatim)")
    r.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: query, status, reason, match and candidates (best first)",
    )
    _add_online_arguments(r, "ask an online geocoder when offline data falls short")


def _batch_arguments(b: argparse.ArgumentParser, inputs: Sequence[str], outputs: Sequence[str]) -> None:
    b.add_argument("input", help="input file, or - for stdin")
    b.add_argument("--column", help="column with place names (NAME#2: the second column called NAME)")
    b.add_argument("--text-column", help="column with free text: find and resolve the places it mentions")
    b.add_argument("--oblast-column", help="column with an oblast hint per row")
    b.add_argument("--raion-column", help="column with a raion hint per row")
    b.add_argument("--hromada-column", help="column with a hromada hint per row")
    b.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    b.add_argument("--format", choices=inputs, help="input format (default: by extension)")
    b.add_argument("--output-format", choices=outputs, help="output format (default: by the output's extension)")
    b.add_argument(
        "--excel",
        "--bom",
        dest="bom",
        action="store_true",
        default=None,
        help="CSV output starts with a BOM (Excel; the default when the input starts with one)",
    )
    b.add_argument("--encoding", default="utf-8-sig", help="input text encoding (default: UTF-8)")
    b.add_argument("--delimiter", default=None, help="CSV field separator (default: detected from the header)")
    b.add_argument("--sheet", default=None, help=".xlsx input: worksheet name or 1-based number (default: the first)")
    b.add_argument(
        "--engine",
        choices=("auto", "arrow", "stream"),
        default="auto",
        help="arrow: pyarrow, each distinct name once (fast; hands odd input to stream); stream: row by row; "
        "auto (default): arrow where it can",
    )
    b.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        help="worker processes resolving a CSV/TSV file's distinct names (Arrow engine; default 1): faster when "
        "many names are new, each worker loads its own extract (~400 MB)",
    )
    b.add_argument(
        "--candidates",
        type=_positive,
        default=None,
        help="KATOTTG ids an ambiguous row lists in gaz_candidates, best first (default 10)",
    )
    b.add_argument("--no-progress", action="store_true")
    b.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first damaged record (unbalanced quote, wrong field count, over-long cell, a JSON Lines "
        "line or JSON array element that is no object) instead of marking it invalid and going on, and at the "
        "first hint cell that names no unit (or is not text) instead of looking its row up without it; nothing "
        "is written",
    )
    _add_online_arguments(
        b,
        "ask an online geocoder for names not resolved offline or with approximate coordinates "
        "(answers cached on disk: an interrupted run resumes)",
    )


def _reverse_arguments(rv: argparse.ArgumentParser) -> None:
    rv.add_argument(
        "lat",
        type=_lat_or_point,
        help="latitude, decimal degrees; or the point in one argument: 'LAT, LON' or 'LAT LON'",
    )
    rv.add_argument("lon", type=_float_arg, nargs="?", help="longitude, decimal degrees")
    rv.add_argument("-k", type=_positive, default=1, help="how many settlements, nearest first (default 1)")
    rv.add_argument("--max-km", type=_km, default=None, help="ignore settlements farther than this many km")
    rv.add_argument(
        "--any-precision",
        action="store_true",
        help="also settlements whose coordinates are only a hromada/raion centroid",
    )
    rv.add_argument("--json", action="store_true", help="print one JSON object with the results")


def _serve_arguments(sv: argparse.ArgumentParser) -> None:
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=_port, default=8080, help="TCP port, 0..65535 (0: any free one; default 8080)")
    sv.add_argument("--workers", type=_positive, default=1, help="processes (each loads the extract)")
    sv.add_argument(
        "--rate", type=float, default=100.0, help="requests per second per client (0: no budget; default 100)"
    )
    sv.add_argument("--burst", type=_positive, default=200, help="requests a client may send at once (default 200)")
    sv.add_argument("--max-batch", type=_positive, default=5000, help="names per POST /batch (default 5000)")
    sv.add_argument(
        "--ambiguous",
        choices=("candidates", "none"),
        default="candidates",
        help="an ambiguous name asked with limit=1 (geopy's exactly_one): its best candidate, flagged "
        "(default, as Nominatim), or no result",
    )
    sv.add_argument(
        "--cors-origins",
        default="*",
        metavar="ORIGINS",
        help="web pages allowed to call the service from a browser: * (default: any) or origins separated by "
        "commas (https://example.org,http://localhost:3000)",
    )


def _data_arguments(d: argparse.ArgumentParser) -> None:
    dsub = d.add_subparsers(dest="data_command", required=True)
    di = dsub.add_parser("info", help="counts, coverage and sources of the extract in use")
    di.add_argument("--json", action="store_true")
    db = dsub.add_parser("build", help="build the extract from its sources (needs gazetteer[build])")
    db.add_argument("--out", default="data", help="output folder (replaced atomically)")
    db.add_argument("--dump", help="a GeoNames country dump (UA.zip or UA.txt; default: the bundled one)")
    db.add_argument("--alternate-names", help="GeoNames alternate names for the dump's country")
    db.add_argument("--codifier", help="a KATOTTG codifier, xlsx or csv (default: the bundled edition)")
    db.add_argument("--edition", help="the codifier's edition date YYYY-MM-DD (default: from its file name)")
    du = dsub.add_parser("update", help="download GeoNames' UA.zip, rebuild and swap in the extract")
    du.add_argument("--url", help="UA.zip address (default: GeoNames export, or $GAZETTEER_GEONAMES_URL)")
    du.add_argument("--alternate-names-url", help="alternatenames UA.zip address")
    du.add_argument("--no-alternate-names", action="store_true", help="skip the alternate names download")
    du.add_argument("--max-bytes", type=_positive, default=None, help="refuse larger downloads")
    du.add_argument("--force", action="store_true", help="install the rebuilt extract even if it loses points or names")
    du.add_argument(
        "--codifier",
        metavar="FILE|URL",
        help="rebuild with this KATOTTG codifier (xlsx or csv); GeoNames is downloaded only if --url is given",
    )
    du.add_argument("--edition", help="the codifier's edition date YYYY-MM-DD (default: from its file name)")
    dd = dsub.add_parser("diff", help="settlements added, removed and renamed between two codifiers or extracts")
    dd.add_argument("old", help="older codifier (xlsx/csv) or extract folder")
    dd.add_argument("new", help="newer codifier (xlsx/csv) or extract folder")
    dd.add_argument("--json", action="store_true")
    du.add_argument("--timeout", type=_positive, default=None, metavar="SECONDS", help="deadline per download (300)")
    dsub.add_parser("reset", help="go back to the extract bundled with the package")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code (see ``gazetteer --help``). ``argv=None`` reads ``sys.argv``."""
    if argv is not None:
        return _main(list(argv))
    code = _main(sys.argv[1:])
    # The process is about to end: move every object out of the collector's reach, so the interpreter's
    # last collection does not walk the resolver's millions of objects (seconds after a large batch).
    import gc

    gc.freeze()
    return code


def _main(argv: list[str]) -> int:
    from gazetteer.atomic import Terminated, terminate_cleanly

    if not argv:  # a bare `gazetteer`: what it can do, not a one-line error
        build_parser().print_help(sys.stderr)
        return 2
    # Only the named command's arguments are built (help, --version or a typo: all of them).
    args = build_parser(argv[0] if argv and argv[0] in _COMMANDS else None).parse_args(argv)
    try:
        with terminate_cleanly():  # SIGTERM unwinds like Ctrl-C: no .part file or temp folder left
            return _COMMANDS[args.command](args)
    except Terminated:
        print("gazetteer: terminated", file=sys.stderr)
        return 143
    except GazetteerError as exc:
        print(f"gazetteer: error: {exc}", file=sys.stderr)
        from gazetteer.errors import DataError, UpdateError

        return 1 if isinstance(exc, (DataError, UpdateError)) else 2
    except (TypeError, ValueError) as exc:
        print(f"gazetteer: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        from gazetteer.extras import missing_extra

        missing = missing_extra(exc, f"gazetteer {args.command}")
        if missing is None:
            raise
        print(f"gazetteer: error: {missing}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gazetteer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


_STATUS_EXIT = {"resolved": 0, "ambiguous": 3, "not_found": 4, "invalid": 2}


def _resolve_one(resolver, args: argparse.Namespace, query: object, strict: bool):
    res = resolver.lookup(
        query,
        oblast=args.oblast,
        raion=args.raion,
        hromada=args.hromada,
        near=args.near,
        limit=args.limit,
        strict=strict,
    )
    if (
        args.online
        and res.status != "invalid"
        and (res.status != "resolved" or res.match.settlement.coord_precision != "point")
    ):
        from gazetteer.online import online_lookup

        res = online_lookup(res, provider=args.provider, oblast=args.oblast, **_online_settings(args))
    return res


_RESOLVE_MEMO = 20_000  # distinct lines whose JSON answer ``resolve -`` keeps (a few kB each)


def _resolve_line(resolver, args: argparse.Namespace, raw: bytes):
    """One line of ``resolve -``: a line that is not UTF-8 is invalid, its bytes echoed as \\xNN escapes."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        from gazetteer.model import Resolution

        reason = f"the line is not valid UTF-8 (byte 0x{raw[exc.start]:02X} at position {exc.start})"
        return Resolution(raw.decode("utf-8", "backslashreplace"), "invalid", reason)
    return _resolve_one(resolver, args, line, strict=False)


def resolution_json(res) -> dict:
    """One query's answer as the JSON object ``resolve --json`` prints (and ``resolve -`` per line)."""
    return {
        "query": res.query if isinstance(res.query, str) else None,
        "status": res.status,
        "reason": res.reason,
        "match": res.match.to_dict() if res.match is not None else None,
        "candidates": [m.to_dict() for m in res.candidates],
    }


def _cmd_resolve(args: argparse.Namespace) -> int:
    from gazetteer.resolve import default_resolver

    if args.online:  # checked offline, before any lookup: an unknown provider is a usage error, as in batch
        from gazetteer.online.settings import OnlineSettings

        OnlineSettings.from_env(args.provider, **_online_settings(args))
    resolver = default_resolver()
    if args.query == "-":
        # Hints are the same for every line: check them once, so a bad one is one error, not N rows.
        resolver.parse_hints(oblast=args.oblast, raion=args.raion, hromada=args.hromada, near=args.near)
        # An answer is a function of the line and the data: each distinct line is resolved once per run
        # (a bounded memo; online answers are not kept, they may come later than offline ones).
        memo: dict[bytes, str] = {}
        stdin = getattr(sys.stdin, "buffer", None)  # bytes: a line that is not UTF-8 is told, not mangled
        lines = stdin if stdin is not None else (t.encode("utf-8", "surrogateescape") for t in sys.stdin)
        for number, raw in enumerate(lines):
            raw = raw.rstrip(b"\r\n")
            if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte-order mark is not part of the first name
            out = memo.get(raw)
            if out is None:
                out = json.dumps(resolution_json(_resolve_line(resolver, args, raw)), ensure_ascii=False)
                if not args.online:
                    if len(memo) >= _RESOLVE_MEMO:
                        memo.clear()
                    memo[raw] = out
            sys.stdout.write(out + "\n")
            sys.stdout.flush()
        return 0
    if args.json:
        # A bad hint is a usage error; a bad name is an answer (status invalid, exit 2), in JSON as asked.
        resolver.parse_hints(oblast=args.oblast, raion=args.raion, hromada=args.hromada, near=args.near)
        res = _resolve_one(resolver, args, args.query, strict=False)
        print(json.dumps(resolution_json(res), ensure_ascii=False, indent=2))
        return _STATUS_EXIT.get(res.status, 2)
    res = _resolve_one(resolver, args, args.query, strict=True)
    if res.status == "invalid":
        # A name that cannot be looked up is an input error, whichever check finds it (an empty or letterless
        # name raises above; a mark of a missing value, "null", "#N/A", is answered invalid): one line on stderr.
        raise ValueError(res.reason or f"{args.query!r} cannot be looked up")
    print(f"{args.query}: {res.status}" + (f" ({res.reason})" if res.reason else ""))
    for i, m in enumerate(res.candidates, 1):
        s = m.settlement
        mark = "*" if res.match is not None and m is res.match else " "
        print(
            f"{mark}{i}. {s.name_uk} / {s.name_en}  [{s.category_name}]{_units_text(s)}  "
            f"{s.lat:.4f},{s.lon:.4f} ({s.coord_precision})  "
            f"score {m.score:.2f} {m.match} via {m.matched!r}  {s.id}"
        )
    return _STATUS_EXIT.get(res.status, 2)


def _cmd_reverse(args: argparse.Namespace) -> int:
    from gazetteer.nearby import PointOutsideUkraine, reverse

    precision = None if args.any_precision else "point"
    if isinstance(args.lat, tuple):
        if args.lon is not None:
            raise ValueError("give the point once: LAT LON, or 'LAT, LON' as one argument")
        args.lat, args.lon = args.lat
    elif args.lon is None:
        raise ValueError("reverse needs a longitude: LAT LON, or 'LAT, LON' as one argument")
    try:
        found = reverse(args.lat, args.lon, k=args.k, max_km=args.max_km, precision=precision)
        status, reason = ("found", "") if found else ("not_found", f"no settlement within {args.max_km} km")
    except PointOutsideUkraine as exc:
        found, status, reason = [], "outside_ukraine", str(exc)
    if args.json:
        results = [{**s.to_dict(), "distance_km": round(km, 3)} for s, km in found]
        out = {"lat": args.lat, "lon": args.lon, "status": status, "reason": reason, "results": results}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif not found:
        print(f"{args.lat}, {args.lon}: {status} ({reason})")
    else:
        for i, (s, km) in enumerate(found, 1):
            print(
                f"{i}. {s.name_uk} / {s.name_en}  [{s.category_name}]{_units_text(s)}  {km:.1f} km  "
                f"({s.coord_precision})  {s.id}"
            )
    return 0 if found else 4


def _cmd_serve(args: argparse.Namespace) -> int:
    from gazetteer.serve import Settings, run

    origins = tuple(o.strip() for o in args.cors_origins.split(",") if o.strip())
    settings = Settings(
        rate=args.rate, burst=args.burst, max_batch=args.max_batch, ambiguous=args.ambiguous, cors_origins=origins
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"gazetteer: warning: serving on {args.host}: the service has no authentication", file=sys.stderr)

    def listening(host: str, port: int) -> None:  # printed only once the socket is bound
        where = f"[{host}]" if ":" in host else host
        print(
            f"gazetteer: serving http://{where}:{port}/ (Nominatim API: /search, /reverse, /lookup, /status; POST /batch)"
        )
        print("gazetteer: Ctrl-C to stop", flush=True)

    run(args.host, args.port, workers=args.workers, settings=settings, on_listening=listening)
    return 0


def _add_online_arguments(parser: argparse.ArgumentParser, online_help: str) -> None:
    parser.add_argument("--online", action="store_true", help=online_help)
    parser.add_argument("--provider", default=None, help="online provider: nominatim, geonames, photon")
    parser.add_argument("--user-agent", default=None, help="for --online with Nominatim (or $GAZETTEER_USER_AGENT)")


def _online_settings(args: argparse.Namespace) -> dict:
    return {"user_agent": args.user_agent} if args.user_agent else {}


def _cmd_batch(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from gazetteer.batch import enrich_file
    from gazetteer.resolve import Resolver

    if args.online and args.text_column:
        raise ValueError("--online works with --column (place names), not --text-column")
    if args.online:
        from gazetteer.online import OnlineGeocoder

        online = OnlineGeocoder(args.provider, **_online_settings(args))
    else:
        online = nullcontext()
    with online as og:
        statuses = enrich_file(
            args.input,
            args.output,
            column=args.column,
            oblast_column=args.oblast_column,
            raion_column=args.raion_column,
            hromada_column=args.hromada_column,
            text_column=args.text_column,
            fmt=args.format,
            encoding=args.encoding,
            delimiter=args.delimiter,
            progress=False if args.no_progress else None,
            online=og,
            out_fmt=args.output_format,
            bom=args.bom,
            strict=args.strict,
            engine=args.engine,
            sheet=args.sheet,
            jobs=args.jobs,
            resolver=None if args.candidates is None else Resolver(candidates=args.candidates),
        )
    _print_notes(getattr(statuses, "notes", []))
    print(f"gazetteer: {row_summary(statuses)}", file=sys.stderr)
    incomplete = og.incomplete() if args.online else None
    if incomplete:
        print(f"gazetteer: {incomplete}", file=sys.stderr)
        return EXIT_ONLINE_INCOMPLETE
    return 0


def row_summary(statuses: Any) -> str:
    """The summary line of a batch (after "gazetteer: "): rows written, then how many got each status.

    >>> from collections import Counter
    >>> row_summary(Counter(resolved=2, invalid=1)), row_summary(Counter(resolved=1)), row_summary(Counter())
    ('3 rows: resolved 2, invalid 1', '1 row: resolved 1', '0 rows')
    """
    n = sum(statuses.values())
    counts = ", ".join(f"{k} {v}" for k, v in statuses.most_common() if v)
    return f"{n} row{'' if n == 1 else 's'}" + (f": {counts}" if counts else "")


def _print_notes(notes: list[str], limit: int = 20) -> None:
    """Name the damaged lines of a batch input on stderr (the rows themselves say it in gaz_reason)."""
    for note in notes[:limit]:
        print(f"gazetteer: warning: {note}", file=sys.stderr)
    if len(notes) > limit:
        print(f"gazetteer: warning: ... and {len(notes) - limit} more (see gaz_reason)", file=sys.stderr)


def _cmd_parse(args: argparse.Namespace) -> int:
    from gazetteer.geoparse import iter_places, mentions_to_geojson

    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
    except FileNotFoundError:
        raise ValueError(f"file not found: {args.file}") from None
    except IsADirectoryError:
        raise ValueError(f"{args.file} is a folder, not a text file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{args.file} is not UTF-8 text") from None
    mentions = iter_places(text, lang=args.lang)  # one window of a long text at a time
    if args.geojson:
        print(json.dumps(mentions_to_geojson(mentions), ensure_ascii=False, indent=2))
    else:
        _print_json_list(m.to_dict() for m in mentions)
    return 0


def _print_json_list(items: Iterable[Any]) -> None:
    """Write ``items`` as ``json.dumps(list(items), ensure_ascii=False, indent=2)`` would, byte for byte,
    one item at a time: a long text's mentions never become one list of dicts and one string at once."""
    out = sys.stdout
    first = True
    for item in items:
        body = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if first else ",\n  ") + body)
        first = False
    out.write("[]\n" if first else "\n]\n")


def _cmd_data(args: argparse.Namespace) -> int:
    return _DATA_COMMANDS[args.data_command](args)


def _data_info(args: argparse.Namespace) -> int:
    from gazetteer.store import get_extract

    ex = get_extract()
    m = ex.manifest
    info = {
        "path": str(ex.path),
        "gazetteer_version": __version__,
        "built_at": m.get("built_at"),
        "settlements": len(ex.settlements),
        "top_level_units": len(ex.oblasts),
        "codifier_edition": next((s.get("edition") for s in m.get("sources", []) if "edition" in s), None),
        "point": sum(1 for s in ex.settlements if s.coord_precision == "point"),
        "with_coordinates": sum(1 for s in ex.settlements if s.lat is not None and s.lon is not None),
        "with_precision": sum(1 for s in ex.settlements if s.coord_precision),
        "with_former_names": len(
            ex.former_name_settlements()
            or {ex.name_settlement[i] for i, k in enumerate(ex.name_kind) if k in ("renamed", "historical")}
        ),
        "coord_precision": m.get("coord_precision", {}),
        "coverage": m.get("coverage", {}),
        "approximation_error": m.get("approximation_error", {}),
        "counts": m.get("counts", {}),
        "sources": [
            {k: s.get(k) for k in ("name", "package", "version", "file", "sha256")} for s in m.get("sources", [])
        ],
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"extract:      {info['path']} (built {info['built_at']})")
    print(f"settlements:  {info['settlements']:,} under {info['top_level_units']} top-level units")
    print(f"codifier:     KATOTTG edition of {info['codifier_edition'] or 'unknown date'}")
    print(f"coordinates:  {info['with_coordinates']:,} with coordinates; {info['point']:,} at their own point")
    print(f"former names: {info['with_former_names']:,} settlements")
    for prec, n in info["coord_precision"].items():
        err = info["approximation_error"].get(prec)
        extra = f"  (error vs own point: median {err['median_km']} km, p90 {err['p90_km']} km)" if err else ""
        print(f"  {prec:<17} {n:>6,}  {n / info['settlements']:6.1%}{extra}")
    c = info["counts"]
    print(f"names:        {c.get('names', 0):,} variants; {c.get('historical_renamings', 0)} renamings")
    print(
        f"GeoNames:     {c.get('geonames_joined', 0):,} of {c.get('geonames_places', 0):,} places joined; "
        f"{c.get('geonames_unmatched', 0)} kept aside in geonames_unmatched.tsv"
    )
    print("sources:")
    for s in info["sources"]:
        version = f" {s['package']} {s['version']}" if s.get("package") else ""
        print(f"  {s['name']}{version}: {s['file']} sha256 {s['sha256'][:12]}")
    return 0


def _data_build(args: argparse.Namespace) -> int:
    from gazetteer.build import build_extract

    m = build_extract(
        args.out,
        dump=args.dump,
        alternate_names=args.alternate_names,
        codifier=args.codifier,
        codifier_edition=args.edition,
    )
    print(
        f"built {args.out}: {m['counts']['settlements']:,} settlements, precision {m['coord_precision']}, "
        f"{m['build_seconds']} s"
    )
    return 0


def _data_update(args: argparse.Namespace) -> int:
    from gazetteer.build.update import MAX_DOWNLOAD_BYTES, TIMEOUT_S, update

    m = update(
        args.url,
        args.alternate_names_url,
        with_alternate_names=not args.no_alternate_names,
        max_bytes=args.max_bytes or MAX_DOWNLOAD_BYTES,
        force=args.force,
        codifier=args.codifier,
        codifier_edition=args.edition,
        timeout=args.timeout or TIMEOUT_S,
    )
    print(f"updated: {m['counts']['settlements']:,} settlements, {m['counts']['geonames_joined']:,} GeoNames points")
    return 0


def _data_diff(args: argparse.Namespace) -> int:
    from gazetteer.build.diff import diff_editions, format_diff

    report = diff_editions(args.old, args.new)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_diff(report))
    return 0


def _data_reset(_args: argparse.Namespace) -> int:
    from gazetteer.build.update import reset

    print("back to the bundled extract" if reset() else "the bundled extract is already in use")
    return 0


_COMMANDS = {
    "resolve": _cmd_resolve,
    "reverse": _cmd_reverse,
    "serve": _cmd_serve,
    "batch": _cmd_batch,
    "parse": _cmd_parse,
    "data": _cmd_data,
}
_DATA_COMMANDS = {
    "info": _data_info,
    "build": _data_build,
    "update": _data_update,
    "diff": _data_diff,
    "reset": _data_reset,
}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
