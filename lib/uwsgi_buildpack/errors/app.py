"""The app as committed: its config vars, a committed runtime or virtualenv, its entry point.

And the warning when no entry point is found and a demo app is served instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from .core import BuildError, Message, _coded, _visible

# --- Config vars and committed files ----------------------------------------


@_coded("config-var::unreadable")
def config_var_unreadable(name: str, kind: str) -> BuildError:
    """A config var file in ENV_DIR that cannot be read as UTF-8."""
    return BuildError(
        f"The config var {name} could not be read.",
        f"""\
Reading the config var {name} failed ({kind}). Config vars must be UTF-8
text. Set it again with:
    heroku config:set {name}=...""",
    )


@_coded("config-var::invalid")
def config_var_invalid(
    name: str, value: str, where: str, what: str, expected: str, example: str
) -> BuildError:
    """A config var (or a line of .env/.flaskenv, `where`) holds a value not of its form."""
    in_file = where.startswith(".")
    shown = f"{name} in {where}" if in_file else f"The config var {name}"
    fix = (
        f"Correct that line of {where}, for example:\n    {name}={example}"
        if in_file
        else f"Set it again, for example:\n    heroku config:set {name}={example}"
    )
    return BuildError(
        f"{shown} is not {what}.",
        f"""\
{name}={_visible(value)[:200]}

{name} must be {what}: {expected}.
The build stops rather than write the value into the app's uwsgi.ini or act
on it; nothing has been written or run. (A character shown above as
\N{REPLACEMENT CHARACTER} is a newline or another control character, often a paste accident.)

{fix}""",
    )


@_coded("app::file-not-regular")
def app_file_not_regular(name: str, kind: str) -> BuildError:
    """A file the build reads from the app is a FIFO, a device, a directory, ..."""
    return BuildError(
        f"The app's {name} is not a regular file.",
        f"""\
{_visible(name)[:200]} is {kind}. The build reads it, and reads regular
files only: reading a named pipe would wait for ever, and a device such as
/dev/zero never ends.

Commit {_visible(name)[:200]} as a plain file (or remove it), then push again.""",
    )


@_coded("app::file-too-large")
def app_file_too_large(name: str, size_mb: int, limit_mb: int) -> BuildError:
    """A file the build reads from the app is larger than the build reads."""
    return BuildError(
        f"The app's {name} is larger than {limit_mb} MB.",
        f"""\
{_visible(name)[:200]} holds more than {limit_mb} MB (at least {size_mb} MB).
The build reads it whole, and reads no file of the app larger than
{limit_mb} MB: no configuration, lock or source file is that large.

Check that the file is the one you meant to commit, then push again.""",
    )


@_coded("app::committed-runtime")
def committed_runtime(path: str) -> BuildError:
    """The app's repository contains .heroku/python."""
    return BuildError(
        f"The app contains a '{path}' directory.",
        f"""\
'{path}' is where the buildpack installs Python, but the app's source
already has one (probably committed by mistake).

Remove it from the repository and add it to .gitignore:
    git rm -r --cached {path}
    echo {path} >> .gitignore""",
    )


@_coded("app::committed-virtualenv")
def committed_virtualenv(name: str) -> BuildError:
    """A virtualenv directory committed with the app."""
    return BuildError(
        f"The app contains a virtual environment: '{name}/'.",
        f"""\
'{name}/pyvenv.cfg' shows that '{name}/' is a Python virtual environment. It
was made on another machine: its interpreter paths and compiled packages do
not work on Heroku, and it would shadow the packages the build installs.

Remove it from the repository and ignore it; list the packages you need in
requirements.txt instead:
    git rm -r --cached {name}
    echo {name}/ >> .gitignore""",
    )


# --- The WSGI entry point ---------------------------------------------------


@_coded("entrypoint::not-found")
def no_entry_point(django_notes: Sequence[str], scanned: Sequence[str]) -> BuildError:
    """The app has Python files, but nothing the build can serve."""
    details = "".join(f"\n     ({note})" for note in django_notes)
    shown = ", ".join(scanned[:8]) + (", ..." if len(scanned) > 8 else "")
    looked_at = f"\n     (read: {shown})" if scanned else "\n     (the app has no top-level module)"
    return BuildError(
        "No WSGI app found in your code.",
        f"""\
The app has Python files of its own but no uwsgi.ini, and the build found
nothing to serve. It looked, in this order, for:
  1. the UWSGI_MODULE config var (module:callable);
  2. FLASK_APP in the config vars, .env or .flaskenv;
  3. wsgi.py defining `application` or `app`, app.py or main.py defining `app`;
  4. a Django project: manage.py's DJANGO_SETTINGS_MODULE and that settings
     module's WSGI_APPLICATION;{details}
  5. a top-level module or package binding `app` or `application` to a Flask,
     Falcon, Bottle, Pyramid, Django or Dash app, or defining create_app() or
     make_app() callable without arguments.{looked_at}
(A Dash app is served through its Flask server, `server = app.server`.)

Rather than serve a demo page in place of your app, the build stops. Tell it
where the WSGI app is (module:callable, or module:factory() for an app
factory), then push again:
    heroku config:set UWSGI_MODULE=myapp.wsgi:application
or set FLASK_APP in .flaskenv, or commit a uwsgi.ini with a `module = ...`
line. uWSGI serves WSGI apps only: an ASGI app (FastAPI, Starlette, Quart,
Litestar, Sanic, a Django project's asgi.py) needs an ASGI server instead, in
the requirements and in a Procfile web line, such as
    web: uvicorn main:app --host 0.0.0.0 --port $PORT""",
    )


