"""app_files: the build reads regular files of the app only, and not too large."""

from __future__ import annotations

import os
import threading
import time

import pytest
from uwsgi_buildpack import app_files, errors
from uwsgi_buildpack.app import entrypoint, procfile


def test_a_regular_file_is_read_and_a_missing_one_is_none(tmp_path):
    (tmp_path / "Procfile").write_bytes(b"web: gunicorn app:app\n")
    assert app_files.read_bytes(tmp_path / "Procfile") == b"web: gunicorn app:app\n"
    assert app_files.read_bytes(tmp_path / "missing") is None
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert app_files.read_bytes(tmp_path / "dangling") is None
    assert not app_files.present(tmp_path / "dangling")


def test_a_link_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "real.env").write_text("FLASK_APP=hello\n")
    (tmp_path / ".env").symlink_to("real.env")
    assert entrypoint.read_dotenv(tmp_path / ".env") == {"FLASK_APP": "hello"}


def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / ".env")
    assert app_files.present(tmp_path / ".env")
    done = threading.Event()
    caught: list[BaseException] = []

    def read() -> None:
        try:
            entrypoint.read_dotenv(tmp_path / ".env")
        except errors.BuildError as exc:
            caught.append(exc)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(5), "reading a FIFO blocked"
    assert caught[0].code == "app::file-not-regular"
    assert caught[0].title == "The app's .env is not a regular file."
    assert ".env is a named pipe (FIFO)." in caught[0].body


def test_a_link_to_dev_zero_is_refused_without_reading_it(tmp_path):
    (tmp_path / "Procfile").symlink_to("/dev/zero")
    started = time.monotonic()
    with pytest.raises(errors.BuildError) as caught:
        procfile.read(tmp_path)
    assert time.monotonic() - started < 1
    assert caught.value.code == "app::file-not-regular"
    assert "Procfile is a character device." in caught.value.body


def test_a_file_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(app_files, "LIMIT", 1024 * 1024)
    (tmp_path / "requirements.txt").write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(errors.BuildError) as caught:
        app_files.read_bytes(tmp_path / "requirements.txt", tmp_path)
    assert caught.value.code == "app::file-too-large"
    assert caught.value.title == "The app's requirements.txt is larger than 1 MB."
    (tmp_path / "requirements.txt").write_bytes(b"#" * (1024 * 1024))
    assert len(app_files.read_bytes(tmp_path / "requirements.txt") or b"") == 1024 * 1024


def test_a_directory_is_refused_by_name(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Procfile").mkdir()
    with pytest.raises(errors.BuildError) as caught:
        app_files.read_bytes(tmp_path / "sub" / "Procfile", tmp_path)
    assert "sub/Procfile is a directory." in caught.value.body
