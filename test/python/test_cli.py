"""cli.main: the last line of defence between a failure and the build log."""

from __future__ import annotations

from pathlib import Path

import pytest
from uwsgi_buildpack import build, cli, commands


def test_a_command_that_crashes_is_reported_by_its_last_word_not_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tail = [
        "Traceback (most recent call last):",
        '  File "/tmp/python/lib/python3.13/multiprocessing/forkserver.py", line 139',
        "    listener.bind(address)",
        "OSError: AF_UNIX path too long",
    ]

    def crash(*args: object, **kwargs: object) -> None:
        raise commands.CommandFailed(["python3", "-m", "compileall"], 1, tail)

    monkeypatch.setattr(build, "run", crash)
    # main() makes SIGTERM interrupt the build; not in the test process.
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    status = cli.main(["compile", str(tmp_path / "app"), str(tmp_path / "cache")])
    out, err = capsys.readouterr()
    assert status == 1
    assert err == ""
    assert " !     Error: The buildpack hit an internal error." in out
    assert "python3 exited with status 1" in out
    assert "It said: OSError: AF_UNIX path too long" in out
    assert "Traceback" not in out
    assert "listener.bind" not in out
