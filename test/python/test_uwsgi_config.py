"""Specification of the default uwsgi.ini the build writes, read by the ini check.

The build checks an app's own uwsgi.ini against what Heroku needs; the default
it writes for apps without one must pass the same check, since users are told
to start from it. These tests render the default through the very functions
the build calls (entry point and static files found in a real app directory,
then `write_default_ini`), never a hand-copied excerpt that could drift.
"""

from pathlib import Path

import pytest
from uwsgi_buildpack import entrypoint, static_files, uwsgi_config
from uwsgi_buildpack.uwsgi_ini_check import Option, check, parse

# Heroku sends SIGKILL to every process of a dyno 30 s after its SIGTERM.
HEROKU_SIGKILL_AFTER_S = 30

APPS = {
    "wsgi.py": {"wsgi.py": "def application(environ, start_response):\n    return [b'']\n"},
    "flask with static/": {
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "static/site.css": "body {}\n",
    },
    "no app (fallback)": {"requirements.txt": "six==1.16.0\n"},
}


def default_ini(tmp_path: Path, files: dict[str, str]) -> list[Option]:
    """The options of the default uwsgi.ini the build writes into this app."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    entry = entrypoint.find(tmp_path, None)
    statics = static_files.find(tmp_path)
    written = uwsgi_config.write_default_ini(tmp_path, entry, statics)
    return parse(written, tmp_path)


def values(options: list[Option], key: str) -> list[str]:
    return [o.value for o in options if o.key == key]


@pytest.mark.parametrize("files", APPS.values(), ids=APPS.keys())
def test_the_default_ini_has_no_error_and_handles_sigterm(tmp_path, files):
    found = check(default_ini(tmp_path, files))
    titles = [f"{f.severity}: {f.title}" for f in found]
    assert [t for t in titles if t.startswith("error")] == []
    assert "warning: uwsgi.ini does not make SIGTERM shut uWSGI down." not in titles
    assert "warning: uwsgi.ini lets SIGTERM cut requests in flight." not in titles
    # No harakiri by default (the right value is app-dependent): the one hint.
    assert "hint: uwsgi.ini sets no harakiri." in titles


@pytest.mark.parametrize("files", APPS.values(), ids=APPS.keys())
def test_the_default_ini_gets_only_the_harakiri_hint(tmp_path, files):
    found = check(default_ini(tmp_path, files))
    assert [f"{f.severity}: {f.title}" for f in found] == ["hint: uwsgi.ini sets no harakiri."]


def test_a_worker_stuck_in_a_request_is_killed_before_herokus_sigkill(tmp_path):
    options = default_ini(tmp_path, APPS["wsgi.py"])
    assert values(options, "die-on-term") == ["true"]
    # Both signals the master's shutdown sends to workers are remapped.
    hooks = values(options, "hook-accepting")
    assert "unix_signal:15 gracefully_kill" in hooks
    assert "unix_signal:2 gracefully_kill" in hooks
    # uWSGI's default mercy is 60 s, past Heroku's SIGKILL: it must be set, and
    # leave the master a few seconds to exit after killing the stuck worker.
    mercy = values(options, "worker-reload-mercy")
    assert len(mercy) == 1, options
    assert 0 < int(mercy[0]) <= HEROKU_SIGKILL_AFTER_S - 5


def test_the_default_binds_port_and_serves_the_found_app(tmp_path):
    options = default_ini(tmp_path, APPS["flask with static/"])
    assert values(options, "http-socket") == [":$(PORT)"]
    # The app is served through the buildpack's wrapper (chunked request
    # bodies), which loads the entry point named in BP_UWSGI_APP.
    assert values(options, "module") == ["uwsgi_buildpack_wsgi:application"]
    assert "BP_UWSGI_APP=app:app" in values(options, "env")
    assert "/static=%dstatic" in values(options, "static-map")
