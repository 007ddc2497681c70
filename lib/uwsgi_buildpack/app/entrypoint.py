"""Finding the app's WSGI callable without running any of its code.

The build must not import the app: importing runs arbitrary code that expects
config vars, databases and services the build does not have. Instead we read
the source with `ast` and look for a module-level name bound to the callable,
and follow it (bindings.py) to what makes it: uWSGI serves WSGI apps only.

The places looked at, in order (the first that names an app wins, and the
build log says which and why):

1. the UWSGI_MODULE config var;
2. FLASK_APP, as `flask run` reads it: the config var, then `.env`, then
   `.flaskenv` (Flask loads .env over .flaskenv, and the environment over
   both). Its forms are Flask's: a module or a file, `module:name`,
   `module:factory()` with or without literal arguments; a module alone means
   its `app` or `application`, else its `create_app` or `make_app` factory;
3. wsgi.py, app.py, main.py defining `application` or `app`;
4. a Django project: the DJANGO_SETTINGS_MODULE manage.py sets, and the
   WSGI_APPLICATION of that settings module (or, failing that, a package
   with both settings and wsgi.py, the layout `startproject` writes);
5. a top-level module or package that binds `app` or `application` to a
   known framework's WSGI app (Flask, Falcon, Bottle, Pyramid, Django's
   get_wsgi_application, or a call to create_app/make_app), else one that
   defines a `create_app` or `make_app` factory callable without arguments.

Whatever names it, the app is then what the source binds it to:

- an ASGI app (FastAPI, Starlette, Quart, Litestar, Sanic, Django's
  get_asgi_application or a project whose only entry is asgi.py, ...) is
  never served as WSGI: uWSGI would call it with (environ, start_response)
  and every request would fail. With the default uwsgi.ini as the web
  process, the build fails and says how to serve it (an ASGI server in the
  Procfile); with a Procfile of its own, the build writes no uwsgi.ini;
- a Dash app is not a WSGI callable (Dash 2) but holds one: its `server`.
  The entry point is the module's `server = app.server` when it has one,
  else `module:app.server`.

Factories are served as `module:create_app()`: the slug's WSGI wrapper calls
them once per worker at boot, as uWSGI's own `module = pkg:create_app()` does.

An app with Python files of its own and none of the above fails the build: a
demo page in production would hide the mistake until someone visits the app.
An app with no Python files at all (uWSGI's guide's example, which is
nothing but requirements) still gets werkzeug's test page. Neither applies
when the web process does not run the default uwsgi.ini: nothing is served
from it then.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import app_files, errors
from . import bindings

FALLBACK_MODULE = "werkzeug.testapp:test_app"

# Root modules tried in order, with the callable names looked for in each.
ROOT_CANDIDATES = (
    ("wsgi.py", ("application", "app")),
    ("app.py", ("app", "application")),
    ("main.py", ("app", "application")),
)

# Names a WSGI app object is bound to, in the order Flask's discovery uses.
APP_NAMES = ("app", "application")
FACTORY_NAMES = ("create_app", "make_app")

# Files and directories that are not the app's own importable top level.
_NOT_APP_MODULES = frozenset({"setup.py", "manage.py", "conftest.py", "noxfile.py", "fabfile.py"})
_NOT_APP_DIRS = frozenset(
    {"node_modules", "venv", "env", "site-packages", "tests", "test", "docs", "migrations"}
)


@dataclass(frozen=True)
class EntryPoint:
    """A `module:callable` for the slug's WSGI wrapper, and why it was chosen.

    `env` holds variables the app needs at boot that the build found in its
    source (Django's DJANGO_SETTINGS_MODULE from manage.py); a config var of
    the same name wins. An entry point with `asgi` set is what the search
    found, but not something uWSGI can serve.
    """

    module: str
    reason: str
    is_fallback: bool = False
    env: dict[str, str] = field(default_factory=dict)
    # An ASGI app (`framework` says whose): never served by uWSGI.
    asgi: bool = False
    framework: str = ""


_parse = bindings.parse
_module_file = bindings.module_file


def _bound_names(path: Path) -> set[str]:
    """Names bound at module level: assignments, defs, classes and imports."""
    tree = _parse(path)
    if tree is None:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


def _factories(tree: ast.Module) -> list[str]:
    """Module-level create_app/make_app functions that can be called with no arguments."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in FACTORY_NAMES:
            args = node.args
            required = len(args.posonlyargs) + len(args.args) - len(args.defaults)
            required += sum(1 for d in args.kw_defaults if d is None)
            if required == 0:
                found.append(node.name)
    return found


# --- The form of an entry point -------------------------------------------------

# What UWSGI_MODULE and FLASK_APP may hold: a module (dotted identifiers) or a
# file path of the app (`microblog.py`, `src/app.py`), then optionally
# `:name`, `:name.attribute` or `:factory(literal arguments)`, as `flask run`
# and uWSGI's `module` option accept them. The value is written into the
# default uwsgi.ini and handed to the slug's WSGI wrapper, so nothing else
# passes: no newline (a second ini line), no `$`, `%` or `@` (uWSGI expands
# `$(VAR)`, `%(option)` and `@(file)` or `@(exec://cmd)` in option values), no
# parenthesis inside the arguments. dyno/profile.sh checks the same form at
# boot (test_entrypoint.py runs both on the same values).
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_IDENT}(?:\.{_IDENT})*"
_DIR = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_MODULE = rf"(?:{_DIR}/)*{_IDENT}(?:\.py)?|{_DOTTED}"
_ARGS = r"[A-Za-z0-9_ ,.'\"=+-]*"
SPEC_RE = re.compile(rf"(?:{_MODULE})(?::{_DOTTED}(?:\({_ARGS}\))?)?")
SPEC_EXPECTED = (
    "module:callable (myapp.wsgi:application), a module alone (myapp), a file of"
    " the app (microblog.py), or module:factory() with literal arguments"
    " (myapp:create_app('production')), of letters, digits and underscores"
)


