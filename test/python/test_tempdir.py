"""The build's own temporary directory: nothing left behind, even after a SIGKILL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


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


def test_a_build_removes_what_a_killed_build_left(system_tmp: Path) -> None:
    abandoned = system_tmp / f"uwsgi-bp-tmp-{_dead_pid()}-abc123"
    (abandoned / "pip-wheel-x" / "uwsgi").mkdir(parents=True)
    (abandoned / "pip-wheel-x" / "uwsgi" / "core.o").write_bytes(b"\0" * 1024)
    running = system_tmp / f"uwsgi-bp-tmp-{os.getppid()}-def456"
    running.mkdir()
    unrelated = system_tmp / "pip-unpack-someone-else"
    unrelated.mkdir()

    temp = tempdir.BuildTempDir()
    temp.close()

    assert not abandoned.exists()
    assert running.is_dir(), "a build that still runs keeps its directory"
    assert unrelated.is_dir(), "only the buildpack's own directories are swept"


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
