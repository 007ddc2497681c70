"""Which package manager's files decide what the app gets installed: decided once.

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

`decide` runs once, before anything is downloaded, and its `Dependencies`
is passed down to every step that installs; only a `bin/pre_compile` hook,
which may add or remove files, makes the build decide again. Each manager
is one record (`MANAGERS`): its files, its lock, the commands that make and
re-hash the lock. No other module spells those file names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import app_files, errors
from . import pipenv as pipfile_lock
from . import requirements, toml


@dataclass(frozen=True)
class PackageManager:
    """One package manager: the files that say the app uses it, and its lock's commands."""

    name: str  # "pip", "pipenv", "poetry", "uv": stable, in facts and the build report
    label: str  # how messages name it
    files: tuple[str, ...]  # the files that mean this manager, in the order messages name them
    lock: str | None  # the lock the build installs from (None: pip's requirements files)
    project: str | None  # the file the lock is made from, checked against it
    lock_command: str  # makes the lock again
    rehash_command: str  # makes the lock's hashes again
    # The pyproject.toml table that says a project uses it ([tool.poetry], [tool.uv]).
    tool_table: str | None = None


PIP = PackageManager(
    "pip",
    "pip",
    (requirements.TXT, requirements.IN),
    None,
    None,
    "pip-compile requirements.in",
    "pip-compile --generate-hashes requirements.in",
)
# A Pipfile counts as Pipenv's even without its lock: next to a
# requirements.txt it is as ambiguous as the lock itself.
PIPENV = PackageManager(
    "pipenv",
    "Pipenv",
    ("Pipfile.lock", "Pipfile"),
    "Pipfile.lock",
    "Pipfile",
    "pipenv lock",
    "pipenv lock",
)
POETRY = PackageManager(
    "poetry",
    "Poetry",
    ("poetry.lock",),
    "poetry.lock",
    "pyproject.toml",
    "poetry lock",
    "poetry lock",
    tool_table="poetry",
)
UV = PackageManager(
    "uv",
    "uv",
    ("uv.lock",),
    "uv.lock",
    "pyproject.toml",
    "uv lock",
    "uv lock --refresh",
    tool_table="uv",
)
MANAGERS = (PIP, PIPENV, POETRY, UV)


@dataclass(frozen=True)
class Dependencies:
    """What decides the app's packages, decided once (`decide`) and passed down.

    `manager` is None for an app without any manager's files: a plain project
    (pyproject.toml or setup.py, installed with `pip install .`) or nothing.
    """

    manager: PackageManager | None
    inputs: requirements.Inputs
    # The project itself is installed after its dependencies (`pip install .`).
    installs_project: bool = False
    # Pipfile.lock's JSON, parsed and checked against the Pipfile once.
    pipfile_lock: dict[str, Any] | None = None
    pipfile_checked: bool = False
    # Why the decision was made again (bin/pre_compile ran), for the log.
    redecided_because: str | None = None
    # pyproject.toml's [project] requires-python, as written, where the
    # project's file decides the install (no manager, uv, Poetry): the
    # Python step checks the version against it.
    requires_python: str | None = None


def present_files(build_dir: Path) -> dict[PackageManager, list[str]]:
    """Each manager that has files in the app, with those files."""
    found: dict[PackageManager, list[str]] = {}
    for manager in MANAGERS:
        present = [name for name in manager.files if app_files.present(build_dir / name)]
        if present:
            found[manager] = present
    return found


def read_pyproject(build_dir: Path) -> dict[str, Any] | None:
    """pyproject.toml's tables, or None without one; BuildError when it cannot be read."""
    path = build_dir / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        return toml.load(path)
    except toml.Unreadable as exc:
        raise errors.pyproject_unreadable(exc.problem, exc.supported) from None


def requires_python(pyproject: dict[str, Any] | None) -> str | None:
    """`[project] requires-python`, or None; BuildError when it is not a string."""
    project = toml.table(pyproject, "project") if pyproject is not None else None
    value = project.get("requires-python") if project is not None else None
    if value is None or isinstance(value, str):
        return value
    raise errors.requires_python_invalid(str(value), "it is not a string")


def tool_tables(pyproject: dict[str, Any] | None) -> list[PackageManager]:
    """The managers among Poetry and uv that pyproject.toml has a `[tool.X]` table for."""
    if pyproject is None:
        return []
    return [
        m
        for m in MANAGERS
        if m.tool_table and toml.table(pyproject, "tool", m.tool_table) is not None
    ]


