"""Specification of the default uwsgi.ini the build writes, read by the ini check.

The build checks an app's own uwsgi.ini against what Heroku needs; the default
it writes for apps without one must pass the same check, since users are told
to start from it. These tests render the default through the very functions
the build calls (entry point and static files found in a real app directory,
then `write_default_ini`), never a hand-copied excerpt that could drift.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from uwsgi_buildpack.app import default_config as uwsgi_config
from uwsgi_buildpack.app import entrypoint, profile, static_files
from uwsgi_buildpack.app.entrypoint import EntryPoint
from uwsgi_buildpack.app.ini_check import Option, check, parse
from uwsgi_buildpack.app.static_files import StaticMapping

ROOT = Path(__file__).resolve().parents[3]
LIB = ROOT / "lib"
# The fixtures a build writes a default uwsgi.ini for (seed-app brings its own;
# module-app names its entry point in a config var only).
FIXTURES = sorted(
    path.name
    for path in (ROOT / "test" / "fixtures").iterdir()
    if not (path / "uwsgi.ini").exists() and path.name != "module-app"
)

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


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_default_ini_of_each_fixture_passes_the_ini_check(tmp_path, fixture):
    app = tmp_path / "app"
    shutil.copytree(ROOT / "test" / "fixtures" / fixture, app)
    entry = entrypoint.find(app, None, {})
    written = uwsgi_config.write_default_ini(app, entry, static_files.find(app))
    text = written.read_text(encoding="utf-8")
    # Every placeholder filled, no note of the template left in.
    assert "@{" not in text and ";;" not in text
    found = check(parse(written, app))
    assert [f"{f.severity}: {f.title}" for f in found] == ["hint: uwsgi.ini sets no harakiri."]


def test_the_two_request_log_formats_agree(tmp_path):
    # One with the worker's memory (when reload-on-rss is set), one without:
    # the template spells both out, and they must not drift apart.
    options = default_ini(tmp_path, APPS["wsgi.py"])
    with_rss, plain = values(options, "log-format")
    assert with_rss == plain + " rss=%(rssM)MB"
    assert "request_id=%(var.HTTP_X_REQUEST_ID)" in plain


def test_static_mappings_and_variables_found_in_the_source_are_whole_lines():
    entry = EntryPoint("mysite.wsgi:application", "found", env={"DJANGO_SETTINGS_MODULE": "s"})
    statics = [StaticMapping("/static", "/staticfiles", "Django's STATIC_ROOT")]
    text = uwsgi_config.render_default_ini(entry, statics)
    assert (
        "env = BP_UWSGI_APP=mysite.wsgi:application\nendif =\n"
        "# Found in the app's source; a config var of the same name wins.\n"
        "if-not-env = DJANGO_SETTINGS_MODULE\nenv = DJANGO_SETTINGS_MODULE=s\nendif =\n"
        "# uWSGI serves the app above"
    ) in text
    assert (
        "static-expires = .* 31536000\n# Django's STATIC_ROOT\n"
        "static-map = /static=%d/staticfiles\n\n# Request log"
    ) in text
    assert "\noffload-threads = 1\nstatic-gzip-all" in text
    # Without them: no line at all where they would be, and the offload
    # thread only for UWSGI_STATIC_MAP.
    bare = uwsgi_config.render_default_ini(EntryPoint("wsgi:application", "found"), [])
    assert "endif =\n# uWSGI serves the app above" in bare
    assert "static-expires = .* 31536000\n\n# Request log" in bare
    assert "if-env = UWSGI_STATIC_MAP\noffload-threads = 1\nendif =\n" in bare


def test_the_template_syntax():
    template = ";; a note\nkey = @{a}/@{a}\n@{block}\n@{none}\nlast = @{b}\n"
    filled = uwsgi_config.fill_template(
        template, lines={"block": ["x = 1", "y = 2"], "none": []}, text={"a": "@{b}", "b": "2"}
    )
    # A value is inserted as it is: "@{b}" in a value is not a placeholder.
    assert filled == "key = @{b}/@{b}\nx = 1\ny = 2\nlast = 2\n"
    with pytest.raises(ValueError, match="no value"):
        uwsgi_config.fill_template("k = @{a}\n", lines={}, text={})
    with pytest.raises(ValueError, match="no placeholder"):
        uwsgi_config.fill_template("k = v\n", lines={}, text={"a": "1"})
    # uWSGI's own syntax is no placeholder.
    own = "http-socket = :$(PORT)\nprint = %(_)\nenv = X=@(file)\n"
    assert uwsgi_config.fill_template(own, lines={}, text={}) == own


def test_the_templates_are_read_from_the_checkout_that_runs(tmp_path):
    # bin/compile loads the helper's modules through the build cache
    # (bytecode.py), which a build of another checkout of the buildpack may have
    # written: the data files must still come from the checkout that runs, found
    # next to its modules.
    checkout = tmp_path / "checkout"
    shutil.copytree(LIB, checkout / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    ini = checkout / "lib" / "uwsgi_buildpack" / "dyno" / "uwsgi.ini.template"
    ini.write_text(ini.read_text(encoding="utf-8") + "# this checkout\n", encoding="utf-8")
    sh = checkout / "lib" / "uwsgi_buildpack" / "dyno" / "profile.sh"
    sh.write_text(sh.read_text(encoding="utf-8") + "# this checkout\n", encoding="utf-8")
    code = (
        "import sys; sys.path.insert(0, sys.argv.pop(1));"
        "from uwsgi_buildpack import bytecode; bytecode.use_build_cache(sys.argv[1:]);"
        "from pathlib import Path; from uwsgi_buildpack.app import profile;"
        "from uwsgi_buildpack.app import default_config as uwsgi_config;"
        "from uwsgi_buildpack.app.entrypoint import EntryPoint;"
        "app = Path(sys.argv[2]);"
        "uwsgi_config.write_default_ini(app, EntryPoint('wsgi', 'test'), []);"
        "profile.write_profile_d(app, None)"
    )
    cache_dir = tmp_path / "cache"
    # The first build fills the cache, the second, of the other checkout, uses it.
    builds = {LIB: tmp_path / "built-here", checkout / "lib": tmp_path / "built-there"}
    for lib, app in builds.items():
        app.mkdir()
        argv = [sys.executable, "-E", "-S", "-B", "-c", code, str(lib), "compile", str(app)]
        subprocess.run([*argv, str(cache_dir)], check=True)
    assert any((cache_dir / "uwsgi-buildpack" / "helper-bytecode").glob("*default_config*.pyc"))
    for name in ("uwsgi.ini", f".profile.d/{profile.PROFILE_NAME}"):
        assert not (tmp_path / "built-here" / name).read_text().endswith("# this checkout\n")
        assert (tmp_path / "built-there" / name).read_text().endswith("# this checkout\n")


def test_text_found_in_the_app_never_becomes_an_ini_line_of_its_own():
    # The reason is a comment: a newline in it (FLASK_APP's value, a name in
    # the source) stays inside that comment.
    entry = EntryPoint("app:app", "FLASK_APP=x in .flaskenv\nattach-daemon = touch X")
    ini = uwsgi_config.render_default_ini(entry, [])
    assert "\nattach-daemon" not in ini
    assert "# The WSGI app. FLASK_APP=x in .flaskenv?attach-daemon = touch X.\n" in ini
    # Option values: anything uWSGI would expand or split is a bug upstream.
    for module in ("app:app\nattach-daemon = x", "app:@(exec://touch X)"):
        with pytest.raises(ValueError):
            uwsgi_config.render_default_ini(EntryPoint(module, "test"), [])
    with pytest.raises(ValueError):
        uwsgi_config.render_default_ini(
            EntryPoint("app:app", "test", env={"DJANGO_SETTINGS_MODULE": "$(HOME)"}), []
        )


def test_the_default_ini_reads_only_values_the_profile_set():
    ini = uwsgi_config.render_default_ini(EntryPoint("app:app", "test"), [])
    # An if-env block whose lines use the variable's value (%(_)), which uWSGI
    # expands further: only BP_UWSGI_* values, which .profile.d checked.
    blocks = re.findall(r"^if-env = (\S+)\n(.*?)^endif =", ini, re.MULTILINE | re.DOTALL)
    read = [name for name, body in blocks if "%(_)" in body]
    assert len(read) >= 5
    assert [name for name in read if not name.startswith("BP_UWSGI_")] == []
