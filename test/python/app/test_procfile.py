"""The Procfile's web process: what it runs, and whether the dyno will have it."""

from __future__ import annotations

from pathlib import Path

import pytest
from uwsgi_buildpack.app import procfile


@pytest.mark.parametrize(
    ("command", "uwsgi", "ini", "programs"),
    [
        ("uwsgi uwsgi.ini", True, True, ["uwsgi"]),
        ("uwsgi --ini=uwsgi.ini", True, True, ["uwsgi"]),
        ("uwsgi --http :$PORT --module x:app", True, False, ["uwsgi"]),
        ("bin/start-nginx uwsgi uwsgi.ini", True, True, ["bin/start-nginx"]),
        ("gunicorn mysite.wsgi", False, False, ["gunicorn"]),
        ("uvicorn main:app --host 0.0.0.0 --port $PORT", False, False, ["uvicorn"]),
        ("FOO=1 exec gunicorn x", False, False, ["gunicorn"]),
        ("newrelic-admin run-program gunicorn x", False, False, ["newrelic-admin", "gunicorn"]),
        ("nice -n 5 ddtrace-run gunicorn x", False, False, ["nice", "ddtrace-run", "gunicorn"]),
        ("cd backend && ./run.sh && hypercorn x 2>&1", False, False, ["hypercorn"]),
        ("$START_COMMAND", False, False, []),
        ("python manage.py migrate; gunicorn x", False, False, ["python", "gunicorn"]),
    ],
)
def test_what_a_web_command_runs(command, uwsgi, ini, programs):
    web = procfile.parse(command)
    assert (web.runs_uwsgi, web.runs_uwsgi_ini) == (uwsgi, ini)
    assert [p.name for p in web.programs] == programs


def test_no_procfile_or_no_web_line_is_the_buildpack_s_default(tmp_path):
    assert procfile.read(tmp_path) == procfile.DEFAULT
    (tmp_path / "Procfile").write_text("worker: celery -A x worker\n")
    assert procfile.read(tmp_path) == procfile.DEFAULT
    (tmp_path / "Procfile").write_text("release: ./migrate\nweb:   gunicorn x  \n")
    assert procfile.read(tmp_path).command == "gunicorn x"


def _executable(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)


def test_programs_are_found_in_the_app_s_python_an_earlier_buildpack_or_the_stack(tmp_path):
    app = tmp_path / "app"
    _executable(app / ".heroku" / "python" / "bin" / "gunicorn")
    _executable(app / ".heroku" / "other" / "bin" / "other-server")
    _executable(app / "bin" / "start")
    path = f"{app}/.heroku/other/bin:/usr/bin"
    for command in ("gunicorn x", "other-server x", "bin/start", "/app/bin/start", "sh -c x"):
        assert procfile.missing(procfile.parse(command), app, path) is None, command
    assert procfile.missing(procfile.parse("other-server x"), app, "/usr/bin") == (
        procfile.Program("other-server", False)
    )
    assert procfile.missing(procfile.parse("./nothing.sh"), app, path) == procfile.Program(
        "./nothing.sh", True
    )


def test_the_build_image_s_python_and_compilers_do_not_count(tmp_path):
    # The run image has neither (heroku-environment.md): a web process
    # running the system python3 would find none on the dyno.
    for command in ("python3 app.py", "gcc x.c", "uvicorn main:app"):
        assert procfile.missing(procfile.parse(command), tmp_path, "/usr/bin") is not None
