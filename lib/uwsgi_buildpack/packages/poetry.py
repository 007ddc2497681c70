"""Poetry's poetry.lock, exported by Poetry itself to a hash-pinned requirements file.

poetry.lock is Poetry's own TOML format, and only Poetry reads it right
(groups, markers merged across the dependency tree, sources), so Poetry does
the reading, as uv does for uv.lock: `poetry export --only main --format
requirements.txt` (the poetry-plugin-export command Poetry's own docs
recommend for deploying to pip) writes the main group's packages, without the
dev groups and without the project itself, as `name==version ; markers
--hash=...` lines. pip-sync then installs them in pip's hash-checking mode
like any hash-pinned requirements.txt, keeping the buildpack's own packages:
one install engine for every lock. (`poetry sync --only main` would install
them too, but with an installer of its own into an environment it manages,
and it would remove uWSGI, which no lock names.)

Poetry and the plugin (hash-pinned in vendor/poetry.txt) are one of the
buildpack's own tools (own_tools.POETRY): installed with the app's pip into a
directory of the build cache and run by the app's Python (3.10 to 3.14, all
of which Poetry supports) with that directory first on `sys.path`, as
pip-tools is: never installed into the app, never into the build image's own
Python.

A lock older than its pyproject.toml is refused, as Poetry's own `poetry
install` and `poetry check --lock` refuse it: `poetry export` compares the
content hash poetry.lock records with pyproject.toml's before it writes
anything. It does not read the package index.

Locks written by Poetry 1.x (lock-version 2.0 and older: most of the locks
users have) record no markers per package, and poetry-plugin-export's own walk
of such a lock drops packages (uvicorn[standard]'s uvloop, locked by Poetry
1.8). So the export runs as `poetry_export.py`, Poetry's own code driven the
way `poetry install` reads such a lock: resolved again from the lock's
packages alone, for the app's Python; a current lock goes to `poetry export`
unchanged. Both in one Poetry start-up.
"""

from __future__ import annotations

from pathlib import Path

from .. import commands, errors
from .own_tools import Installed

# Run by the app's Python beside Poetry, never imported by the helper.
EXPORTER = Path(__file__).with_name("poetry_export.py")
# What Poetry says of a lock older than pyproject.toml (Poetry 1.x and 2.x).
_OUTDATED_MARK = "changed significantly since poetry.lock was last generated"

# Index options `poetry export` writes for the project's sources.
_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "-i ", "--trusted-host", "--find-links")


def poetry_env(env: dict[str, str], cache: Path) -> dict[str, str]:
    """Poetry's environment: no prompts, no virtualenv of its own, no keyring."""
    return {
        **env,
        "POETRY_CACHE_DIR": str(cache),
        "POETRY_NO_INTERACTION": "1",
        "POETRY_VIRTUALENVS_CREATE": "false",
        # Poetry asks the system keyring for index credentials; a build
        # machine has no keyring daemon, and the look-up can hang on D-Bus.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }


def export(poetry: Installed, build_dir: Path, dest: Path, env: dict[str, str]) -> str | None:
    """The lock's main group (no dev groups, not the project) with hashes, into `dest`.

    A lock older than pyproject.toml is refused here: the exporter makes the
    same content-hash check as `poetry check --lock` and `poetry install`
    before it writes anything, so one Poetry run (a second or more of start-up
    on a build machine) does both. Returns the lock's lock-version when it is
    one Poetry 1.x wrote (resolved again, as `poetry install` does), else None.
    """
    raw = dest.with_name(dest.name + ".poetry")
    # -I: neither the exporter's directory (which holds a poetry.py of ours)
    # nor the app's directory comes before Poetry on sys.path.
    argv = [str(poetry.python), "-I", str(EXPORTER), str(poetry.path), str(raw)]
    said = commands.run_logged(argv, export_failure, env=env, cwd=str(build_dir))
    try:
        dest.write_text(without_index_options(raw.read_text(encoding="utf-8")), encoding="utf-8")
    finally:
        raw.unlink(missing_ok=True)
    for line in said:
        version, _, how = line.partition(": ")
        if version.startswith("lock-version ") and how.startswith("resolved"):
            return version[len("lock-version ") :]
    return None


def export_failure(output: str) -> errors.BuildError:
    """What a failed `poetry export` said: a lock older than pyproject.toml, or another failure."""
    tail = [line for line in output.strip().splitlines() if line.strip()]
    if _OUTDATED_MARK in output:
        return errors.poetry_lock_outdated(tail[-10:])
    return errors.poetry_export_failed(tail[-15:])


def without_index_options(text: str) -> str:
    """The export without the index lines Poetry writes for the project's sources.

    `poetry export` starts its output with `--index-url` (and
    `--extra-index-url`, `--trusted-host`) lines for the sources
    pyproject.toml declares. In a requirements file pip obeys them over its
    own configuration: they would replace PIP_INDEX_URL and the machine's
    pip.conf (a private mirror, a proxy), and an index URL may carry
    credentials we never want in a file. The hashes pin every file, so where
    pip downloads from does not change what gets installed: pip's own
    configuration decides, as for every other lock.
    """
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if not line.lstrip().startswith(_INDEX_OPTIONS)
    ]
    return "".join(kept).lstrip("\n")