@_coded("entrypoint::flask-app-not-found")
def flask_app_not_found(value: str, where: str, module: str) -> BuildError:
    """FLASK_APP names a module with no app the build can find in it."""
    return BuildError(
        f"FLASK_APP names no app the build can find ({where}).",
        f"""\
{where}: FLASK_APP={_visible(value)[:200]}

The build looked for the module `{_visible(module)[:100]}` in the app's
directory, and in it for `app` or `application`, or a create_app() or
make_app() factory callable without arguments, and found none. (The build
reads the source and never imports it, so an app made under another name is
not seen.)

Name the app explicitly, as Flask accepts it:
    FLASK_APP={_visible(module)[:100]}:name_of_the_app
    FLASK_APP={_visible(module)[:100]}:create_app()
or set the entry point for uWSGI directly, which wins over FLASK_APP:
    heroku config:set UWSGI_MODULE={_visible(module)[:100]}:name_of_the_app""",
    )


# --- No entry point: the fallback app ---------------------------------------


@_coded("entrypoint::fallback")
def fallback_app_warning() -> Message:
    """No entry point found: the werkzeug test app is served instead."""
    return Message(
        "No WSGI app found; serving werkzeug's test app.",
        """\
The app has no uwsgi.ini, no UWSGI_MODULE config var, and no Python file that
defines a WSGI app, so the dyno will serve werkzeug.testapp:test_app, a demo
page (uWSGI's guide's example), instead of your app.

To serve your app, do one of:
  - set the entry point (module:callable):
        heroku config:set UWSGI_MODULE=myapp.wsgi:application
  - add a wsgi.py that defines `application`, or
  - commit a uwsgi.ini with a `module = ...` line.""",
    )


# --- Apps uWSGI cannot serve, and the Procfile's web process ------------------


@_coded("entrypoint::asgi")
def asgi_app(module: str, reason: str, framework: str) -> BuildError:
    """The entry point is an ASGI app, and the web process would serve it with uWSGI."""
    shown = _visible(module)[:200]
    # uvicorn calls a factory (`module:create_app()`) with --factory.
    factory, paren, _ = shown.partition("(")
    server = f"uvicorn --factory {factory}" if paren else f"uvicorn {shown}"
    return BuildError(
        f"{shown} is an ASGI app, which uWSGI cannot serve.",
        f"""\
The build found the app's entry point, {shown}
({_visible(reason)[:300]}).
It is a {framework} app: an ASGI app, called with (scope, receive, send).
uWSGI serves WSGI apps only, and the app's web process is uWSGI (there is no
Procfile web line, or it runs uwsgi.ini): every request would fail with a
TypeError, a 500 from uWSGI and a 503 from Heroku's router.

Serve it with an ASGI server. Add one to the app's requirements (uvicorn,
hypercorn, or gunicorn with uvicorn's workers) and give the app a Procfile
with its web process, for example:
    web: {server} --host 0.0.0.0 --port $PORT
Or, if the app also has a WSGI app (a Flask or Django one), point the build
at it instead:
    heroku config:set UWSGI_MODULE=module:wsgi_app""",
    )


@_coded("procfile::program-not-found")
def web_program_missing(program: str, command: str, package: str, is_path: bool) -> BuildError:
    """The Procfile's web process runs a program the dyno will not have."""
    shown = _visible(program)[:100]
    if is_path:
        where = f"`{shown}` is not a file of the app"
        fixes = f"""\
  - commit {shown} (an executable file), or correct the path in the
    Procfile;"""
    else:
        where = (
            f"`{shown}` is neither installed in the app's Python (.heroku/python/bin)\n"
            "nor a program the stack's run image has"
        )
        fixes = f"""\
  - add it to the app's requirements ({_visible(package)[:100]} in requirements.txt,
    or with your package manager), and push again;"""
    return BuildError(
        f"The Procfile's web process runs {shown}, which the dyno will not have.",
        f"""\
Procfile: web: {_visible(command)[:300]}

{where}, so the dyno would crash at boot with "{shown}: command not
found" (H10). (This buildpack installs uWSGI, not gunicorn or any other
server; the build checks the programs after bin/post_compile.)

Do one of:
{fixes}
  - remove the web line from the Procfile: the buildpack then serves the
    app's WSGI app with uWSGI (web: uwsgi uwsgi.ini).
If another buildpack provides {shown}, set that buildpack to run before this
one (heroku buildpacks:add --index 1 ...).""",
    )
