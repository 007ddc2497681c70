"""Specification of how the default uwsgi.ini finds the app's WSGI callable."""

import subprocess
from pathlib import Path

import pytest
from uwsgi_buildpack.app import profile
from uwsgi_buildpack.app.entrypoint import checked_spec, find, spec_problem
from uwsgi_buildpack.errors import BuildError


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_config_var_wins(tmp_path):
    app = make(tmp_path, {"wsgi.py": "application = None\n"})
    entry = find(app, "other.module:app")
    assert entry.module == "other.module:app"
    assert "UWSGI_MODULE" in entry.reason


def test_wsgi_py_application(tmp_path):
    app = make(tmp_path, {"wsgi.py": "def application(environ, start_response):\n    pass\n"})
    assert find(app, None).module == "wsgi:application"


def test_app_py_flask_style(tmp_path):
    app = make(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    assert find(app, None).module == "app:app"


def test_imported_callable_counts(tmp_path):
    app = make(tmp_path, {"wsgi.py": "from mysite.server import application\n"})
    assert find(app, None).module == "wsgi:application"


def test_name_only_inside_a_function_does_not_count(tmp_path):
    app = make(tmp_path, {"wsgi.py": "def make():\n    application = 1\n    return application\n"})
    with pytest.raises(BuildError):
        find(app, None)


def test_django_project(tmp_path):
    app = make(
        tmp_path,
        {
            "manage.py": "",
            "mysite/__init__.py": "",
            "mysite/settings.py": "",
            "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
            "application = get_wsgi_application()\n",
        },
    )
    entry = find(app, None)
    assert entry.module == "mysite.wsgi:application"
    assert "Django" in entry.reason


def test_syntax_errors_are_not_fatal(tmp_path):
    app = make(tmp_path, {"wsgi.py": "def broken(:\n", "server.py": "app = Flask(__name__)\n"})
    assert find(app, None).module == "server:app"


def test_nothing_found_falls_back_to_the_seed_app(tmp_path):
    entry = find(make(tmp_path, {"README": "hi"}), None)
    assert entry.module == "werkzeug.testapp:test_app"
    assert entry.is_fallback


# --- FLASK_APP, Django settings, and the scan of the top level -----------------

FACTORY = (
    "from flask import Flask\n\ndef create_app(test_config=None):\n    return Flask(__name__)\n"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("microblog.py", "microblog:app"),
        ("microblog", "microblog:app"),
        ("microblog:application", "microblog:application"),
        ("shop", "shop:create_app()"),
        ("shop:create_app()", "shop:create_app()"),
        ("shop:create_app('production')", "shop:create_app('production')"),
        ("shop/__init__.py", "shop:create_app()"),
    ],
)
def test_flask_app_forms(tmp_path, value, expected):
    app = make(
        tmp_path,
        {
            "microblog.py": "from shop import create_app\napp = create_app()\n",
            "shop/__init__.py": FACTORY,
        },
    )
    assert find(app, None, {"FLASK_APP": value}).module == expected


def test_flask_app_precedence_config_var_then_env_then_flaskenv(tmp_path):
    app = make(
        tmp_path,
        {
            "a.py": "app = 1\n",
            "b.py": "app = 1\n",
            "c.py": "app = 1\n",
            ".flaskenv": "# Flask settings\nFLASK_APP=c.py\nFLASK_DEBUG=1\n",
        },
    )
    entry = find(app, None)
    assert (entry.module, entry.reason) == (
        "c:app",
        "FLASK_APP=c.py in .flaskenv, which defines `app`",
    )
    (tmp_path / ".env").write_text('export FLASK_APP="b"\n')
    assert find(app, None).module == "b:app"
    assert find(app, None, {"FLASK_APP": "a"}).module == "a:app"
    assert find(app, "x:y", {"FLASK_APP": "a"}).module == "x:y"


def test_flask_app_naming_nothing_fails_the_build(tmp_path):
    app = make(tmp_path, {"web.py": "x = 1\n", ".flaskenv": "FLASK_APP=web\n"})
    with pytest.raises(BuildError, match="FLASK_APP"):
        find(app, None)


def test_flask_factory_package(tmp_path):
    app = make(tmp_path, {"flaskr/__init__.py": FACTORY, "flaskr/db.py": "", "tests/test_x.py": ""})
    entry = find(app, None)
    assert entry.module == "flaskr:create_app()"
    assert entry.reason == "flaskr/__init__.py defines the factory `create_app`"


