"""Fetching and unpacking runtime archives: verified, retried, never escaping."""

import functools
import hashlib
import http.server
import io
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.runtime import archives as runtime

PLAT = runtime.Platform(stack="heroku-24", ubuntu="24.04", arch="amd64")


def make_archive(
    path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None
) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    subprocess.run(["zstd", "-q", "-f", "-o", str(path)], input=buf.getvalue(), check=True)
    return path


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_archive_name():
    assert runtime.archive_name("3.12.7", PLAT) == "python-3.12.7-ubuntu-24.04-amd64.tar.zst"


def test_stack_mapping_and_refusals():
    assert runtime.detect_platform("heroku-22").ubuntu == "22.04"
    with pytest.raises(errors.BuildError, match="STACK"):
        runtime.detect_platform(None)
    with pytest.raises(errors.BuildError, match="not supported"):
        runtime.detect_platform("cedar-14")


def test_available_versions_come_from_sha256sums():
    source = runtime.RuntimeSource(
        "http://x",
        runtime.parse_checksums(
            "a" * 64
            + "  python-3.12.1-ubuntu-24.04-amd64.tar.zst\n"
            + "b" * 64
            + "  python-3.12.7-ubuntu-24.04-amd64.tar.zst\n"
            + "c" * 64
            + "  python-3.13.0-ubuntu-22.04-amd64.tar.zst\n"
            + "d" * 64
            + "  python-3.13.0-ubuntu-24.04-arm64.tar.zst\n"
        ),
    )
    assert source.available(PLAT) == {"3.12": ["3.12.1", "3.12.7"]}


def test_no_sha256sums_means_unknown(server):
    _, url = server
    assert runtime.open_source(url).checksums is None


def test_verified_download_and_extract(server, tmp_path):
    root, url = server
    name = runtime.archive_name("3.12.1", PLAT)
    archive = make_archive(root / name, {"bin/python3": b"#!/bin/sh\n"}, {"bin/python": "python3"})
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (root / "SHA256SUMS").write_text(f"{digest}  {name}\n")
    source = runtime.open_source(url)
    prefix = tmp_path / "app" / ".heroku" / "python"
    runtime.install(source, "3.12.1", PLAT, prefix)
    assert (prefix / "bin" / "python3").read_bytes() == b"#!/bin/sh\n"
    assert (prefix / "bin" / "python").is_symlink()


def test_tampered_archive_is_refused(server, tmp_path):
    root, url = server
    name = runtime.archive_name("3.12.1", PLAT)
    archive = make_archive(root / name, {"bin/python3": b"original"})
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (root / "SHA256SUMS").write_text(f"{digest}  {name}\n")
    make_archive(root / name, {"bin/python3": b"tampered"})
    with pytest.raises(errors.BuildError, match="checksum") as caught:
        runtime.install(runtime.open_source(url), "3.12.1", PLAT, tmp_path / "p")
    assert digest in caught.value.body
    assert not (tmp_path / "p").exists()


def test_missing_archive_is_a_clear_error(server, tmp_path):
    _, url = server
    with pytest.raises(errors.BuildError, match="not found"):
        runtime.install(runtime.open_source(url), "3.12.1", PLAT, tmp_path / "p")


@pytest.mark.parametrize("member", ["../escape", "/abs/escape", "bin/../../escape"])
def test_members_escaping_the_prefix_are_refused(tmp_path, member):
    archive = make_archive(tmp_path / "evil.tar.zst", {"bin/python3": b"x", member: b"evil"})
    with pytest.raises(errors.BuildError, match="unsafe"):
        runtime.extract(archive, tmp_path / "dest")
    assert not (tmp_path / "escape").exists()


def test_symlink_escaping_the_prefix_is_refused(tmp_path):
    archive = make_archive(tmp_path / "evil.tar.zst", {}, {"lib/evil": "../../../etc/passwd"})
    with pytest.raises(errors.BuildError, match="unsafe"):
        runtime.extract(archive, tmp_path / "dest")


def test_truncated_archive_is_reported_as_damaged(tmp_path):
    archive = make_archive(tmp_path / "a.tar.zst", {"bin/python3": b"x" * 100000})
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(errors.BuildError, match="damaged"):
        runtime.extract(archive, tmp_path / "dest")


def test_unreachable_source_retries_then_fails(monkeypatch):
    monkeypatch.setattr(runtime.time, "sleep", lambda s: None)
    with pytest.raises(errors.BuildError, match="Unable to download") as caught:
        runtime.open_source("http://127.0.0.1:9")
    assert f"after {runtime.DOWNLOAD_ATTEMPTS} attempts" in caught.value.body


def test_credentials_in_the_url_are_not_shown():
    assert runtime._redact("https://user:secret@host:8080/path") == "https://host:8080/path"


def test_403_for_an_archive_reads_as_not_found(tmp_path, monkeypatch):
    """S3 answers 403, not 404, for a missing key when listing is off."""

    class Forbidden(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(403)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidden)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        source = runtime.open_source(f"http://127.0.0.1:{httpd.server_address[1]}")
        assert source.checksums is None
        with pytest.raises(errors.BuildError, match="not found"):
            runtime.install(source, "3.12.1", PLAT, tmp_path / "p")
    finally:
        httpd.shutdown()
