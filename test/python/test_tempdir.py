"""The build's own temporary directory: nothing left behind, even after a SIGKILL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from uwsgi_buildpack import tempdir


@pytest.fixture
def system_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private stand-in for /tmp, as the build sees it through TMPDIR.

    Short, as /tmp is (pytest's own tmp_path is too deep: see the last test).
    """
    path = Path(tempfile.mkdtemp(prefix="bp", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_commands_started_by_the_build_write_into_its_directory(system_tmp: Path) -> None:
    temp = tempdir.BuildTempDir()
    try:
        assert temp.path.parent == system_tmp
        child = "import tempfile; print(tempfile.mkdtemp(prefix='pip-unpack-'))"
        made = subprocess.run(
            [sys.executable, "-c", child],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert Path(made).parent == temp.path
        assert Path(tempfile.mkdtemp()).parent == temp.path
    finally:
        temp.close()
    assert os.environ["TMPDIR"] == str(system_tmp)
    assert list(system_tmp.iterdir()) == []


def _build_in_another_process(system_tmp: Path, then: str) -> subprocess.Popen[str]:
    """A process that makes its build directory, says so, then runs `then`."""
    code = (
        "import sys, time\n"
        "from uwsgi_buildpack import tempdir\n"
        "temp = tempdir.BuildTempDir()\n"
        "(temp.path / 'pip-wheel-x').mkdir()\n"
        "(temp.path / 'pip-wheel-x' / 'core.o').write_bytes(bytes(1024))\n"
        "print(temp.path, flush=True)\n"
        f"{then}\n"
    )
    env = {**os.environ, "TMPDIR": str(system_tmp), "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )


def test_a_build_removes_what_a_killed_build_left(system_tmp: Path) -> None:
    killed = _build_in_another_process(system_tmp, "time.sleep(60)")
    assert killed.stdout is not None
    abandoned = Path(killed.stdout.readline().strip())
    killed.kill()  # SIGKILL: no chance to clean up
    killed.wait()
    assert (abandoned / "pip-wheel-x" / "core.o").is_file()
    running = _build_in_another_process(system_tmp, "time.sleep(60)")
    assert running.stdout is not None
    running_dir = Path(running.stdout.readline().strip())
    unrelated = system_tmp / "pip-unpack-someone-else"
    unrelated.mkdir()
    try:
        temp = tempdir.BuildTempDir()
        temp.close()

        assert not abandoned.exists()
        assert running_dir.is_dir(), "a build that still runs keeps its directory"
        assert unrelated.is_dir(), "only the buildpack's own directories are swept"
    finally:
        running.kill()
        running.wait()


def test_a_directory_being_created_is_not_swept(system_tmp: Path) -> None:
    # Another build between its mkdtemp and taking its lock.
    fresh = system_tmp / "uwsgi-bp-tmp-123-abcdefgh"
    fresh.mkdir()
    stale = system_tmp / "uwsgi-bp-tmp-456-ijklmnop"
    stale.mkdir()
    os.utime(stale, (time.time() - 3600, time.time() - 3600))

    assert tempdir.sweep_abandoned(system_tmp) == [stale]
    assert fresh.is_dir()


def test_a_deep_tmpdir_does_not_break_multiprocessing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # compileall -j 0 (run on the bundled pip of every fresh runtime) binds a
    # Unix socket under TMPDIR; its path must fit in 107 bytes.
    deep = tmp_path / ("d" * 60)
    deep.mkdir()
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr(tempfile, "tempdir", None)
    source = tmp_path / "src"
    source.mkdir()
    for i in range(4):
        (source / f"m{i}.py").write_text("X = 1\n")
    temp = tempdir.BuildTempDir()
    try:
        assert len(str(temp.path)) <= 64
        compiled = subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "-j", "0", str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert compiled.returncode == 0, compiled.stderr
    finally:
        temp.close()
