"""The README's examples run verbatim from a wheel installed into a fresh virtual environment, outside
the repository: every ```python block as a doctest, every ``$ `` line of a ```console block as a shell
command (``gazetteer serve ... &`` is started in the background and stopped at the end)."""

from __future__ import annotations

import os
import re
import shutil
import site
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)

RUN_DOCTEST = r"""
import doctest, sys
text = open(sys.argv[1], encoding="utf-8").read()
test = doctest.DocTestParser().get_doctest(text, {}, sys.argv[2], sys.argv[1], int(sys.argv[3]))
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
runner.run(test)
sys.exit(1 if runner.failures else 0)
"""


def readme_blocks() -> list[tuple[str, str, int]]:
    """(kind, text, line number) of every fenced block, in README order."""
    text = README.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text[: m.start()].count("\n") + 1) for m in FENCE.finditer(text)]


def test_readme_has_runnable_examples_for_every_new_face() -> None:
    blocks = readme_blocks()
    python = "\n".join(b for k, b, _ in blocks if k == "python")
    console = "\n".join(b for k, b, _ in blocks if k == "console")
    assert 'Nominatim(domain="127.0.0.1:8080"' in python and "df.gazetteer.enrich" in python
    assert "gazetteer serve" in console and "gazetteer resolve -" in console and "gazetteer reverse" in console
    assert "tidygeocoder" in README.read_text(encoding="utf-8")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.slow
def test_readme_examples_run_verbatim_from_an_installed_wheel(tmp_path: Path) -> None:
    if not _port_free(8080):
        pytest.skip("port 8080 (the README's) is in use on this machine")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("gazetteer-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The wheel's dependencies come from this interpreter's site-packages (no network), after the venv's own.
    deps = [p for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()} if Path(p).is_dir()]
    Path(purelib, "zz_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(vpy), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GAZETTEER_DATA", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", GAZETTEER_CACHE=str(tmp_path / "cache"))
    where = subprocess.run(
        [str(vpy), "-c", "import gazetteer; print(gazetteer.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr  # the wheel, not the repository

    servers: list[subprocess.Popen] = []
    failures: list[str] = []
    try:
        for kind, text, line in readme_blocks():
            if kind == "console":
                for command in (c[2:] for c in text.splitlines() if c.startswith("$ ")):
                    if command.endswith(" &"):
                        servers.append(_start(command[:-2], work, env))
                        continue
                    if shutil.which(command.split()[0], path=env["PATH"]) is None:
                        continue  # e.g. no curl on this machine
                    ran = subprocess.run(
                        ["bash", "-o", "pipefail", "-c", command], cwd=work, env=env, capture_output=True, text=True
                    )
                    if ran.returncode != 0 or not ran.stdout.strip():
                        failures.append(f"README line {line}: $ {command}\n{ran.stdout[-500:]}{ran.stderr[-1500:]}")
            elif kind == "python" and ">>>" in text:
                block = tmp_path / f"block{line}.txt"
                block.write_text(text, encoding="utf-8")
                ran = subprocess.run(
                    [str(vpy), "-c", RUN_DOCTEST, str(block), f"README line {line}", str(line)],
                    cwd=work,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if ran.returncode != 0:
                    failures.append(f"README python block at line {line}:\n{ran.stdout[-3000:]}{ran.stderr[-1500:]}")
        if servers:  # the page and its map are in the wheel too
            import httpx

            page = httpx.get("http://127.0.0.1:8080/", timeout=30)
            script = httpx.get("http://127.0.0.1:8080/static/app.js", timeout=30)
            drawn = httpx.get("http://127.0.0.1:8080/map.json", timeout=60)
            assert page.status_code == 200 and 'id="search-form"' in page.text
            assert script.status_code == 200 and "function search" in script.text
            assert drawn.status_code == 200 and len(drawn.json()["oblasts"]) == 27
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    assert not failures, "\n\n".join(failures)


def _start(command: str, cwd: Path, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    port = int(re.search(r"--port (\d+)", command).group(1)) if "--port" in command else 8080
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(f"`{command}` did not start: {server.stderr.read()[-1000:]}") from None
            time.sleep(0.2)
