"""Each module of the helper imports on its own: no import cycle hides anywhere."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"
PACKAGE = LIB / "uwsgi_buildpack"
MODULES = sorted(
    ".".join(path.relative_to(LIB).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
)


@pytest.mark.parametrize("module", MODULES)
def test_the_module_imports_first_in_a_fresh_interpreter(module):
    # A cycle shows up as an ImportError (or AttributeError on a half-made
    # module) only when the module is the first of the cycle to be imported.
    env = {**os.environ, "PYTHONPATH": str(LIB)}
    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def _imports_the_buildpack(node: ast.AST) -> bool:
    """`import uwsgi_buildpack...`, `from uwsgi_buildpack... import`, or `from .. import`."""
    if isinstance(node, ast.Import):
        return any("uwsgi_buildpack" in alias.name for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        # `from . import core` or `from .core import x`: its own submodules only.
        return node.level > 1 or (node.level == 0 and "uwsgi_buildpack" in (node.module or ""))
    return False


@pytest.mark.parametrize("path", sorted((PACKAGE / "errors").glob("*.py")), ids=lambda p: p.name)
def test_errors_imports_no_module_of_the_buildpack(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert [n for n in ast.walk(tree) if _imports_the_buildpack(n)] == []
