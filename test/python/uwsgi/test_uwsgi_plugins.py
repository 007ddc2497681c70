"""Which plugin set uWSGI is compiled with: reduced only when nothing the dyno runs needs more."""

from __future__ import annotations

from pathlib import Path

from uwsgi_buildpack.app import default_config as uwsgi_config
from uwsgi_buildpack.app import ini_check
from uwsgi_buildpack.app.entrypoint import EntryPoint
from uwsgi_buildpack.app.static_files import StaticMapping
from uwsgi_buildpack.uwsgi import plugins

SEED_APP = Path(__file__).resolve().parents[2] / "fixtures" / "seed-app"


def app(tmp_path: Path, ini: str | None = None, procfile: str | None = None) -> Path:
    if ini is not None:
        (tmp_path / "uwsgi.ini").write_text(ini)
    if procfile is not None:
        (tmp_path / "Procfile").write_text(procfile)
    return tmp_path


def test_the_default_config_and_no_procfile_get_the_reduced_set(tmp_path):
    chosen = plugins.decide(app(tmp_path), {})
    assert (chosen.name, chosen.override) == ("reduced", "embedded_plugins=python")
    assert "the default uwsgi.ini" in chosen.reason


def test_every_option_the_default_config_can_write_is_in_the_reduced_binary(tmp_path):
    entry = EntryPoint("mysite.wsgi:application", "found", env={"DJANGO_SETTINGS_MODULE": "s"})
    statics = [StaticMapping("/static", "/staticfiles", "Django's STATIC_ROOT")]
    (tmp_path / "uwsgi.ini").write_text(uwsgi_config.render_default_ini(entry, statics))
    keys = {o.key for o in ini_check.parse(tmp_path / "uwsgi.ini", tmp_path)}
    assert {"http-socket", "static-expires", "module", "hook-accepting"} <= keys
    known = plugins.reduced_options()
    assert not [k for k in keys if not plugins._in_reduced(k, known)]
    assert plugins.decide(tmp_path, {}).name == "reduced"


def test_the_seed_apps_own_ini_gets_the_reduced_set():
    chosen = plugins.decide(SEED_APP, {})
    assert chosen.name == "reduced" and "the app's uwsgi.ini" in chosen.reason


def test_an_option_of_a_plugin_outside_the_set_gets_the_full_set_and_says_where(tmp_path):
    ini = "[uwsgi]\nhttp-socket = :$(PORT)\nmaster = true\ngevent = 100\n"
    chosen = plugins.decide(app(tmp_path, ini), {})
    assert (chosen.name, chosen.override) == ("full", None)
    assert "uwsgi.ini, line 4: 'gevent'" in chosen.reason


def test_options_whose_value_names_a_plugin_get_the_full_set(tmp_path):
    for line in (
        "logger = file:/tmp/uwsgi.log",
        "route = ^/old redirect:/new",
        "cheaper-algo = busyness",
        "plugins = http",
        "stats-push = socket:127.0.0.1:9000",
    ):
        ini = f"[uwsgi]\nhttp-socket = :$(PORT)\n{line}\n"
        assert plugins.decide(app(tmp_path, ini), {}).name == "full", line


def test_an_included_file_counts(tmp_path):
    (tmp_path / "extra.ini").write_text("[uwsgi]\nhttp = :9090\n")
    chosen = plugins.decide(app(tmp_path, "[uwsgi]\nhttp-socket = :$(PORT)\nini = extra.ini\n"), {})
    assert chosen.name == "full" and "extra.ini, line 2: 'http'" in chosen.reason


def test_a_procfile_running_uwsgi_another_way_gets_the_full_set(tmp_path):
    web = "web: uwsgi --http-socket :$PORT --module app:app --gevent 100\n"
    assert plugins.decide(app(tmp_path, procfile=web), {}).name == "full"
    worker = "web: gunicorn app:app\nworker: uwsgi --spooler tasks\n"
    chosen = plugins.decide(app(tmp_path, procfile=worker), {})
    assert chosen.name == "full" and "worker process" in chosen.reason
    gunicorn = plugins.decide(app(tmp_path, procfile="web: gunicorn a:b\n"), {})
    assert gunicorn.reason == "python plugin only: no Procfile process runs uWSGI"
    for fine in (
        "web: uwsgi uwsgi.ini\n",
        "web: exec uwsgi --ini uwsgi.ini\n",
        "web: gunicorn a:b\n",
    ):
        assert plugins.decide(app(tmp_path, procfile=fine), {}).name == "reduced", fine


def test_uwsgi_config_vars_are_options_too(tmp_path):
    assert plugins.decide(app(tmp_path), {"UWSGI_HARAKIRI": "25"}).name == "reduced"
    chosen = plugins.decide(app(tmp_path), {"UWSGI_GEVENT": "100"})
    assert chosen.name == "full" and "UWSGI_GEVENT" in chosen.reason


def test_loading_the_python_plugin_by_name_keeps_the_reduced_set(tmp_path):
    ini = "[uwsgi]\nplugins = python3\nhttp-socket = :$(PORT)\n"
    assert plugins.decide(app(tmp_path, ini), {}).name == "reduced"


def test_an_unreadable_ini_gets_the_full_set(tmp_path):
    assert plugins.decide(app(tmp_path, "no section here\n"), {}).name == "full"