def installs_project(manager: PackageManager, pyproject: dict[str, Any] | None) -> bool:
    """Whether Poetry or uv would install the project itself, not only its dependencies.

    uv does unless `[tool.uv] package = false`, Poetry unless `[tool.poetry]
    package-mode = false`, and either only with a `[build-system]` (without
    one, `pip install .` falls back to setuptools' legacy build, which knows
    nothing of their layouts). The flags count only in their own table.
    """
    if manager.tool_table is None or pyproject is None:
        return False
    if toml.table(pyproject, "build-system") is None:
        return False
    settings = toml.table(pyproject, "tool", manager.tool_table) or {}
    flag = "package" if manager is UV else "package-mode"
    return settings.get(flag, True) is not False


def decide(
    build_dir: Path, *, include_test: bool = False, redecided_because: str | None = None
) -> Dependencies:
    """The one manager whose files decide, and their inputs; BuildError when ambiguous.

    Refused: files of two managers, a Pipfile without its lock, a
    pyproject.toml with Poetry's or uv's tables but no lock (and nothing
    else to install from), and a Pipfile.lock older than its Pipfile.
    `include_test` adds requirements-test.txt (Heroku CI). The parsed
    Pipfile.lock and pyproject.toml's requires-python go with the decision:
    the Python step reads the app's version from them.
    """
    found = present_files(build_dir)
    if len(found) > 1:
        raise errors.multiple_package_managers(list(found.items()))
    if PIPENV in found and PIPENV.lock not in found[PIPENV]:
        raise errors.pipfile_not_locked()
    manager = next(iter(found), None)
    pyproject = None
    if manager is None or manager.tool_table is not None:
        pyproject = read_pyproject(build_dir)
    if manager is None:
        tables = tool_tables(pyproject)
        if tables:
            raise errors.project_not_locked(tables[0])
    lock_data, checked = None, False
    if manager is PIPENV:
        # A lock older than its Pipfile: refused now, before any download.
        lock_data = pipfile_lock.load(build_dir / (PIPENV.lock or ""))
        checked = pipfile_lock.check_current(build_dir / (PIPENV.project or ""), lock_data)
    kind, names = _main_files(manager, build_dir)
    inputs = requirements.find(
        build_dir,
        kind,
        names,
        exported_lock=manager is not None and manager.lock is not None,
        include_test=include_test,
    )
    return Dependencies(
        manager=manager,
        inputs=inputs,
        installs_project=(
            kind == "project" if manager is None else installs_project(manager, pyproject)
        ),
        pipfile_lock=lock_data,
        pipfile_checked=checked,
        redecided_because=redecided_because,
        requires_python=requires_python(pyproject),
    )


def _main_files(manager: PackageManager | None, build_dir: Path) -> tuple[str, tuple[str, ...]]:
    """The file the user edits (or "project", "none"), and the files to read."""
    if manager is not None and manager.lock is not None:
        return manager.lock, (manager.lock, manager.project or "")
    if manager is PIP:
        if (build_dir / requirements.TXT).is_file():
            return requirements.TXT, (requirements.TXT, requirements.IN)
        return requirements.IN, (requirements.IN,)
    if any((build_dir / name).is_file() for name in ("pyproject.toml", "setup.py")):
        return "project", requirements.PROJECT_FILES
    return "none", ()


def locked_names(build_dir: Path, manager: PackageManager) -> frozenset[str] | None:
    """The (normalized) names of every package the manager's lock records; None if unknown.

    For telling a lock that lacks a package from an export of it that
    dropped one. poetry.lock and uv.lock are TOML with a `[[package]]` array,
    Pipfile.lock JSON with its `default` and `develop` tables; a lock this
    Python cannot read (or pip's requirements files, which are not a
    manager's lock) gives None.
    """
    if manager.lock is None:
        return None
    path = build_dir / manager.lock
    if manager is PIPENV:
        try:
            data = pipfile_lock.load(path)
        except errors.BuildError:
            return None
        names = [*data.get("default", {}), *data.get("develop", {})]
    else:
        try:
            document = toml.load(path)
        except toml.Unreadable:
            return None
        packages = document.get("package", [])
        if not isinstance(packages, list):
            return None
        names = [p.get("name", "") for p in packages if isinstance(p, dict)]
    return frozenset(requirements.normalise(name) for name in names if isinstance(name, str))
