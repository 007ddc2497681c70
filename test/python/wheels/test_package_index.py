"""package_index: files fetched from the index pip is configured with, or left to pip."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import threading
from pathlib import Path

import pytest
from uwsgi_buildpack.wheels import index as package_index
from uwsgi_buildpack.wheels.index import PipSettings, files_on_page, pip_settings

SDIST = b"uwsgi sources, in a stand-in archive: only the bytes' sha256 matters here"
SHA = hashlib.sha256(SDIST).hexdigest()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose pip configuration files all live under tmp_path."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "xdg"), **extra}


def _conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- which index pip would use ------------------------------------------------


def test_without_configuration_pip_uses_pypi(tmp_path, monkeypatch):
    monkeypatch.setattr(package_index, "_config_files", lambda env, site: [])
    assert pip_settings(_env(tmp_path), tmp_path) == PipSettings("https://pypi.org/simple", None)


def test_later_files_override_earlier_ones_and_the_environment_overrides_files(tmp_path):
    env = _env(tmp_path)
    prefix = tmp_path / "prefix"
    monkeypatch_files = [
        _conf(
            tmp_path / "xdg" / "pip" / "pip.conf", "[global]\nindex-url = https://global/simple\n"
        ),
        _conf(
            tmp_path / "home" / ".config" / "pip" / "pip.conf",
            "[global]\nindex-url = https://user/simple\n",
        ),
    ]
    assert all(p.is_file() for p in monkeypatch_files)
    assert pip_settings(env, prefix).index_url == "https://user/simple"
    _conf(prefix / "pip.conf", "[global]\nindex-url = https://site/simple\ncert = /site/ca.pem\n")
    assert pip_settings(env, prefix) == PipSettings("https://site/simple", "/site/ca.pem")
    env["PIP_INDEX_URL"] = "https://env/simple"
    assert pip_settings(env, prefix).index_url == "https://env/simple"


def test_the_wheel_section_overrides_global_in_any_file(tmp_path):
    _conf(
        tmp_path / "home" / ".pip" / "pip.conf", "[wheel]\nindex-url = https://for-wheel/simple\n"
    )
    _conf(tmp_path / "prefix" / "pip.conf", "[global]\nindex-url = https://global/simple\n")
    assert pip_settings(_env(tmp_path), tmp_path / "prefix").index_url == "https://for-wheel/simple"


def test_pip_config_file_replaces_the_user_files_and_devnull_disables_all(tmp_path):
    _conf(
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        "[global]\nindex-url = https://user/simple\n",
    )
    named = _conf(tmp_path / "named.conf", "[global]\ncert = /named/ca.pem\n")
    settings = pip_settings(_env(tmp_path, PIP_CONFIG_FILE=str(named)), tmp_path)
    assert settings == PipSettings("https://pypi.org/simple", "/named/ca.pem")
    _conf(tmp_path / "xdg" / "pip" / "pip.conf", "[global]\nindex-url = https://global/simple\n")
    settings = pip_settings(_env(tmp_path, PIP_CONFIG_FILE=os.devnull), tmp_path)
    assert settings.index_url == "https://pypi.org/simple"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("PIP_NO_INDEX", "1", "no-index"),
        ("PIP_TRUSTED_HOST", "mirror.example", "trusted-host"),
        ("PIP_CLIENT_CERT", "/client.pem", "client-cert"),
        ("PIP_PROXY", "http://proxy:3128", "proxy"),
        ("PIP_ISOLATED", "yes", "isolated"),
        ("PIP_ONLY_BINARY", ":all:", "only-binary"),
        ("PIP_ONLY_BINARY", "numpy,uWSGI", "only-binary"),
    ],
)
def test_settings_that_change_how_pip_fetches_leave_the_job_to_pip(tmp_path, name, value, reason):
    assert reason in pip_settings(_env(tmp_path, **{name: value}), tmp_path)


def test_a_false_switch_is_no_switch(tmp_path):
    assert isinstance(pip_settings(_env(tmp_path, PIP_NO_INDEX="off"), tmp_path), PipSettings)
    assert isinstance(pip_settings(_env(tmp_path, PIP_ONLY_BINARY="numpy"), tmp_path), PipSettings)


def test_a_constraint_on_uwsgi_leaves_the_job_to_pip(tmp_path):
    other = _conf(tmp_path / "other.txt", "torch<=2.14.1  # not ours\n")
    assert isinstance(
        pip_settings(_env(tmp_path, PIP_CONSTRAINT=str(other)), tmp_path), PipSettings
    )
    ours = _conf(tmp_path / "ours.txt", "UWSGI<2.0.30\n")
    both = f"{other} {ours}"
    assert "names uwsgi" in pip_settings(_env(tmp_path, PIP_CONSTRAINT=both), tmp_path)


# --- reading an index page ------------------------------------------------------


def test_html_index_page_links_resolve_against_base_and_carry_their_hash():
    page = b"""<html><head><base href="https://files.example/root/"></head><body>
    <a href="../packages/uwsgi-2.0.30.tar.gz#sha256=aaa">uwsgi-2.0.30.tar.gz</a>
    <a href="packages/uwsgi-2.0.31.tar.gz#sha256=bbb" rel="x">uwsgi-2.0.31.tar.gz</a>
    <a href="https://elsewhere.example/uWSGI-2.0.1.tar.gz">uWSGI-2.0.1.tar.gz</a>
    </body></html>"""
    assert files_on_page(page, "text/html", "https://index.example/simple/uwsgi/") == [
        ("uwsgi-2.0.30.tar.gz", "https://files.example/packages/uwsgi-2.0.30.tar.gz", "aaa"),
        ("uwsgi-2.0.31.tar.gz", "https://files.example/root/packages/uwsgi-2.0.31.tar.gz", "bbb"),
        ("uWSGI-2.0.1.tar.gz", "https://elsewhere.example/uWSGI-2.0.1.tar.gz", None),
    ]


def test_json_index_page():
    page = json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "uwsgi",
            "files": [
                {
                    "filename": "uwsgi-2.0.31.tar.gz",
                    "url": "../../f/uwsgi-2.0.31.tar.gz",
                    "hashes": {"sha256": "ccc"},
                }
            ],
        }
    ).encode()
    found = files_on_page(
        page, "application/vnd.pypi.simple.v1+json", "https://i.example/simple/uwsgi/"
    )
    assert found == [("uwsgi-2.0.31.tar.gz", "https://i.example/f/uwsgi-2.0.31.tar.gz", "ccc")]


# --- fetching from a real HTTP index on 127.0.0.1 ------------------------------


class _Index:
    """A simple index served on 127.0.0.1: HTML or JSON pages, optional Basic auth."""

    def __init__(
        self,
        *,
        json_pages: bool = False,
        password: str | None = None,
        body: bytes = SDIST,
        cut_short: bool = False,
    ) -> None:
        self.requests: list[tuple[str, str | None]] = []
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                auth = self.headers.get("Authorization")
                index.requests.append((self.path, auth))
                expected = "Basic " + base64.b64encode(f"user:{password}".encode()).decode()
                if password is not None and auth != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                if self.path == "/simple/uwsgi/":
                    if json_pages:
                        data = json.dumps(
                            {
                                "files": [
                                    {
                                        "filename": "uwsgi-2.0.31.tar.gz",
                                        "url": "/f/uwsgi-2.0.31.tar.gz",
                                        "hashes": {},
                                    }
                                ]
                            }
                        ).encode()
                        kind = "application/vnd.pypi.simple.v1+json"
                    else:
                        data = (
                            b'<a href="/f/uwsgi-2.0.31.tar.gz#sha256='
                            + SHA.encode()
                            + b'">uwsgi-2.0.31.tar.gz</a>'
                        )
                        kind = "text/html"
                elif self.path == "/f/uwsgi-2.0.31.tar.gz":
                    data, kind = body, "application/octet-stream"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # cut_short: the connection drops half-way through the file.
                if cut_short and kind == "application/octet-stream":
                    data = data[: len(data) // 2]
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def index():
    made: list[_Index] = []

    def make(**kwargs: object) -> _Index:
        made.append(_Index(**kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


def _fetch(tmp_path: Path, index_url: str, sha256: str | None = SHA, version: str = "2.0.31"):
    dest = tmp_path / "dest"
    dest.mkdir(exist_ok=True)
    env = _env(tmp_path, PIP_INDEX_URL=index_url)
    return package_index.fetch_sdist("uwsgi", version, sha256, dest, env, tmp_path / "prefix"), dest


def test_fetches_the_pinned_sdist_from_an_html_index(tmp_path, index):
    server = index()
    fetched, dest = _fetch(tmp_path, server.url)
    assert fetched.path == dest / "uwsgi-2.0.31.tar.gz"
    assert fetched.path.read_bytes() == SDIST
    assert fetched.reason == "uwsgi-2.0.31.tar.gz from 127.0.0.1"


def test_an_app_pin_without_our_hash_is_checked_against_the_index_hash(tmp_path, index):
    fetched, _ = _fetch(tmp_path, index().url, sha256=None)
    assert fetched.path is not None
    fetched, dest = _fetch(tmp_path, index(body=b"tampered").url, sha256=None)
    assert fetched.path is None and "did not match its sha256" in fetched.reason
    assert list(dest.iterdir()) == []


def test_a_file_that_fails_the_pinned_hash_is_not_kept(tmp_path, index):
    fetched, dest = _fetch(tmp_path, index().url, sha256="0" * 64)
    assert fetched.path is None
    assert fetched.reason == "uwsgi-2.0.31.tar.gz did not match its sha256"
    assert list(dest.iterdir()) == []


def test_json_index_without_a_published_hash_needs_the_pin(tmp_path, index):
    server = index(json_pages=True)
    assert (
        _fetch(tmp_path, server.url).path is not None
        if False
        else _fetch(tmp_path, server.url)[0].path
    )
    fetched, _ = _fetch(tmp_path, server.url, sha256=None)
    assert fetched.path is None and fetched.reason == "the index publishes no sha256 for it"


def test_a_missing_version_or_an_unreachable_index_leaves_it_to_pip(tmp_path, index):
    fetched, _ = _fetch(tmp_path, index().url, version="2.0.999")
    assert fetched.path is None and fetched.reason == "the index lists no uwsgi-2.0.999.tar.gz"
    server = index()
    server.close()
    fetched, _ = _fetch(tmp_path, server.url)
    assert fetched.path is None and fetched.reason.startswith("fetching from the index failed")


def test_credentials_in_the_index_url_are_sent_to_the_index_and_its_files(tmp_path, index):
    server = index(password="s3cret")
    url = server.url.replace("http://", "http://user:s3cret@")
    fetched, _ = _fetch(tmp_path, url)
    assert fetched.path is not None, fetched.reason
    assert [path for path, auth in server.requests if auth] == [
        "/simple/uwsgi/",
        "/f/uwsgi-2.0.31.tar.gz",
    ]
    fetched, _ = _fetch(tmp_path, url.replace("s3cret", "wrong"))
    assert fetched.path is None and "401" in fetched.reason


def test_a_download_cut_short_leaves_it_to_pip(tmp_path, index):
    # A truncated file never passes its sha256: not kept, pip takes over.
    fetched, dest = _fetch(tmp_path, index(cut_short=True).url)
    assert fetched.path is None and fetched.reason.endswith("did not match its sha256")
    assert list(dest.iterdir()) == []
