"""uv's uv.lock, exported by uv itself to a hash-pinned requirements file.

uv.lock is uv's own TOML format, and only uv knows how to read it right
(markers, dependency groups, workspace members), so uv does the reading:
`uv export --frozen --no-dev --no-emit-project` writes the lock's default
dependencies, without the dev groups and without the project itself, as
`name==version --hash=...` lines. pip-sync then installs them in pip's
hash-checking mode like any hash-pinned requirements.txt, keeping the
buildpack's own packages: one install engine for every lock. (`uv sync
--locked` would install them too, but into a virtualenv of its own making,
and it would remove uWSGI, which no lock names.)

uv (hash-pinned in vendor/uv.txt) is one of the buildpack's own tools
(own_tools.UV): installed with the app's pip into a directory of the build
cache, like pip-tools, and never into the app.

A lock older than its pyproject.toml is refused as uv's own `uv sync
--locked` refuses it: `uv lock --check` (uv resolves the project again and
compares; it reads the package index, as uv sync does).
"""

from __future__ import annotations

from pathlib import Path

from .. import commands, errors
from .own_tools import Installed


def uv_env(env: dict[str, str], python: Path, cache: Path) -> dict[str, str]:
    """uv's environment: the app's Python only, never a download of another."""
    return {
        **env,
        "UV_PYTHON": str(python),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_CACHE_DIR": str(cache),
        "UV_NO_PROGRESS": "1",
    }


def check_current(uv: Installed, build_dir: Path, env: dict[str, str]) -> None:
    """Refuse a uv.lock that no longer matches pyproject.toml (`uv lock --check`)."""
    commands.run_logged(
        uv.argv("lock", "--check"),
        lambda text: errors.uv_lock_outdated(text.strip().splitlines()[-10:]),
        env=env,
        cwd=str(build_dir),
    )


def export(uv: Installed, build_dir: Path, dest: Path, env: dict[str, str]) -> None:
    """The lock's default dependencies (no dev groups, not the project) with hashes."""
    argv = uv.argv("export", "--frozen", "--no-dev", "--no-emit-project")
    argv += ["--format", "requirements-txt", "--no-header", "--output-file", str(dest)]
    commands.run_logged(
        argv,
        lambda text: errors.uv_export_failed(text.strip().splitlines()[-15:]),
        env=env,
        cwd=str(build_dir),
    )
