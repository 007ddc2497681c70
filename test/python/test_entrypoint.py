"""Specification of how the default uwsgi.ini finds the app's WSGI callable."""

from pathlib import Path

from uwsgi_buildpack.entrypoint import FALLBACK_MODULE, find


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
    assert find(app, None).is_fallback


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
    app = make(tmp_path, {"wsgi.py": "def broken(:\n"})
    assert find(app, None).module == FALLBACK_MODULE


def test_nothing_found_falls_back_to_the_seed_app(tmp_path):
    entry = find(make(tmp_path, {"README": "hi"}), None)
    assert entry.module == "werkzeug.testapp:test_app"
    assert entry.is_fallback
