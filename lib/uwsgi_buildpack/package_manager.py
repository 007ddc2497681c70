"""Which package manager's files decide what the app gets installed.

Python has four common ways to pin an app's packages: pip's requirements.txt
(with pip-tools' requirements.in), Pipenv's Pipfile.lock, Poetry's
poetry.lock and uv's uv.lock. Heroku's own Python buildpack installs each of
them with its own tool, and users move apps between buildpacks, so a lock
must never be silently ignored: an app whose uv.lock pins six 1.16.0 would
otherwise get whatever pip-compile picks today, and a Pipfile-only app would
build "successfully" with none of its packages.

Exactly one manager decides. Files of two managers at once are refused, as
the official buildpack refuses them: the build cannot know which of the two
the developer keeps up to date, and guessing deploys something else than was
tested. A project file that names a manager but has no lock is refused with
the command that makes the lock.

This module reads file names and, for pyproject.toml, its table headers; it
installs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import errors, pipfile_lock

PIP, PIPENV, POETRY, UV = "pip", "pipenv", "poetry", "uv"

# Each manager's files, in the order messages name them. A Pipfile counts as
# Pipenv's even without its lock: next to a requirements.txt it is as
# ambiguous as the lock itself.
MANAGER_FILES: dict[str, tuple[str, ...]] = {
    PIP: ("requirements.txt", "requirements.in"),
    PIPENV: ("Pipfile.lock", "Pipfile"),
    POETRY: ("poetry.lock",),
    UV: ("uv.lock",),
}

LOCK_FILES = {PIPENV: "Pipfile.lock", POETRY: "poetry.lock", UV: "uv.lock"}

# A `[tool.poetry]` / `[tool.uv]` table header, or one of their sub-tables
# (`[tool.poetry.dependencies]`, `[[tool.uv.index]]`). Read with a pattern,
# not tomllib: the helper also runs on Python 3.10, which has no TOML parser.
_TOOL_TABLE_RE = re.compile(r"^\s*\[\[?\s*tool\s*\.\s*\"?(poetry|uv)\"?\s*[.\]]", re.MULTILINE)


@dataclass(frozen=True)
class Manager:
    """The package manager that decides, and its lock (None for pip)."""

    name: str  # PIP, PIPENV, POETRY, UV, or "none"
    lock: str | None


def present_files(build_dir: Path) -> dict[str, list[str]]:
    """Each manager that has files in the app, with those files."""
    found: dict[str, list[str]] = {}
    for manager, names in MANAGER_FILES.items():
        present = [name for name in names if (build_dir / name).is_file()]
        if present:
            found[manager] = present
    return found


def tool_tables(pyproject: Path) -> list[str]:
    """The managers among Poetry and uv that pyproject.toml has a `[tool.X]` table for."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = {match.group(1) for match in _TOOL_TABLE_RE.finditer(text)}
    return [name for name in (POETRY, UV) if name in found]


def decide(build_dir: Path) -> Manager:
    """The one manager whose files decide; raise BuildError when that is ambiguous.

    Refused: files of two managers, a Pipfile without its lock, a
    pyproject.toml with Poetry's or uv's tables but no lock (and nothing
    else to install from), and a Pipfile.lock older than its Pipfile.
    """
    found = present_files(build_dir)
    if len(found) > 1:
        raise errors.multiple_package_managers(found)
    if PIPENV in found and "Pipfile.lock" not in found[PIPENV]:
        raise errors.pipfile_not_locked()
    if not found:
        tables = tool_tables(build_dir / "pyproject.toml")
        if tables:
            raise errors.project_not_locked(tables[0], LOCK_FILES[tables[0]])
        return Manager("none", None)
    (name,) = found
    if name == PIPENV:
        # A lock older than its Pipfile: refused now, before any download.
        pipfile_lock.check_current(build_dir, pipfile_lock.load(build_dir))
    return Manager(name, LOCK_FILES.get(name))
