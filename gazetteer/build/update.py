"""``gazetteer data update``: download the GeoNames country dump, rebuild, verify, swap in atomically.

    $ gazetteer data update                       # UA.zip + alternatenames/UA.zip from GeoNames
    $ gazetteer data update --url http://127.0.0.1:8000/UA.zip --no-alternate-names

The new extract is built into its own folder under :func:`gazetteer.store.user_data_dir`, loaded and
checked, and only then named by the ``current`` pointer (written to a temporary file and renamed). A
failed, corrupt or interrupted download leaves the previous extract in use.
"""

from __future__ import annotations

import http.client
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from gazetteer.errors import BuildError, DataError, UpdateError

DEFAULT_URL = "https://download.geonames.org/export/dump/UA.zip"
DEFAULT_ALTERNATE_NAMES_URL = "https://download.geonames.org/export/dump/alternatenames/UA.zip"
#: Refuse downloads larger than this (bytes); the real UA.zip is a few MB.
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
#: Refuse archives that unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
TIMEOUT_S = 60
KEEP_EXTRACTS = 2


def download(url: str, dest: Path, *, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: float = TIMEOUT_S) -> int:
    """Stream ``url`` into ``dest``; UpdateError if too large, cut short or the server fails."""
    req = urllib.request.Request(url, headers={"User-Agent": "gazetteer-data-update"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as out:
            declared = resp.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise UpdateError(f"{url} is {int(declared)} bytes, more than the limit of {max_bytes}")
            total = 0
            while True:
                chunk = resp.read(1 << 16)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise UpdateError(f"{url} is larger than the limit of {max_bytes} bytes")
                out.write(chunk)
    except UpdateError:
        raise
    except urllib.error.HTTPError as exc:
        raise UpdateError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UpdateError(f"download of {url} failed: {getattr(exc, 'reason', exc)}") from None
    except http.client.HTTPException as exc:  # IncompleteRead when the connection drops
        raise UpdateError(f"download of {url} was interrupted: {exc!r}") from None
    if declared is not None and declared.isdigit() and total != int(declared):
        raise UpdateError(f"download of {url} was interrupted: {total} of {declared} bytes")
    return total


def read_member(archive: Path, member: str, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> str:
    """The text of one member of a zip archive, after safety and integrity checks."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UpdateError(f"{archive.name} is not a valid zip archive: {exc}") from None
    with zf:
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
        try:
            data = zf.read(names[member])
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise UpdateError(f"{archive.name}: {member} is corrupt: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{archive.name}: {member} is not UTF-8 text") from exc


def update(
    url: str | None = None,
    alternate_names_url: str | None = None,
    *,
    with_alternate_names: bool = True,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    home: Path | None = None,
    min_settlements: int = 29000,
) -> dict:
    """Download, rebuild and swap in a new extract; return its manifest. UpdateError on any failure."""
    from gazetteer import store
    from gazetteer.build.pipeline import build_extract

    url = url or os.environ.get("GAZETTEER_GEONAMES_URL") or DEFAULT_URL
    alternate_names_url = (
        alternate_names_url or os.environ.get("GAZETTEER_GEONAMES_ALTNAMES_URL") or DEFAULT_ALTERNATE_NAMES_URL
    )
    home = Path(home) if home else store.user_data_dir()
    extracts = home / "extracts"
    extracts.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    target = extracts / name
    with tempfile.TemporaryDirectory(prefix="gazetteer-update-", dir=home) as tmp:
        work = Path(tmp)
        download(url, work / "UA.zip", max_bytes=max_bytes)
        (work / "UA.txt").write_text(read_member(work / "UA.zip", "UA.txt"), encoding="utf-8")
        alt_path = None
        if with_alternate_names:
            download(alternate_names_url, work / "alt.zip", max_bytes=max_bytes)
            alt_text = read_member(work / "alt.zip", "UA.txt")
            alt_path = work / "alternateNames-UA.txt"
            alt_path.write_text(alt_text, encoding="utf-8")
        try:
            manifest = build_extract(target, dump=work / "UA.txt", alternate_names=alt_path)
            loaded = store.load(target)
        except (BuildError, DataError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise UpdateError(f"the downloaded data did not build into a valid extract: {exc}") from exc
        if len(loaded.settlements) < min_settlements:
            shutil.rmtree(target, ignore_errors=True)
            raise UpdateError(f"the new extract has only {len(loaded.settlements)} settlements; kept the old one")
    pointer = home / "current"
    tmp_pointer = home / f".current.{os.getpid()}"
    tmp_pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp_pointer, pointer)
    _prune(extracts, keep={name})
    store.reset_cache()
    return manifest


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