def test_factory_with_required_arguments_is_not_called(tmp_path):
    app = make(tmp_path, {"svc.py": "def create_app(config):\n    pass\n"})
    with pytest.raises(BuildError):
        find(app, None)


def test_falcon_app_in_a_differently_named_module(tmp_path):
    app = make(
        tmp_path, {"helpers.py": "x = 1\n", "things_api.py": "import falcon\napp = falcon.App()\n"}
    )
    entry = find(app, None)
    assert entry.module == "things_api:app"
    assert entry.reason == "things_api.py defines `app = App(...)`"


def test_app_objects_win_over_factories(tmp_path):
    app = make(
        tmp_path, {"a.py": FACTORY, "b.py": "import bottle\napplication = bottle.Bottle()\n"}
    )
    assert find(app, None).module == "b:application"


def test_an_unknown_object_named_app_does_not_count(tmp_path):
    app = make(tmp_path, {"cli.py": "import typer\napp = typer.Typer()\n"})
    with pytest.raises(BuildError, match="No WSGI app found"):
        find(app, None)


def test_django_settings_only_in_manage_py(tmp_path):
    app = make(
        tmp_path,
        {
            "manage.py": "import os\n\ndef main():\n"
            "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings.production')\n",
            "conf/__init__.py": "",
            "conf/settings/__init__.py": "",
            "conf/settings/production.py": "WSGI_APPLICATION = 'server.wsgi.application'\n",
            "server/__init__.py": "",
            "server/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
            "application = get_wsgi_application()\n",
        },
    )
    entry = find(app, None)
    assert entry.module == "server.wsgi:application"
    assert entry.env == {"DJANGO_SETTINGS_MODULE": "conf.settings.production"}
    assert "manage.py sets DJANGO_SETTINGS_MODULE=conf.settings.production" in entry.reason


def test_no_python_files_keeps_the_demo_page(tmp_path):
    entry = find(make(tmp_path, {"requirements.txt": "werkzeug\n"}), None)
    assert entry.is_fallback


def test_a_web_process_not_running_uwsgi_ini_gets_no_demo_page_and_no_error(tmp_path):
    app = make(tmp_path, {"x.py": "y = 1\n"})
    assert find(app, None, served=False) is None


def test_the_error_says_what_was_searched_and_how_to_fix(tmp_path):
    with pytest.raises(BuildError) as error:
        find(make(tmp_path, {"tasks.py": "x = 1\n"}), None)
    assert "heroku config:set UWSGI_MODULE=" in error.value.body
    assert "FLASK_APP" in error.value.body
    assert "(no manage.py)" in error.value.body


# --- What the name is bound to: ASGI apps, Dash ---------------------------------


