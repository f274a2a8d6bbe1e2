"""Replace a folder by a freshly built one in one step, so that a kill at any moment leaves a whole folder.

``gazetteer data build --out data`` builds into ``.gazetteer-build-<pid>-*`` beside ``data`` and then calls
:func:`swap_in`. On Linux the two folders are exchanged by one ``renameat2(RENAME_EXCHANGE)`` call: before
it ``data`` is the old extract, after it the new one; the old one, left under the temporary name, is then
removed. Where the system cannot exchange (another OS, a file system without it) the old folder is renamed
aside and the new one into place: a kill between those two renames leaves ``.data.old-<pid>``, which
:func:`sweep_build_leftovers` (run by the next build) puts back if ``data`` is missing.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
from pathlib import Path

from gazetteer.atomic import pid_alive

__all__ = ["exchange", "swap_in", "sweep_build_leftovers"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_BUILD_DIR = re.compile(r"\.gazetteer-build-(\d+)-.+")
_OLD_DIR = re.compile(r"\.(.+)\.old-(\d+)")


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (Linux ``renameat2``); False where the system cannot do it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # libc without renameat2 (glibc < 2.28, musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` in one step, then remove the old ``target``."""
    new, target = Path(new), Path(target)
    if not target.exists():
        new.rename(target)
        return
    if exchange(new, target):  # target now holds the new build, `new` the old extract
        shutil.rmtree(new, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    target.rename(old)
    try:
        new.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    return pid == os.getpid() or pid_alive(pid)


def sweep_build_leftovers(parent: Path) -> None:
    """Remove what killed builds left in ``parent``; put back a folder a killed two-rename swap had moved aside."""
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return
    for p in entries:
        build = _BUILD_DIR.fullmatch(p.name)
        old = _OLD_DIR.fullmatch(p.name)
        if build and p.is_dir() and not _alive(int(build.group(1))):
            shutil.rmtree(p, ignore_errors=True)
        elif old and p.is_dir() and not _alive(int(old.group(2))):
            target = p.with_name(old.group(1))
            if target.exists():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.rename(target)
