"""Django's `collectstatic`, run at build time as Heroku's Python buildpack does.

The dyno's filesystem is rebuilt from the slug at every start, so static files
must be collected into the slug during the build. Collected files land in
STATIC_ROOT, which the default uwsgi.ini then serves (see static_files).
"""

from __future__ import annotations

from pathlib import Path

from . import commands, dependencies, errors, output


def should_run(build_dir: Path, prefix: Path, minor: str, config: dict[str, str]) -> bool:
    """A Django app (manage.py + Django installed), unless DISABLE_COLLECTSTATIC is set."""
    if config.get("DISABLE_COLLECTSTATIC", "").strip() not in ("", "0"):
        output.detail("Skipping collectstatic: DISABLE_COLLECTSTATIC is set")
        return False
    return (build_dir / "manage.py").is_file() and dependencies.is_installed(
        prefix, minor, "django"
    )


def run(build_dir: Path, prefix: Path, env: dict[str, str]) -> None:
    """`python manage.py collectstatic --noinput` from the app's directory."""
    output.step("Collecting Django static files")
    argv = [str(prefix / "bin" / "python3"), "manage.py", "collectstatic", "--noinput"]
    try:
        commands.run(argv, env=env, cwd=str(build_dir), tail_lines=25)
    except commands.CommandFailed as exc:
        raise errors.collectstatic_failed(exc.tail) from None
