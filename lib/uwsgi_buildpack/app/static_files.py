"""Which URL prefixes uWSGI should serve from disk, without the app.

uWSGI's guide for Heroku: if you must serve static files from a dyno, let
uWSGI do it with offloading, so workers stay free for requests that need
Python. We find the usual places without importing the app:

- Django: `STATIC_URL` and `STATIC_ROOT` read from the settings module's
  source (the common spellings: a string, `BASE_DIR / "x"`,
  `os.path.join(BASE_DIR, "x")`, `Path(BASE_DIR, "x")`), mapped only when
  the directory exists in the slug (after collectstatic, or committed);
- Flask: a `static/` directory next to an app that imports flask, at `/static`.

`UWSGI_STATIC_MAP` (read at boot by the generated uwsgi.ini) adds more.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .. import app_files
from .entrypoint import ROOT_CANDIDATES, django_settings_files


@dataclass(frozen=True)
class StaticMapping:
    """`url` prefix served from `directory` (relative to the app root)."""

    url: str
    directory: str
    reason: str


def _assignments(path: Path) -> dict[str, ast.expr]:
    try:
        source = app_files.read_bytes(path)
        if source is None:
            return {}
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return {}
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            found[node.target.id] = node.value
    return found


def _path_value(node: ast.expr) -> str | None:
    """Evaluate the common ways of writing a path relative to BASE_DIR.

    Returns a path relative to the project root, or an absolute one. We do
    not run the settings module (it may need the database, secrets...), so
    anything fancier is left alone and the user can set UWSGI_STATIC_MAP.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in ("BASE_DIR", "PROJECT_ROOT", "ROOT_DIR"):
        return "."
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _path_value(node.left), _path_value(node.right)
        if left is not None and right is not None:
            return str(Path(left) / right)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("join", "Path", "PurePath") and node.args:
            parts = [_path_value(arg) for arg in node.args]
            if all(p is not None for p in parts):
                return str(Path(*parts))  # type: ignore[arg-type]
        if name == "str" and len(node.args) == 1:
            return _path_value(node.args[0])
    return None


def _django(build_dir: Path) -> list[StaticMapping]:
    mappings = []
    for settings in django_settings_files(build_dir):
        values = _assignments(settings)
        url_node, root_node = values.get("STATIC_URL"), values.get("STATIC_ROOT")
        if url_node is None or root_node is None:
            continue
        url = _path_value(url_node)
        root = _path_value(root_node)
        if not url or not root or "://" in url:
            continue
        url = "/" + url.strip("/")
        directory = (build_dir / root).resolve()
        if not directory.is_dir() or not directory.is_relative_to(build_dir.resolve()):
            continue
        relative = str(directory.relative_to(build_dir.resolve()))
        mappings.append(
            StaticMapping(url, relative, f"Django STATIC_ROOT of {settings.relative_to(build_dir)}")
        )
        break  # the settings module the app runs with, not every one found
    return mappings


def _flask(build_dir: Path) -> list[StaticMapping]:
    if not (build_dir / "static").is_dir():
        return []
    for filename, _ in ROOT_CANDIDATES:
        path = build_dir / filename
        if path.is_file() and b"flask" in (app_files.read_bytes(path) or b"").lower():
            return [StaticMapping("/static", "static", f"Flask static/ folder next to {filename}")]
    return []


def find(build_dir: Path) -> list[StaticMapping]:
    """Static mappings for the default uwsgi.ini."""
    return _django(build_dir) or _flask(build_dir)
