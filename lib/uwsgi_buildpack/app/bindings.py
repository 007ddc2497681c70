"""What a module-level name of the app is bound to, read from the source, never imported.

The entry-point search (entrypoint.py) must know more than that a module binds
`app`: uWSGI serves WSGI apps only, and an ASGI app (FastAPI, Starlette,
Quart, ...) bound to the same name fails every request with a TypeError, while
a Dash app is not a WSGI callable at all but carries one as its `server`. So
this module follows a name to what makes it, as far as the source shows:

- `app = FastAPI()`, `app = fastapi.FastAPI()`, `from fastapi import FastAPI as
  F; app = F()`: the call's name, resolved through the module's imports, is
  looked up in the tables below (the qualified name when the module imports
  it; the last part alone only where it is distinctive: `App` is Falcon's WSGI
  app in `falcon`, its ASGI app in `falcon.asgi`);
- `app = create_app()`, `app = factory.make()`: a function of the module (or of
  another module of the app) is read, and what its `return` statements give
  (a call, or a local name bound to one) decides;
- `from .main import app`, `app = other`: the name is followed to where it is
  bound, in the app's own modules;
- `server = app.server`: an attribute that is a framework object's WSGI app
  (Dash's `server`, a Flask app) is WSGI;
- `async def app(scope, receive, send)`: an ASGI app.

Anything else (a name bound to an object of an unknown library, a star import,
a value made at run time) is `UNKNOWN`: the search then decides as before, and
the slug's WSGI wrapper checks at boot what it loaded. Following stops after a
few steps, so a cycle of imports ends.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from .. import app_files

WSGI = "wsgi"
ASGI = "asgi"
# A framework object that is not a WSGI app but holds one (Dash's `server`).
HOLDER = "holder"
UNKNOWN = "unknown"

# Calls that make an ASGI app: qualified name -> the framework, as the log names it.
ASGI_CALLS = {
    "fastapi.FastAPI": "FastAPI",
    "fastapi.applications.FastAPI": "FastAPI",
    "starlette.applications.Starlette": "Starlette",
    "quart.Quart": "Quart",
    "quart.app.Quart": "Quart",
    "litestar.Litestar": "Litestar",
    "litestar.app.Litestar": "Litestar",
    "starlite.Starlite": "Starlite",
    "sanic.Sanic": "Sanic",
    "sanic.app.Sanic": "Sanic",
    "django.core.asgi.get_asgi_application": "Django (get_asgi_application)",
    "channels.routing.ProtocolTypeRouter": "Django Channels",
    "channels.routing.URLRouter": "Django Channels",
    "falcon.asgi.App": "Falcon (falcon.asgi)",
    "blacksheep.Application": "BlackSheep",
    "blacksheep.server.Application": "BlackSheep",
    "responder.API": "Responder",
    "socketio.ASGIApp": "python-socketio (ASGIApp)",
    "asgiref.wsgi.WsgiToAsgi": "asgiref's WsgiToAsgi",
    "connexion.AsyncApp": "Connexion (AsyncApp)",
}
# The last part of a call's name that means an ASGI app even when the source
# does not show where it comes from (a star import, a name defined elsewhere).
ASGI_NAMES = {
    "FastAPI": "FastAPI",
    "Starlette": "Starlette",
    "Quart": "Quart",
    "Litestar": "Litestar",
    "Starlite": "Starlite",
    "Sanic": "Sanic",
    "get_asgi_application": "Django (get_asgi_application)",
    "ProtocolTypeRouter": "Django Channels",
    "WsgiToAsgi": "asgiref's WsgiToAsgi",
}
# The last part of a call's name that makes a WSGI app. Deliberately narrow:
# any module may bind `app` to something else entirely.
WSGI_NAMES = {
    "Flask": "Flask",
    "App": "Falcon",  # falcon.App (falcon.asgi.App is in ASGI_CALLS)
    "API": "Falcon",  # falcon.API (Falcon 2)
    "Bottle": "Bottle",
    "default_app": "Bottle",  # bottle.default_app()
    "make_wsgi_app": "Pyramid",  # config.make_wsgi_app()
    "get_wsgi_application": "Django",
    "ASGIMiddleware": "a2wsgi",  # a2wsgi: an ASGI app made a WSGI one
    # An app factory whose source the build cannot read (another package):
    # taken as a WSGI app, as the search always has.
    "create_app": "an app factory",
    "make_app": "an app factory",
}
# Framework objects that hold their WSGI app in an attribute: call -> (framework, attribute).
HOLDER_CALLS = {
    "dash.Dash": ("Dash", "server"),
    "dash.dash.Dash": ("Dash", "server"),
}
HOLDER_NAMES = {"Dash": ("Dash", "server")}

# How many names, imports and returns are followed before giving up.
_DEPTH = 8


@dataclass(frozen=True)
class Binding:
    """What a name is bound to: its kind, the framework, and how the source says it.

    `attribute` is, for a HOLDER, the attribute that is its WSGI app
    (`server`); `shown` is what the log and messages quote (`FastAPI(...)`).
    """

    kind: str
    framework: str = ""
    attribute: str = ""
    shown: str = ""


_UNKNOWN = Binding(UNKNOWN)


@dataclass
class Module:
    """One module of the app, as its source shows it: imports, bindings, functions."""

    name: str  # dotted
    path: Path
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified
    values: dict[str, ast.expr] = field(default_factory=dict)  # the last module-level binding
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)


def parse(path: Path) -> ast.Module | None:
    """The module's syntax tree, or None when it cannot be read or parsed."""
    try:
        source = app_files.read_bytes(path)
        return None if source is None else ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return None