def spec_problem(spec: str) -> str | None:
    """Why `spec` is not an entry point of the accepted form, or None when it is one."""
    if not SPEC_RE.fullmatch(spec):
        return "not of the form"
    _, _, attr = spec.partition(":")
    if "(" not in attr:
        return None
    try:
        call = ast.parse(attr, mode="eval").body
        if not isinstance(call, ast.Call) or any(kw.arg is None for kw in call.keywords):
            return "its arguments are not literals"
        for arg in [*call.args, *(keyword.value for keyword in call.keywords)]:
            ast.literal_eval(arg)
    except (SyntaxError, ValueError):
        return "its arguments are not literals"
    return None


def checked_spec(name: str, value: str, where: str = "config var") -> str:
    """`value` (stripped) when it is an entry point of the accepted form; else BuildError.

    `name` is the variable (UWSGI_MODULE, FLASK_APP), `where` says where it was
    set: "config var", or the file (`.env`, `.flaskenv`).
    """
    spec = value.strip()
    if spec_problem(spec) is None:
        return spec
    raise errors.config_var_invalid(
        name, value, where, "a WSGI entry point", SPEC_EXPECTED, "myapp.wsgi:application"
    )


# --- FLASK_APP ----------------------------------------------------------------


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env/.flaskenv file, as python-dotenv reads the common cases."""
    values: dict[str, str] = {}
    try:
        text = app_files.read_text(path, errors_="replace")
    except OSError:
        return values
    if text is None:
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if key.startswith("export "):
            key = key[len("export ") :].strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def flask_app_setting(build_dir: Path, config: Mapping[str, str]) -> tuple[str, str] | None:
    """(value, where) of FLASK_APP, in Flask's order of precedence; checked (BuildError)."""
    value = config.get("FLASK_APP", "").strip()
    if value:
        return checked_spec("FLASK_APP", value), "the FLASK_APP config var"
    for name in (".env", ".flaskenv"):
        value = read_dotenv(build_dir / name).get("FLASK_APP", "").strip()
        if value:
            return checked_spec("FLASK_APP", value, name), name
    return None


def _module_name_of_file(build_dir: Path, path_text: str) -> str:
    """Flask's prepare_import: a file path -> dotted module name (packages walked up)."""
    path = (build_dir / path_text).resolve()
    if path.suffix == ".py":
        path = path.with_suffix("")
    if path.name == "__init__":
        path = path.parent
    parts = [path.name]
    parent = path.parent
    while (parent / "__init__.py").is_file() and parent != build_dir.resolve():
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts)


