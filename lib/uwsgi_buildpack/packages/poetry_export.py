"""poetry.lock's main group as a hash-pinned requirements file, run by Poetry's own code.

Not a module of the build helper: the helper runs this file with the app's
Python, Poetry's directory of the build cache first on `sys.path`
(`python -I poetry_export.py POETRY_DIR OUTPUT`, from the project's
directory), so that it imports Poetry, which the helper never does. One
Poetry start-up does all of it:

- a lock older than pyproject.toml is refused, with the message Poetry
  itself prints (`poetry export`, `poetry install` and `poetry check --lock`
  make the same content-hash check);
- a lock of lock-version 2.1 or later (Poetry 2) records each package's groups
  and markers: `poetry export --only main --format requirements.txt`
  (poetry-plugin-export) writes them as they are, in process;
- an older lock (lock-version 2.0 and before: Poetry 1.x, most of the locks
  users have) records neither. poetry-plugin-export then walks the dependency
  tree itself, and drops packages on the way: with Poetry 2.5.1 and the
  plugin 1.10.1, an optional dependency whose version constraint Poetry 1.8
  wrote in another spelling than its extra's (uvicorn[standard]'s uvloop:
  `>=0.14.0,<0.15.0 || >0.15.0,<0.15.1 || >0.15.1` against
  `>=0.14.0,!=0.15.0,!=0.15.1`) is taken as an extra nobody asked for. pip's
  hash-checking mode then refuses the install for a requirement it was not
  given. `poetry install` never walks such a lock: it resolves again, from the
  lock's packages alone (no index), for the environment it installs into
  (Installer._do_install, "re-resolve"). This does the same, for the app's
  Python (the dyno's), and writes each package the resolution installs as
  `name==version` with every hash the lock records. Nothing is chosen that the
  lock does not pin, and nothing is read from an index.

Exit status 0 with OUTPUT written; otherwise non-zero with Poetry's message
on stderr. The first line on stdout says which way the lock was read.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Poetry's words for a lock older than pyproject.toml (poetry.py matches them).
OUTDATED = (
    "pyproject.toml changed significantly since poetry.lock was last generated."
    " Run `poetry lock` to fix the lock file."
)
# Sources a requirement line names by URL (pip's hash-checking mode refuses them).
_DIRECT = frozenset({"file", "directory", "url", "git", "hg", "bzr", "svn"})


def main(argv: list[str]) -> int:
    """Export the main group of the lock in the current directory to argv[2]."""
    tool_dir, output = argv[1], Path(argv[2])
    sys.path.insert(0, tool_dir)
    from poetry.factory import Factory

    poetry = Factory().create_poetry(Path.cwd())
    locker = poetry.locker
    version = str(locker.lock_data.get("metadata", {}).get("lock-version", "?"))
    if not locker.is_fresh():
        print(OUTDATED, file=sys.stderr)
        return 1
    if locker.is_locked_groups_and_markers():
        print(f"lock-version {version}: exported with its markers")
        sys.stdout.flush()
        from poetry.console.application import main as poetry_main

        sys.argv = ["poetry", "export", "--only", "main", "--format", "requirements.txt"]
        sys.argv += ["--output", str(output)]
        return poetry_main()
    lines = _resolved(poetry)
    output.write_text("".join(lines), encoding="utf-8")
    print(f"lock-version {version}: resolved from the lock for this Python")
    return 0


def _resolved(poetry: object) -> list[str]:
    """The lines of the main group, resolved from the lock alone for this Python."""
    from cleo.io.null_io import NullIO
    from poetry.puzzle.solver import Solver
    from poetry.repositories.repository_pool import RepositoryPool
    from poetry.utils.env import SystemEnv

    locked = poetry.locker.locked_repository()  # type: ignore[attr-defined]
    root = poetry.package.with_dependency_groups(["main"], only=True)  # type: ignore[attr-defined]
    pool = RepositoryPool.from_packages(locked.packages, poetry.config)  # type: ignore[attr-defined]
    solver = Solver(root, pool, [], locked.packages, NullIO())
    # Everything is pinned by the lock: no VCS, URL or path dependency is read again.
    solver.provider.load_deferred(False)
    with solver.use_environment(SystemEnv(Path(sys.prefix))):
        operations = solver.solve().calculate_operations(with_uninstalls=False)
    lines = []
    for operation in sorted(operations, key=lambda op: op.package.name):
        package = operation.package
        if package.source_type in _DIRECT:
            requirement = package.to_dependency().to_pep_508(with_extras=False, resolved=True)
            line = requirement.split(";", 1)[0].strip()
        else:
            line = f"{package.complete_name}=={package.version}"
        hashes = sorted(
            f"--hash={entry['hash']}"
            for entry in package.files
            if str(entry.get("hash", "")).startswith("sha256:")
        )
        lines.append(" \\\n    ".join([line, *hashes]) + "\n")
    return lines


if __name__ == "__main__":
    sys.exit(main(sys.argv))
