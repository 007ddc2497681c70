"""Finding the app's WSGI callable without running any of its code.

The build must not import the app: importing runs arbitrary code that expects
config vars, databases and services the build does not have. Instead we read
the source with `ast` and look for a module-level name bound to the callable.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

FALLBACK_MODULE = "werkzeug.testapp:test_app"

# Root modules tried in order, with the callable names looked for in each.
ROOT_CANDIDATES = (
    ("wsgi.py", ("application", "app")),
    ("app.py", ("app", "application")),
    ("main.py", ("app", "application")),
)


@dataclass(frozen=True)
class EntryPoint:
    """A `module:callable` for uWSGI's `module` option, and why it was chosen."""

    module: str
    reason: str
    is_fallback: bool = False


def _bound_names(path: Path) -> set[str]:
    """Names bound at module level: assignments, defs, classes and imports."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
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


def django_projects(build_dir: Path) -> list[str]:
    """Top-level packages that look like a Django project (settings + wsgi.py)."""
    if not (build_dir / "manage.py").is_file():
        return []
    found = []
    for child in sorted(build_dir.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        wsgi = child / "wsgi.py"
        has_settings = (child / "settings.py").is_file() or (child / "settings").is_dir()
        if wsgi.is_file() and has_settings and "application" in _bound_names(wsgi):
            found.append(child.name)
    return found


def find(build_dir: Path, configured_module: str | None) -> EntryPoint:
    """The entry point for the default uwsgi.ini."""
    if configured_module:
        return EntryPoint(configured_module, "from the UWSGI_MODULE config var")
    for filename, callables in ROOT_CANDIDATES:
        path = build_dir / filename
        if not path.is_file():
            continue
        names = _bound_names(path)
        for name in callables:
            if name in names:
                module = filename[: -len(".py")]
                return EntryPoint(f"{module}:{name}", f"{filename} defines `{name}`")
    projects = django_projects(build_dir)
    if len(projects) == 1:
        project = projects[0]
        return EntryPoint(
            f"{project}.wsgi:application",
            f"Django project `{project}` (manage.py and {project}/wsgi.py)",
        )
    return EntryPoint(FALLBACK_MODULE, "no WSGI entry point found in the app", is_fallback=True)
