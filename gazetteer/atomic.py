"""Files appear whole or not at all, with the modes users expect, and nothing is left behind.

- :func:`atomic_output` writes beside the target (``.NAME.PID.RANDOM.part``) and renames into place
  only when the block succeeds; the file gets the target's mode if it exists (an in-place run keeps
  0644), else ``0666 & ~umask`` like any file the user's tools create (``mkstemp`` alone gives 0600).
- :func:`terminate_cleanly` turns SIGTERM into ``SystemExit(143)`` so that ``finally`` blocks and
  context managers (``.part`` files, ``gazetteer-update-*`` folders) clean up as on Ctrl-C.
- :func:`sweep_parts` and :func:`sweep_update_leftovers` remove what a SIGKILL (or a power cut) left:
  files and folders that carry the PID of a process that no longer runs.

>>> from gazetteer.atomic import atomic_output
>>> with atomic_output("/tmp/places.csv") as fh:  # doctest: +SKIP
...     fh.write("place\\nKyiv\\n")
"""

from __future__ import annotations

import io
import os
import re
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gazetteer.errors import BatchError

#: Leftovers without a PID in their name (from older versions) are swept once this old (seconds).
STALE_AFTER_S = 24 * 3600


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)  # elsewhere: the classic set-and-restore (not atomic across threads)
    os.umask(old)
    return old


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists (one we may not signal counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _stale(path: Path, pid: str | None) -> bool:
    if pid is not None:
        return int(pid) != os.getpid() and not pid_alive(int(pid))
    try:
        return time.time() - path.lstat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def sweep_parts(folder: Path, name: str) -> list[Path]:
    """Remove ``.NAME.PID.*.part`` files in ``folder`` left by runs that died; return what was removed."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(?:(\d+)\.)?[^.]+\.part$")
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        m = pattern.match(path.name)
        if m and path.is_file() and not path.is_symlink() and _stale(path, m.group(1)):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def sweep_update_leftovers(home: Path) -> list[Path]:
    """Remove ``gazetteer-update-PID-*`` folders and ``.current.PID`` files of dead ``data update`` runs."""
    folder_re = re.compile(r"^gazetteer-update-(?:(\d+)-)?[^/]+$")
    pointer_re = re.compile(r"^\.current\.(\d+)$")
    removed = []
    try:
        entries = list(Path(home).iterdir())
    except OSError:
        return removed
    for path in entries:
        m = folder_re.match(path.name)
        if m and path.is_dir() and not path.is_symlink() and _stale(path, m.group(1)):
            import shutil  # here, not at import: every command imports this module for terminate_cleanly

            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
            continue
        m = pointer_re.match(path.name)
        if m and path.is_file() and _stale(path, m.group(1)):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


@contextmanager
def atomic_output(path: str | Path | None, binary: bool = False, encoding: str = "utf-8") -> Iterator:
    """A file handle whose content appears at ``path`` only if the block succeeds (stdout for None/'-');
    a path ending in ``.gz`` is written gzip-compressed."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = Path(path)
    if target.is_dir():
        raise BatchError(f"output path is a folder: {target}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BatchError(f"output folder does not exist: {folder}")
    sweep_parts(folder, target.name)
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else 0o666 & ~current_umask()
    except OSError:
        mode = 0o666 & ~current_umask()
    try:
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise BatchError(f"cannot write to {folder}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, mode)
        if target.suffix.lower() == ".gz":  # events.gaz.csv.gz: the same bytes, gzip-compressed
            import gzip

            with (
                os.fdopen(fd, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", filename=target.stem) as gz,
                gz if binary else io.TextIOWrapper(gz, encoding=encoding, newline="") as fh,
            ):
                yield fh
        else:
            with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
                yield fh
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Terminated(SystemExit):
    """Raised in the main thread when the process gets SIGTERM (exit status 143, as a shell reports it)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated(128 + signum)


@contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` so cleanup code runs; outside, as before.

    Only the main thread can install signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