def _from_flask_app(reader: bindings.Reader, value: str, where: str) -> EntryPoint:
    build_dir = reader.build_dir
    module, sep, attr = value.partition(":")
    module = module.strip()
    if module.endswith(".py") or "/" in module:
        module = _module_name_of_file(build_dir, module)
    shown = f"FLASK_APP={value} in {where}" if where.startswith(".") else f"{where}: {value}"
    if sep and attr.strip():
        return _classified(reader, module, attr.strip(), shown)
    path = _module_file(build_dir, module)
    tree = _parse(path) if path else None
    if tree is None:
        raise errors.flask_app_not_found(value, where, module)
    names = _bound_names(path) if path else set()
    for name in APP_NAMES:
        if name in names:
            return _classified(reader, module, name, f"{shown}, which defines `{name}`")
    for name in _factories(tree):
        return _classified(
            reader, module, f"{name}()", f"{shown}, which defines the factory `{name}`"
        )
    raise errors.flask_app_not_found(value, where, module)


# --- What the name is bound to ------------------------------------------------


def _classified(reader: bindings.Reader, module: str, attr: str, reason: str) -> EntryPoint:
    """The entry point `module:attr`, as what the source binds it to makes it.

    `attr` is a name, `name()` (a factory, with or without arguments) or a
    dotted attribute. An ASGI app comes back with `asgi` set; a framework
    object holding its WSGI app (Dash) as that app: the module's own name for
    it (`server = app.server`) when it has one, else `module:app.server`.
    """
    name, paren, _ = attr.partition("(")
    name = name.strip()
    if "." in name or not name.isidentifier():
        return EntryPoint(f"{module}:{attr}", reason)
    binding = reader.call(module, name) if paren else reader.name(module, name)
    if binding.kind == bindings.ASGI:
        made = f"{reason}, made by {binding.shown}"
        return EntryPoint(
            f"{module}:{attr}",
            reason if not binding.shown or binding.shown in reason else made,
            asgi=True,
            framework=binding.framework,
        )
    if binding.kind == bindings.HOLDER and not paren:
        holder = f"{name} = {binding.shown}" if binding.shown else name
        own = reader.attribute_named(module, name, binding.attribute)
        if own:
            return EntryPoint(
                f"{module}:{own}",
                f"{reason}, a {binding.framework} app (`{holder}`), whose WSGI app is"
                f" `{own} = {name}.{binding.attribute}`",
            )
        return EntryPoint(
            f"{module}:{name}.{binding.attribute}",
            f"{reason}, a {binding.framework} app (`{holder}`), whose WSGI app is"
            f" its `{binding.attribute}`",
        )
    return EntryPoint(f"{module}:{attr}", reason)


def _from_config_var(reader: bindings.Reader, spec: str) -> EntryPoint:
    """UWSGI_MODULE as given; an ASGI app it names in the app's source is marked so."""
    reason = "from the UWSGI_MODULE config var"
    module, _, attr = spec.partition(":")
    module = module.strip()
    if module.endswith(".py") or "/" in module or reader.module(module) is None:
        return EntryPoint(spec, reason)
    entry = _classified(reader, module, attr.strip() or "application", reason)
    if entry.asgi:
        return EntryPoint(spec, entry.reason, asgi=True, framework=entry.framework)
    # Served as given: the wrapper loads exactly what the config var says.
    return EntryPoint(spec, reason)


# --- Django -------------------------------------------------------------------


