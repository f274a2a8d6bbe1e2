"""``gazetteer data update``: download the GeoNames country dump, rebuild, verify, swap in atomically.

    $ gazetteer data update                       # UA.zip + alternatenames/UA.zip from GeoNames
    $ gazetteer data update --url http://127.0.0.1:8000/UA.zip --no-alternate-names
    $ gazetteer data update --codifier kodifikator-2025-10-01.xlsx   # a newer KATOTTG edition

With ``--codifier`` (a file or an https address) the extract is rebuilt with that codifier and the
bundled GeoNames dump (or the one at ``--url`` when given); settlements renamed since the extract in use
keep their old names as former names.

The new extract is built into its own folder under :func:`gazetteer.store.user_data_dir`, loaded and
checked, and only then named by the ``current`` pointer (written to a temporary file and renamed). A
failed, corrupt or interrupted download leaves the previous extract in use.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import urllib.parse
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from gazetteer.errors import BuildError, DataError, OnlineError, UpdateError

DEFAULT_URL = "https://download.geonames.org/export/dump/UA.zip"
DEFAULT_ALTERNATE_NAMES_URL = "https://download.geonames.org/export/dump/alternatenames/UA.zip"
#: Refuse downloads larger than this (bytes); the real UA.zip is a few MB.
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
#: Refuse an archive member that inflates to more than this (zip bombs); counted on the bytes actually
#: produced, whatever the archive declares. The real UA.txt is ~10 MB, alternatenames' ~40 MB.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: Total deadline (seconds) for one download: connection, redirects and the whole body.
TIMEOUT_S = 300
KEEP_EXTRACTS = 2
#: A rebuilt extract may lose at most this share of settlements, own points or names against the current
#: one; more is refused unless ``force=True`` (``--force``).
MAX_LOSS = 0.05


def download(url: str, dest: Path, *, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: float = TIMEOUT_S) -> int:
    """Stream ``url`` into ``dest`` within ``timeout`` seconds in all; return the number of bytes.

    Only https URLs (http to this machine) are fetched, redirects included (:mod:`gazetteer.online.transport`).
    UpdateError if the URL or a redirect is refused, the body is larger than ``max_bytes``, the deadline
    passes, the connection is cut or the server answers an HTTP error.
    """
    try:
        from gazetteer.online.transport import ResponseTooLarge, fetch
    except ImportError as exc:  # pragma: no cover - httpx missing
        raise UpdateError("data update needs httpx: pip install 'gazetteer[build]'") from exc
    try:
        with open(dest, "wb") as out:
            got = fetch(
                url,
                deadline=timeout,
                max_bytes=max_bytes,
                headers={"User-Agent": "gazetteer-data-update"},
                sink=out.write,
            )
    except ResponseTooLarge:
        raise UpdateError(f"{url} is larger than the limit of {max_bytes} bytes") from None
    except OnlineError as exc:
        raise UpdateError(f"download of {url} failed: {exc}") from None
    except OSError as exc:
        raise UpdateError(f"download of {url} failed: cannot write {dest}: {exc.strerror}") from None
    if got.status >= 400:
        raise UpdateError(f"download of {url} failed: HTTP {got.status}")
    declared = got.headers.get("content-length", "")
    if declared.isdigit() and "content-encoding" not in got.headers and got.size != int(declared):
        raise UpdateError(f"download of {url} was interrupted: {got.size} of {declared} bytes")
    return got.size


def _member(zf: zipfile.ZipFile, archive: Path, member: str, max_unpacked: int) -> zipfile.ZipInfo:
    infos = zf.infolist()
    for info in infos:
        p = PurePosixPath(info.filename.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or (p.parts and p.parts[0].endswith(":")):
            raise UpdateError(f"{archive.name}: entry {info.filename!r} escapes the target folder")
    if sum(i.file_size for i in infos) > max_unpacked:
        raise UpdateError(f"{archive.name} unpacks to more than {max_unpacked} bytes")
    names = {PurePosixPath(i.filename).name: i for i in infos}
    if member not in names:
        raise UpdateError(f"{archive.name} has no {member} (has: {', '.join(sorted(names)[:5])})")
    return names[member]


def extract_member(archive: Path, member: str, dest: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> int:
    """Stream one member of a zip archive into ``dest``, after safety checks; return its size in bytes.

    The archive's declared sizes are checked first, then the bytes actually inflated are counted as they
    come (64 KiB at a time): past ``max_unpacked`` it stops with UpdateError, so a bomb whose headers lie
    costs no more than the cap. A CRC or inflate error is UpdateError too.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UpdateError(f"{archive.name} is not a valid zip archive: {exc}") from None
    total = 0
    with zf:
        info = _member(zf, archive, member, max_unpacked)
        try:
            with zf.open(info) as src, open(dest, "wb") as out:
                while True:
                    chunk = src.read(1 << 16)  # inflates at most this much per call, unlike read()
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > max_unpacked:
                        raise UpdateError(f"{archive.name}: {member} unpacks to more than {max_unpacked} bytes")
                    out.write(chunk)
        except (
            zipfile.BadZipFile,
            EOFError,
            zlib.error,
            NotImplementedError,
            RuntimeError,
        ) as exc:  # RuntimeError: encrypted
            raise UpdateError(f"{archive.name}: {member} is corrupt: {exc}") from None
        except OSError as exc:
            raise UpdateError(f"{archive.name}: {member} cannot be unpacked: {exc}") from None
    return total


