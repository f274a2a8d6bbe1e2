"""`data build --out` replaces the output folder in one step: a kill at any moment leaves a whole folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gazetteer.build.swap import swap_in as _swap_in

REPO = Path(__file__).resolve().parent.parent

# Run _swap_in in a child that SIGKILLs itself right after the first rename it makes (any rename call).
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import gazetteer.build.swap as swap

    real_rename, real_replace, real_path_rename = os.rename, os.replace, Path.rename

    def killing(real):
        def call(*args, **kwargs):
            out = real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            return out
        return call

    os.rename, os.replace = killing(real_rename), killing(real_replace)
    Path.rename = killing(real_path_rename)
    swap.swap_in(Path(sys.argv[1]), Path(sys.argv[2]))
    """
)


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    for name in ("settlements.tsv", "names.tsv", "MANIFEST"):
        (path / name).write_text(f"{text} {name}\n", encoding="utf-8")
    return path


def _whole(path: Path) -> str | None:
    """'old' or 'new' if the folder holds one complete version, else None."""
    if not path.is_dir():
        return None
    texts = {(path / n).read_text(encoding="utf-8").split()[0] for n in ("settlements.tsv", "names.tsv", "MANIFEST")}
    return texts.pop() if len(texts) == 1 else None


def test_a_kill_during_the_swap_never_leaves_no_data_folder(tmp_path: Path) -> None:
    target = _folder(tmp_path / "data", "old")
    new = _folder(tmp_path / ".gazetteer-build-x", "new")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(new), str(target)], env=env, timeout=60)
    assert proc.returncode in (0, -signal.SIGKILL)
    assert _whole(target) in ("old", "new")


def test_swap_replaces_the_folder_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = _folder(tmp_path / "data", "old")
    new = _folder(tmp_path / ".gazetteer-build-x", "new")
    _swap_in(new, target)
    assert _whole(target) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_swap_into_a_missing_folder(tmp_path: Path) -> None:
    new = _folder(tmp_path / ".gazetteer-build-x", "new")
    _swap_in(new, tmp_path / "data")
    assert _whole(tmp_path / "data") == "new"


@pytest.mark.skipif(sys.platform != "linux", reason="the leftover of a killed swap is swept on Linux")
def test_leftovers_of_a_killed_build_are_swept_by_the_next_one(tmp_path: Path) -> None:
    from gazetteer.build.swap import sweep_build_leftovers

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    _folder(tmp_path / f".gazetteer-build-{pid}-abc", "old")
    _folder(tmp_path / f".gazetteer-build-{os.getpid()}-live", "new")
    _folder(tmp_path / "data", "new")
    sweep_build_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".gazetteer-build-{os.getpid()}-live", "data"]


def test_where_folders_cannot_be_exchanged_a_killed_swap_is_repaired_by_the_next_build(tmp_path: Path) -> None:
    from gazetteer.build.swap import sweep_build_leftovers

    target = _folder(tmp_path / "data", "old")
    new = _folder(tmp_path / ".gazetteer-build-x", "new")
    child = CHILD.replace("os.rename, os.replace =", "swap.exchange = lambda a, b: False\nos.rename, os.replace =")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", child, str(new), str(target)], env=env, timeout=60)
    assert proc.returncode == -signal.SIGKILL and not target.exists()  # killed between the two renames
    sweep_build_leftovers(tmp_path)
    assert _whole(target) == "old"