def _string_setdefault(tree: ast.Module, key: str) -> str | None:
    """The value of `os.environ.setdefault(KEY, "...")` anywhere in the module."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == key
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            return node.args[1].value
    return None


def _string_assignment(tree: ast.Module, name: str) -> str | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


def _django_from_manage_py(reader: bindings.Reader, notes: list[str]) -> EntryPoint | None:
    build_dir = reader.build_dir
    tree = _parse(build_dir / "manage.py")
    if tree is None:
        return None
    settings = _string_setdefault(tree, "DJANGO_SETTINGS_MODULE")
    if not settings:
        notes.append("manage.py sets no DJANGO_SETTINGS_MODULE")
        return None
    settings_file = _module_file(build_dir, settings)
    settings_tree = _parse(settings_file) if settings_file else None
    if settings_tree is None:
        notes.append(f"manage.py names the settings {settings}, not found in the app")
        return None
    where = f"Django project: manage.py sets DJANGO_SETTINGS_MODULE={settings}, whose"
    wsgi_app = _string_assignment(settings_tree, "WSGI_APPLICATION")
    asgi_app = _string_assignment(settings_tree, "ASGI_APPLICATION")
    if (not wsgi_app or "." not in wsgi_app) and asgi_app and "." in asgi_app:
        # A project served as ASGI only (Django Channels, async views).
        module, _, name = asgi_app.rpartition(".")
        if _module_file(build_dir, module) is not None:
            entry = _classified(reader, module, name, f"{where} ASGI_APPLICATION is {asgi_app}")
            return EntryPoint(
                entry.module,
                entry.reason,
                env={"DJANGO_SETTINGS_MODULE": settings},
                asgi=True,
                framework=entry.framework or "Django (ASGI_APPLICATION)",
            )
    if not wsgi_app or "." not in wsgi_app:
        notes.append(f"{settings_file.relative_to(build_dir)} sets no WSGI_APPLICATION")
        return None
    module, _, name = wsgi_app.rpartition(".")
    if _module_file(build_dir, module) is None:
        notes.append(f"WSGI_APPLICATION names {module}, not found in the app")
        return None
    entry = _classified(reader, module, name, f"{where} WSGI_APPLICATION is {wsgi_app}")
    return EntryPoint(
        entry.module,
        entry.reason,
        env={"DJANGO_SETTINGS_MODULE": settings},
        asgi=entry.asgi,
        framework=entry.framework,
    )


def django_settings_files(build_dir: Path) -> list[Path]:
    """The Django settings modules of the app: manage.py's first, then `<project>/settings.py`."""
    found: list[Path] = []
    tree = _parse(build_dir / "manage.py")
    settings = _string_setdefault(tree, "DJANGO_SETTINGS_MODULE") if tree else None
    path = _module_file(build_dir, settings) if settings else None
    if path:
        found.append(path)
    for project in django_projects(build_dir):
        path = build_dir / project / "settings.py"
        if path.is_file() and path not in found:
            found.append(path)
    return found