def read_member(archive: Path, member: str, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> str:
    """The text of one member of a zip archive, after the checks of :func:`extract_member`."""
    with tempfile.TemporaryDirectory(prefix="gazetteer-unzip-") as tmp:
        dest = Path(tmp) / "member"
        extract_member(archive, member, dest, max_unpacked=max_unpacked)
        data = dest.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{archive.name}: {member} is not UTF-8 text") from exc


def extract_counts(ex: object) -> dict[str, int]:
    """What the loss guard compares: settlements, settlements with their own point, name variants."""
    settlements = ex.settlements  # type: ignore[attr-defined]
    return {
        "settlements": len(settlements),
        "points": sum(s.coord_precision == "point" for s in settlements),
        "names": len(ex.name_text),  # type: ignore[attr-defined]
    }


_LABELS = {"settlements": "settlements", "points": "points (settlements with their own coordinates)", "names": "names"}


def losses(old: Mapping[str, int], new: Mapping[str, int], *, max_loss: float = MAX_LOSS) -> list[str]:
    """One line per count the new extract loses more than ``max_loss`` of against the old one."""
    out = []
    for key, label in _LABELS.items():
        before, after = int(old.get(key, 0)), int(new.get(key, 0))
        if before and after < before * (1 - max_loss):
            out.append(f"{label} {before:,} -> {after:,} ({(after - before) / before:+.1%})")
    return out


def update(
    url: str | None = None,
    alternate_names_url: str | None = None,
    *,
    with_alternate_names: bool = True,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    home: Path | None = None,
    min_settlements: int = 29000,
    force: bool = False,
    max_loss: float = MAX_LOSS,
    timeout: float = TIMEOUT_S,
    codifier: str | Path | None = None,
    codifier_edition: str | None = None,
) -> dict:
    """Download, rebuild and swap in a new extract; return its manifest. UpdateError on any failure.

    The rebuilt extract is compared with the one in use: losing more than ``max_loss`` (5%) of its
    settlements, own points or names is refused with the figures in the message, unless ``force=True``.
    Every download has a total deadline of ``timeout`` seconds. ``codifier``: a KATOTTG file or https
    address to rebuild with (GeoNames is then downloaded only when ``url`` is given), its edition date
    ``codifier_edition`` (default: from the file name).
    """
    from gazetteer import store
    from gazetteer.atomic import sweep_update_leftovers
    from gazetteer.build.pipeline import build_extract

    download_geonames = codifier is None or url is not None
    url = url or os.environ.get("GAZETTEER_GEONAMES_URL") or DEFAULT_URL
    alternate_names_url = (
        alternate_names_url or os.environ.get("GAZETTEER_GEONAMES_ALTNAMES_URL") or DEFAULT_ALTERNATE_NAMES_URL
    )
    home = Path(home) if home else store.user_data_dir()
    extracts = home / "extracts"
    extracts.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    target = extracts / name
    from gazetteer.online.transport import check_url

    asked = ((url, alternate_names_url) if with_alternate_names else (url,)) if download_geonames else ()
    if codifier is not None and str(codifier).startswith(("http://", "https://")):
        asked += (str(codifier),)
    for u in asked:
        try:
            check_url(u)
        except OnlineError as exc:
            raise UpdateError(f"refused to download: {exc}") from None
    sweep_update_leftovers(home)  # what a killed run left: its temp folder and pointer file
    with tempfile.TemporaryDirectory(prefix=f"gazetteer-update-{os.getpid()}-", dir=home) as tmp:
        work = Path(tmp)
        dump_path = alt_path = codifier_path = None
        former: list[tuple[str, str, str]] = []
        if codifier is not None:
            codifier_path = _fetch_codifier(str(codifier), work, max_bytes, timeout)
            former = _renamed_since(store.data_dir(), codifier_path)
        if download_geonames:
            download(url, work / "UA.zip", max_bytes=max_bytes, timeout=timeout)
            dump_path = work / "UA.txt"
            extract_member(work / "UA.zip", "UA.txt", dump_path)
            if with_alternate_names:
                download(alternate_names_url, work / "alt.zip", max_bytes=max_bytes, timeout=timeout)
                alt_path = work / "alternateNames-UA.txt"
                extract_member(work / "alt.zip", "UA.txt", alt_path)
        try:
            manifest = build_extract(
                target,
                dump=dump_path,
                alternate_names=alt_path,
                codifier=codifier_path,
                codifier_edition=codifier_edition,
                former_names=former,
            )
            loaded = store.load(target)
        except (BuildError, DataError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise UpdateError(f"the downloaded data did not build into a valid extract: {exc}") from exc
        if len(loaded.settlements) < min_settlements:
            shutil.rmtree(target, ignore_errors=True)
            raise UpdateError(f"the new extract has only {len(loaded.settlements)} settlements; kept the old one")
        if not force:
            try:
                current = extract_counts(store.get_extract())
            except DataError:  # the extract in use is broken: nothing to lose
                current = {}
            lost = losses(current, extract_counts(loaded), max_loss=max_loss)
            if lost:
                shutil.rmtree(target, ignore_errors=True)
                raise UpdateError(
                    f"the rebuilt extract loses more than {max_loss:.0%} against the current one: "
                    + "; ".join(lost)
                    + "; kept the current extract (pass --force to install it anyway)"
                )
    pointer = home / "current"
    tmp_pointer = home / f".current.{os.getpid()}"
    tmp_pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp_pointer, pointer)
    _prune(extracts, keep={name})
    store.reset_cache()
    return manifest


def _fetch_codifier(source: str, work: Path, max_bytes: int, timeout: float) -> Path:
    """A local codifier file as given, or one downloaded from an https address (keeping its file name,
    which often carries the edition date)."""
    if source.startswith(("http://", "https://")):
        name = PurePosixPath(urllib.parse.urlparse(source).path).name or "kodifikator.xlsx"
        dest = work / name
        download(source, dest, max_bytes=max_bytes, timeout=timeout)
        return dest
    path = Path(source)
    if not path.is_file():
        raise UpdateError(f"codifier file not found: {path}")
    return path


def _renamed_since(current: Path, codifier: Path) -> list[tuple[str, str, str]]:
    """(settlement id, former official name, note) for each settlement whose name differs between the
    extract in use and the new codifier, plus the former names the extract in use already carries."""
    from gazetteer.build.diff import diff_editions

    try:
        report = diff_editions(current, codifier)
    except BuildError as exc:
        raise UpdateError(f"cannot compare the codifier with the extract in use: {exc}") from exc
    out = [
        (r["id"], r["old_name_uk"], f"renamed by the codifier update to {r['new_name_uk']}") for r in report["renamed"]
    ]
    names = current / "names.tsv"
    if names.is_file():
        with open(names, encoding="utf-8") as fh:
            next(fh, None)
            for line in fh:
                sid, name, kind, lang, *_ = line.rstrip("\n").split("\t")
                if kind in ("renamed", "historical") and lang == "uk":
                    out.append((sid, name, "former name carried over from the extract in use"))
    return out


def reset(home: Path | None = None) -> bool:
    """Go back to the bundled extract; True if an installed one was in use."""
    from gazetteer import store

    home = Path(home) if home else store.user_data_dir()
    pointer = home / "current"
    if not pointer.exists():
        return False
    pointer.unlink()
    store.reset_cache()
    return True


def _prune(extracts: Path, keep: set[str]) -> None:
    folders = sorted((p for p in extracts.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)
    for old in folders[KEEP_EXTRACTS:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