def module_file(build_dir: Path, module: str) -> Path | None:
    """The source file of a dotted module name under the app's directory."""
    if not module or not all(part.isidentifier() for part in module.split(".")):
        return None
    base = build_dir.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class Reader:
    """Reads the app's modules on demand (each once) and classifies their names."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self._modules: dict[str, Module | None] = {}

    def module(self, name: str) -> Module | None:
        """The app's module `name` (dotted), or None if the app has no such module."""
        if name not in self._modules:
            path = module_file(self.build_dir, name)
            tree = parse(path) if path else None
            self._modules[name] = None if tree is None or path is None else _read(name, path, tree)
        return self._modules[name]

    def name(self, module: str, name: str) -> Binding:
        """What `name` is bound to at the top level of the app's `module`."""
        found = self.module(module)
        if found is None:
            return _UNKNOWN
        return self._name(found, name, {}, _DEPTH)

    def call(self, module: str, name: str) -> Binding:
        """What calling the module's `name` (a factory: `create_app()`) returns."""
        found = self.module(module)
        if found is None:
            return _UNKNOWN
        function = found.functions.get(name)
        if function is None:
            return self._call_of(found, ast.Name(id=name), _DEPTH)
        return self._returns(found, function, _DEPTH)

    def attribute_named(self, module: str, holder: str, attribute: str) -> str | None:
        """A top-level name of `module` bound to `holder.attribute` (`server = app.server`)."""
        found = self.module(module)
        if found is None:
            return None
        for name, value in found.values.items():
            if (
                isinstance(value, ast.Attribute)
                and value.attr == attribute
                and isinstance(value.value, ast.Name)
                and value.value.id == holder
            ):
                return name
        return None

    # --- following names -------------------------------------------------------

    def _name(self, module: Module, name: str, local: dict[str, ast.expr], depth: int) -> Binding:
        if depth <= 0:
            return _UNKNOWN
        if name in local:
            return self._expr(module, local[name], {}, depth - 1)
        if name in module.values:
            return self._expr(module, module.values[name], {}, depth - 1)
        function = module.functions.get(name)
        if function is not None:
            if isinstance(function, ast.AsyncFunctionDef):
                return Binding(ASGI, "an async function", shown=f"async def {name}(...)")
            return Binding(UNKNOWN, shown=f"def {name}(...)")
        qualified = module.imports.get(name)
        if qualified is None:
            return _UNKNOWN
        # `from .main import app`: follow it into the app's module.
        source, _, attr = qualified.rpartition(".")
        if source and self.module(source) is not None:
            return self._name(self.module(source), attr, {}, depth - 1)  # type: ignore[arg-type]
        return _UNKNOWN

    def _expr(
        self, module: Module, node: ast.expr, local: dict[str, ast.expr], depth: int
    ) -> Binding:
        if depth <= 0:
            return _UNKNOWN
        if isinstance(node, ast.Name):
            return self._name(module, node.id, local, depth)
        if isinstance(node, ast.Call):
            return self._call_of(module, node.func, depth, local)
        if isinstance(node, ast.Attribute):
            owner = self._expr(module, node.value, local, depth - 1)
            if owner.kind == HOLDER and owner.attribute == node.attr:
                return Binding(WSGI, owner.framework, shown=f"{owner.shown}.{node.attr}")
        return _UNKNOWN

    def _call_of(
        self,
        module: Module,
        func: ast.expr,
        depth: int,
        local: dict[str, ast.expr] | None = None,
    ) -> Binding:
        local = local or {}
        qualified = _qualified(module, func)
        if qualified is None:
            return _UNKNOWN
        last = qualified.rpartition(".")[2]
        shown = f"{last}(...)"
        if qualified in ASGI_CALLS:
            return Binding(ASGI, ASGI_CALLS[qualified], shown=shown)
        if qualified in HOLDER_CALLS:
            framework, attribute = HOLDER_CALLS[qualified]
            return Binding(HOLDER, framework, attribute, shown)
        # A function of this module, or of another module of the app: what it returns.
        returned = _UNKNOWN
        source, _, attr = qualified.rpartition(".")
        other = self.module(source) if source and source != module.name else None
        if isinstance(func, ast.Name) and func.id in module.functions and func.id not in local:
            returned = self._returns(module, module.functions[func.id], depth - 1)
        elif other is not None and attr in other.functions:
            returned = self._returns(other, other.functions[attr], depth - 1)
        if returned.kind != UNKNOWN:
            return returned
        # Where the source does not show it, the name alone (distinctive ones only).
        if last in ASGI_NAMES:
            return Binding(ASGI, ASGI_NAMES[last], shown=shown)
        if last in HOLDER_NAMES:
            framework, attribute = HOLDER_NAMES[last]
            return Binding(HOLDER, framework, attribute, shown)
        if last in WSGI_NAMES:
            return Binding(WSGI, WSGI_NAMES[last], shown=shown)
        return _UNKNOWN

    def _returns(
        self, module: Module, function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int
    ) -> Binding:
        """What a factory returns: ASGI if any return is, else WSGI if any is, else UNKNOWN."""
        if depth <= 0:
            return _UNKNOWN
        local: dict[str, ast.expr] = {}
        returns: list[ast.expr] = []
        for node in _own_nodes(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        local[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is not None:
                    local[node.target.id] = node.value
            elif isinstance(node, ast.Return) and node.value is not None:
                returns.append(node.value)
        found = [self._expr(module, value, local, depth - 1) for value in returns]
        for kind in (ASGI, HOLDER, WSGI):
            for binding in found:
                if binding.kind == kind:
                    return binding
        return _UNKNOWN


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of a function's body, not those of the functions and classes inside it."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop(0)
        found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _qualified(module: Module, func: ast.expr) -> str | None:
    """The dotted name a call's function stands for: `fastapi.FastAPI` for `FastAPI` imported."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = module.imports.get(node.id, node.id)
    return ".".join([base, *parts])


def _read(name: str, path: Path, tree: ast.Module) -> Module:
    module = Module(name, path, is_package=path.name == "__init__.py")
    package = name if module.is_package else name.rpartition(".")[0]
    for node in tree.body:
        _read_statement(module, package, node)
    return module


def _read_statement(module: Module, package: str, node: ast.stmt) -> None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        module.functions[node.name] = node
        module.values.pop(node.name, None)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                module.values[target.id] = node.value
                module.functions.pop(target.id, None)
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        if node.value is not None:
            module.values[node.target.id] = node.value
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                module.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                module.imports[top] = top
    elif isinstance(node, ast.ImportFrom):
        source = _absolute(package, node.module or "", node.level)
        for alias in node.names:
            if alias.name != "*":
                module.imports[alias.asname or alias.name] = f"{source}.{alias.name}".lstrip(".")
    elif isinstance(node, ast.If):
        # `if TYPE_CHECKING:` / `try: import x except ImportError:` blocks
        # still bind names at the top level.
        for inner in node.body:
            _read_statement(module, package, inner)
    elif isinstance(node, ast.Try):
        for inner in node.body:
            _read_statement(module, package, inner)


def _absolute(package: str, module: str, level: int) -> str:
    """The absolute name of `from <level dots><module> import ...` inside `package`."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)
