"""The one way the helper reads TOML (Pipfile, pyproject.toml).

tomllib where the build image's python3 has it (3.11 and later), else the
small tested reader of `toml_subset` (Python 3.10, heroku-22's python3). Both
give the same values for what the subset reads (the tests compare them); what
the subset does not read is refused by name, never guessed. A document that is
not TOML at all is refused the same way on every Python.

Every reader of a TOML file in the helper goes through `load`, so there is
one policy for which TOML is understood, and no regular expression reads a
TOML file (a pattern cannot tell which table a `package = false` is in).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import app_files
from . import toml_subset

try:
    import tomllib as _tomllib
except ImportError:  # Python 3.10
    _tomllib = None  # type: ignore[assignment]


class Unreadable(ValueError):
    """The file is not TOML, or uses TOML this Python cannot read (`supported` is False)."""

    def __init__(self, problem: str, *, supported: bool = True) -> None:
        super().__init__(problem)
        self.problem = problem
        self.supported = supported


def loads(text: str) -> dict[str, Any]:
    """The document's tables and values, as tomllib gives them; raise Unreadable."""
    if _tomllib is not None:
        try:
            return _tomllib.loads(text)
        except _tomllib.TOMLDecodeError as exc:
            raise Unreadable(str(exc)) from None
    try:
        return toml_subset.loads(text)
    except toml_subset.Unsupported as exc:
        raise Unreadable(str(exc), supported=False) from None


def load(path: Path) -> dict[str, Any]:
    """`loads` of a file read as UTF-8 (a byte that is not UTF-8 is Unreadable)."""
    try:
        text = app_files.read_text(path)
        if text is None:
            raise FileNotFoundError(2, "No such file or directory")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"it is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise Unreadable(exc.strerror or str(exc)) from None
    return loads(text)


def table(document: dict[str, Any], *path: str) -> dict[str, Any] | None:
    """The table at `path` (`table(doc, "tool", "uv")`), or None if it is absent or not one."""
    current: Any = document
    for part in path:
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current if isinstance(current, dict) else None
