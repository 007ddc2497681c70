"""The environment the app runs with: `.profile.d` for dynos, `export` for buildpacks.

On a dyno the slug is at `/app` and `HOME=/app`; bash sources every
`.profile.d/*.sh` before running the process. Paths are therefore written in
terms of `$HOME`, never the build directory, which no longer exists at run time.

Later buildpacks in a multi-buildpack build run in the same build, before the
slug moves, so the `export` file (sourced by the next buildpack) points at the
build directory instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

PROFILE_NAME = "uwsgi-python.sh"
# The .profile.d script, copied into the slug as it is: shell code stays in a
# file shellcheck reads, and nothing a build decides is written into it.
_PROFILE = Path(__file__).parents[1] / "dyno" / "profile.sh"
# UWSGI_STATS as decided at build time (stats.py): the stats server's address,
# one line of data that the profile reads at boot, never runs. Its path in the
# slug is written out in profile.sh too.
STATS_FILE = ".heroku/uwsgi-buildpack/stats-address"


def write_profile_d(build_dir: Path, stats_address: str | None = None) -> Path:
    """Write `.profile.d/uwsgi-python.sh` into the slug, and the stats address it reads.

    `stats_address` is where uWSGI's stats server listens (see stats.py), or
    None for no stats server.
    """
    directory = build_dir / ".profile.d"
    directory.mkdir(exist_ok=True)
    path = directory / PROFILE_NAME
    stats_file = build_dir / STATS_FILE
    if stats_address:
        stats_file.parent.mkdir(parents=True, exist_ok=True)
        stats_file.write_text(f"{stats_address}\n", encoding="utf-8")
        os.chmod(stats_file, 0o644)
    else:
        # The file alone starts the server: one from the app's own files must not.
        stats_file.unlink(missing_ok=True)
    shutil.copyfile(_PROFILE, path)
    os.chmod(path, 0o644)
    return path


def write_export(buildpack_dir: Path, build_dir: Path) -> Path | None:
    """Write `BUILDPACK_DIR/export` for later buildpacks; skipped if read-only."""
    prefix = build_dir / ".heroku" / "python"
    lines = [
        f'export PATH={shlex.quote(str(prefix / "bin"))}:"$PATH"',
        f"export LD_LIBRARY_PATH={shlex.quote(str(prefix / 'lib'))}"
        '"${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"',
        'export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-true}"',
        'export LANG="${LANG:-C.UTF-8}"',
    ]
    path = buildpack_dir / "export"
    try:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError:
        return None
    return path
