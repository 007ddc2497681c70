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
from pathlib import Path

PROFILE_NAME = "uwsgi-python.sh"

# WEB_CONCURRENCY, when the user has not set it: one uWSGI worker per 256 MB of
# the dyno's memory limit (cgroup v2 or v1), at least 1, and at most two per
# CPU plus one. A basic 512 MB dyno gets 2 workers. Without a readable limit,
# the CPU bound alone applies.
_PROFILE = """\
# Written by the uWSGI buildpack. Sourced by bash when the dyno starts.
export PATH="$HOME/.heroku/python/bin:$PATH"
# Heroku's Python is built without an rpath: it finds libpython through this.
export LD_LIBRARY_PATH="$HOME/.heroku/python/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-true}"
export LANG="${LANG:-C.UTF-8}"

if [ -z "${WEB_CONCURRENCY:-}" ]; then
  uwsgi_bp_limit=""
  if [ -r /sys/fs/cgroup/memory.max ]; then
    uwsgi_bp_limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null)
  elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    uwsgi_bp_limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)
  fi
  uwsgi_bp_cpus=$(nproc 2>/dev/null || echo 1)
  uwsgi_bp_max=$((uwsgi_bp_cpus * 2 + 1))
  case "$uwsgi_bp_limit" in
    ''|max|*[!0-9]*) uwsgi_bp_workers=$uwsgi_bp_max ;;
    *) uwsgi_bp_workers=$((uwsgi_bp_limit / 268435456)) ;;
  esac
  [ "$uwsgi_bp_workers" -gt "$uwsgi_bp_max" ] && uwsgi_bp_workers=$uwsgi_bp_max
  [ "$uwsgi_bp_workers" -lt 1 ] && uwsgi_bp_workers=1
  export WEB_CONCURRENCY=$uwsgi_bp_workers
  unset uwsgi_bp_limit uwsgi_bp_cpus uwsgi_bp_max uwsgi_bp_workers
fi
"""


def write_profile_d(build_dir: Path) -> Path:
    """Write `.profile.d/uwsgi-python.sh` into the slug."""
    directory = build_dir / ".profile.d"
    directory.mkdir(exist_ok=True)
    path = directory / PROFILE_NAME
    path.write_text(_PROFILE, encoding="utf-8")
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