@pytest.mark.parametrize(
    ("files", "framework"),
    [
        ({"main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}, "FastAPI"),
        ({"main.py": "import fastapi\napp = fastapi.FastAPI(title='x')\n"}, "FastAPI"),
        ({"app.py": "from fastapi import FastAPI as F\napp: F = F()\n"}, "FastAPI"),
        (
            {"app.py": "from starlette.applications import Starlette\napp = Starlette()\n"},
            "Starlette",
        ),
        ({"app.py": "from quart import Quart\napp = Quart(__name__)\n"}, "Quart"),
        ({"app.py": "from litestar import Litestar\napp = Litestar([])\n"}, "Litestar"),
        ({"main.py": "from sanic import Sanic\napp = Sanic('x')\n"}, "Sanic"),
        ({"app.py": "import falcon.asgi\napp = falcon.asgi.App()\n"}, "Falcon (falcon.asgi)"),
        ({"app.py": "from falcon import asgi\napp = asgi.App()\n"}, "Falcon (falcon.asgi)"),
        (
            {"wsgi.py": "async def application(scope, receive, send):\n    pass\n"},
            "an async function",
        ),
        (
            {
                "wsgi.py": "from django.core.asgi import get_asgi_application\n"
                "application = get_asgi_application()\n"
            },
            "Django (get_asgi_application)",
        ),
        # The app made by a factory of the module, or imported from another module.
        (
            {
                "main.py": "from quart import Quart\n\ndef create_app():\n"
                "    app = Quart(__name__)\n    return app\n\napp = create_app()\n"
            },
            "Quart",
        ),
        (
            {
                "main.py": "from api.server import app\n",
                "api/__init__.py": "",
                "api/server.py": "from .factory import build\napp = build()\n",
                "api/factory.py": (
                    "from fastapi import FastAPI\n\ndef build():\n    return FastAPI()\n"
                ),
            },
            "FastAPI",
        ),
    ],
)
def test_an_asgi_app_is_refused_with_the_asgi_message(tmp_path, files, framework):
    app = make(tmp_path, files)
    with pytest.raises(BuildError) as error:
        find(app, None)
    assert error.value.code == "entrypoint::asgi"
    assert error.value.facts["framework"] == framework
    assert "uWSGI serves WSGI apps only" in error.value.body
    assert "web: uvicorn " in error.value.body


def test_an_asgi_app_is_found_but_not_refused_when_uwsgi_is_not_the_web_process(tmp_path):
    app = make(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    entry = find(app, None, served=False)
    assert entry is not None and entry.asgi
    assert (entry.module, entry.framework) == ("main:app", "FastAPI")
    assert entry.reason == "main.py defines `app`, made by FastAPI(...)"


def test_a_fastapi_package_with_no_root_module_is_refused_as_asgi_not_as_not_found(tmp_path):
    # tiangolo/full-stack-fastapi-template's backend: app/main.py, no wsgi.py.
    app = make(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI\nfrom app.core import settings\n"
            "app = FastAPI(title=settings.NAME)\n",
            "app/core.py": "NAME = 'x'\n",
            "tests/test_main.py": "",
        },
    )
    with pytest.raises(BuildError) as error:
        find(app, None)
    assert error.value.code == "entrypoint::asgi"
    assert error.value.facts["module"] == "app.main:app"


def test_a_django_project_whose_only_entry_is_asgi_py_is_refused(tmp_path):
    app = make(
        tmp_path,
        {
            "manage.py": "",
            "mysite/__init__.py": "",
            "mysite/settings.py": "",
            "mysite/asgi.py": "from django.core.asgi import get_asgi_application\n"
            "application = get_asgi_application()\n",
        },
    )
    with pytest.raises(BuildError) as error:
        find(app, None)
    assert error.value.facts["module"] == "mysite.asgi:application"


def test_django_channels_asgi_application_setting_is_refused(tmp_path):
    app = make(
        tmp_path,
        {
            "manage.py": (
                "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n"
            ),
            "site_/__init__.py": "",
            "site_/settings.py": "ASGI_APPLICATION = 'site_.asgi.application'\n",
            "site_/asgi.py": "from channels.routing import ProtocolTypeRouter\n"
            "application = ProtocolTypeRouter({})\n",
        },
    )
    with pytest.raises(BuildError) as error:
        find(app, None)
    assert error.value.facts["framework"] == "Django Channels"


def test_uwsgi_module_naming_an_asgi_app_is_refused(tmp_path):
    app = make(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    with pytest.raises(BuildError, match="ASGI"):
        find(app, "main:app")


def test_a_wsgi_app_wins_over_an_asgi_one_in_the_scan(tmp_path):
    app = make(
        tmp_path,
        {
            "api.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "web.py": "from flask import Flask\napp = Flask(__name__)\n",
        },
    )
    entry = find(app, None)
    assert entry.module == "web:app"
    assert "also found: api:app" in entry.reason


def test_falcon_wsgi_app_is_still_wsgi(tmp_path):
    app = make(tmp_path, {"svc.py": "import falcon\napp = falcon.App()\n"})
    assert find(app, None).module == "svc:app"


DASH = "import dash\n\napp = dash.Dash(__name__)\napp.layout = dash.html.Div('hi')\n"


def test_dash_is_served_through_its_server(tmp_path):
    app = make(tmp_path, {"app.py": DASH + "server = app.server\n"})
    entry = find(app, None)
    assert entry.module == "app:server"
    assert entry.reason == (
        "app.py defines `app`, a Dash app (`app = Dash(...)`), whose WSGI app is"
        " `server = app.server`"
    )


def test_dash_without_a_server_name_is_served_through_the_attribute(tmp_path):
    app = make(tmp_path, {"app.py": "from dash import Dash\napp = Dash(__name__)\n"})
    assert find(app, None).module == "app:app.server"


def test_dash_in_a_differently_named_module(tmp_path):
    app = make(tmp_path, {"dashboard.py": DASH + "server = app.server\n"})
    assert find(app, None).module == "dashboard:server"


def test_wsgi_py_importing_the_dash_server(tmp_path):
    app = make(
        tmp_path,
        {
            "dashboard.py": DASH + "server = app.server\n",
            "wsgi.py": "from dashboard import server as application\n",
        },
    )
    assert find(app, None).module == "wsgi:application"


def test_an_unknown_object_in_wsgi_py_is_still_served_for_the_boot_check(tmp_path):
    app = make(tmp_path, {"wsgi.py": "from somelib import make\napplication = make()\n"})
    assert find(app, None).module == "wsgi:application"


def test_an_asgi_factory_is_refused_with_uvicorn_s_factory_option(tmp_path):
    app = make(
        tmp_path,
        {"svc.py": "from fastapi import FastAPI\n\ndef create_app():\n    return FastAPI()\n"},
    )
    with pytest.raises(BuildError) as error:
        find(app, None)
    assert error.value.facts["module"] == "svc:create_app()"
    assert "web: uvicorn --factory svc:create_app --host 0.0.0.0 --port $PORT" in error.value.body


# --- The form of UWSGI_MODULE and FLASK_APP, at build time and at boot ----------

ACCEPTED = [
    "app:app",
    "app",
    "microblog.py",
    "src/app.py",
    "service.server:api",
    "app:app.server",
    "app:create_app()",
    "app:create_app('production')",
    'app:create_app("production", debug=True)',
    "app:create_app(1, -2, 0.5, None)",
    "werkzeug.testapp:test_app",
]
REFUSED = [
    "app:app\nattach-daemon = touch X",
    "app:a\rpp",
    "app:@(exec://touch X)",
    "@(exec://touch X)",
    "app:$(HOME)",
    "app:create_app('%(_)')",
    "app:create_app(os.system('x'))",
    "app:create_app(x)",
    "app:create_app(**k)",
    "app:a;b",
    "a:b:c",
    "../elsewhere.py",
    "/abs/app.py",
    "app:",
    "app app",
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_entry_points_of_the_accepted_forms(value):
    assert spec_problem(value) is None
    assert checked_spec("UWSGI_MODULE", f" {value} ") == value


@pytest.mark.parametrize("value", REFUSED)
def test_other_values_fail_the_build_naming_the_var(value):
    assert spec_problem(value) is not None
    with pytest.raises(BuildError) as caught:
        checked_spec("UWSGI_MODULE", value)
    assert caught.value.code == "config-var::invalid"
    assert caught.value.title == "The config var UWSGI_MODULE is not a WSGI entry point."
    assert "\n" not in caught.value.body.split("\n", 1)[0]
    assert "heroku config:set UWSGI_MODULE=myapp.wsgi:application" in caught.value.body


def test_flask_app_in_dotenv_of_another_form_names_the_file(tmp_path):
    app = make(tmp_path, {"app.py": "app = None\n", ".env": "FLASK_APP=app:$(HOME)\n"})
    with pytest.raises(BuildError) as caught:
        find(app, None)
    assert caught.value.title == "FLASK_APP in .env is not a WSGI entry point."
    assert "Correct that line of .env, for example:\n    FLASK_APP=" in caught.value.body


def test_flask_app_config_var_with_a_newline_fails(tmp_path):
    app = make(tmp_path, {"app.py": "app = None\n"})
    with pytest.raises(BuildError) as caught:
        find(app, None, {"FLASK_APP": "app:app\nattach-daemon = touch X"})
    assert caught.value.title == "The config var FLASK_APP is not a WSGI entry point."


def _boot_app(tmp_path: Path, value: str) -> tuple[str, str]:
    """(BP_UWSGI_APP, stderr) after .profile.d sourced with UWSGI_MODULE=value."""
    profile.write_profile_d(tmp_path)
    script = tmp_path / ".profile.d" / profile.PROFILE_NAME
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f'. "{script}"; echo "${{BP_UWSGI_APP-unset}}"'],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "UWSGI_MODULE": value},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.rstrip("\n"), done.stderr


@pytest.mark.parametrize("value", [v for v in ACCEPTED + REFUSED if "(x)" not in v])
def test_the_dyno_checks_uwsgi_module_as_the_build_does(tmp_path, value):
    # The profile's regular expression and SPEC_RE with its literal check agree
    # (a bare name as an argument is left to the wrapper's parse, see wsgi.py).
    assert "\0" not in value
    got, stderr = _boot_app(tmp_path, value)
    if spec_problem(value) is None:
        assert (got, stderr) == (value, "")
    else:
        assert got == "unset"
        assert stderr.startswith("uwsgi-buildpack: UWSGI_MODULE=")
        assert "is not a WSGI entry point" in stderr
        assert stderr.endswith("ignored, using the entry point the build chose\n")
        assert stderr.count("\n") == 1