def django_projects(build_dir: Path, entry: str = "wsgi.py") -> list[str]:
    """Top-level packages that look like a Django project (settings + wsgi.py, or `entry`)."""
    if not (build_dir / "manage.py").is_file():
        return []
    found = []
    for child in sorted(build_dir.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        module = child / entry
        has_settings = (child / "settings.py").is_file() or (child / "settings").is_dir()
        if module.is_file() and has_settings and "application" in _bound_names(module):
            found.append(child.name)
    return found


def _django(reader: bindings.Reader, notes: list[str]) -> EntryPoint | None:
    """Step 4: manage.py's settings, else the one project with settings and wsgi.py (or asgi.py)."""
    entry = _django_from_manage_py(reader, notes)
    if entry:
        return entry
    projects = django_projects(reader.build_dir)
    if len(projects) == 1:
        project = projects[0]
        return _classified(
            reader,
            f"{project}.wsgi",
            "application",
            f"Django project `{project}` (manage.py and {project}/wsgi.py)",
        )
    asgi_projects = django_projects(reader.build_dir, "asgi.py")
    if not projects and len(asgi_projects) == 1:
        project = asgi_projects[0]
        entry = _classified(
            reader,
            f"{project}.asgi",
            "application",
            f"Django project `{project}` (manage.py and {project}/asgi.py, no wsgi.py)",
        )
        return EntryPoint(
            entry.module,
            entry.reason,
            asgi=True,
            framework=entry.framework or "Django (asgi.py)",
        )
    return None


# --- Any top-level module -------------------------------------------------------


def _top_level_modules(build_dir: Path) -> Iterator[tuple[str, Path]]:
    """(module name, source file) of the app's importable top level, sorted."""
    for child in sorted(build_dir.iterdir()):
        name = child.name
        if name.startswith((".", "_")) or name in _NOT_APP_MODULES or name in _NOT_APP_DIRS:
            continue
        if child.is_file() and name.endswith(".py") and not name.startswith("test_"):
            module = name[: -len(".py")]
            if module.isidentifier():
                yield module, child
        elif child.is_dir() and name.isidentifier() and (child / "__init__.py").is_file():
            yield name, child / "__init__.py"
            for sub in ("wsgi.py", "app.py", "main.py", "asgi.py"):
                if (child / sub).is_file():
                    yield f"{name}.{sub[: -len('.py')]}", child / sub


def _app_objects(reader: bindings.Reader, module: str, path: Path) -> Iterator[EntryPoint]:
    """Step 5 in one module: `app`/`application` bound to a framework's app (WSGI or not)."""
    found = reader.module(module)
    if found is None:
        return
    shown = path.relative_to(reader.build_dir)
    for name in APP_NAMES:
        if name not in found.values and name not in found.imports and name not in found.functions:
            continue
        binding = reader.name(module, name)
        if binding.kind == bindings.UNKNOWN:
            continue
        what = f"`{name} = {binding.shown}`" if binding.shown else f"`{name}`"
        yield _classified(reader, module, name, f"{shown} defines {what}")


def _scan(reader: bindings.Reader) -> tuple[EntryPoint | None, list[str]]:
    """Step 5: a WSGI app object anywhere at the top level, else an ASGI one, else a factory."""
    objects: list[EntryPoint] = []
    asgi: list[EntryPoint] = []
    factories: list[EntryPoint] = []
    for module, path in _top_level_modules(reader.build_dir):
        tree = _parse(path)
        if tree is None:
            continue
        for entry in _app_objects(reader, module, path):
            (asgi if entry.asgi else objects).append(entry)
        shown = path.relative_to(reader.build_dir)
        for name in _factories(tree):
            entry = _classified(
                reader, module, f"{name}()", f"{shown} defines the factory `{name}`"
            )
            (asgi if entry.asgi else factories).append(entry)
    # An ASGI app wins over a factory that may make anything, never over a
    # WSGI app: that one uWSGI can serve.
    found = objects or asgi or factories
    if not found:
        return None, []
    others = [entry.module for entry in [*objects, *asgi, *factories] if entry is not found[0]]
    return found[0], others


# --- All together ---------------------------------------------------------------


def has_own_python(build_dir: Path) -> bool:
    """Whether the app has any .py file of its own (hidden and vendored directories aside)."""
    for _root, dirs, files in os.walk(build_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _NOT_APP_DIRS]
        if any(name.endswith(".py") for name in files):
            return True
    return False


def _search(
    reader: bindings.Reader, configured_module: str | None, config: Mapping[str, str]
) -> tuple[EntryPoint | None, list[str]]:
    """The first entry point of the five places (ASGI ones included), and Django's notes."""
    build_dir = reader.build_dir
    if configured_module:
        return _from_config_var(reader, configured_module), []
    flask_app = flask_app_setting(build_dir, config)
    if flask_app:
        return _from_flask_app(reader, *flask_app), []
    for filename, callables in ROOT_CANDIDATES:
        path = build_dir / filename
        if not path.is_file():
            continue
        names = _bound_names(path)
        for name in callables:
            if name in names:
                module = filename[: -len(".py")]
                return _classified(reader, module, name, f"{filename} defines `{name}`"), []
    notes: list[str] = []
    if (build_dir / "manage.py").is_file():
        entry = _django(reader, notes)
        if entry:
            return entry, notes
    else:
        notes.append("no manage.py")
    entry, others = _scan(reader)
    if entry and others:
        entry = EntryPoint(
            entry.module,
            f"{entry.reason}; also found: {', '.join(others)}",
            env=entry.env,
            asgi=entry.asgi,
            framework=entry.framework,
        )
    return entry, notes


def find(
    build_dir: Path,
    configured_module: str | None,
    config: Mapping[str, str] | None = None,
    *,
    served: bool = True,
) -> EntryPoint | None:
    """The entry point for the default uwsgi.ini (see the module docstring for the order).

    `served`: the web process runs the default uwsgi.ini. Then an ASGI app,
    or no app in an app with Python files of its own, raises BuildError, and
    an app without Python files gets the fallback page. Otherwise what the
    search found comes back as it is (an ASGI one marked so), and None when
    it found nothing.
    """
    reader = bindings.Reader(build_dir)
    entry, notes = _search(reader, configured_module, config or {})
    if entry is not None:
        if entry.asgi and served:
            raise errors.asgi_app(entry.module, entry.reason, entry.framework)
        return entry
    if not served:
        return None
    if has_own_python(build_dir):
        scanned = [str(path.relative_to(build_dir)) for _, path in _top_level_modules(build_dir)]
        raise errors.no_entry_point(notes, scanned)
    return EntryPoint(FALLBACK_MODULE, "no WSGI entry point found in the app", is_fallback=True)
