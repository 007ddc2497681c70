"""Django's `collectstatic`, run at build time as Heroku's Python buildpack does.

The dyno's filesystem is rebuilt from the slug at every start, so static files
must be collected into the slug during the build. Collected files land in
STATIC_ROOT, which the default uwsgi.ini then serves (see app/static_files.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import commands, errors, output
from ..context import BuildContext
from ..packages import pip as dependencies
from .python import Python


@dataclass(frozen=True)
class Collected:
    """Whether collectstatic ran."""

    ran: bool


def should_run(ctx: BuildContext, python: Python) -> bool:
    """A Django app (manage.py + Django installed), unless DISABLE_COLLECTSTATIC is set."""
    if ctx.config.get("DISABLE_COLLECTSTATIC", "").strip() not in ("", "0"):
        output.detail("Skipping collectstatic: DISABLE_COLLECTSTATIC is set")
        return False
    return (ctx.build_dir / "manage.py").is_file() and dependencies.is_installed(
        ctx.prefix, python.minor, "django"
    )


def run(ctx: BuildContext, python: Python) -> Collected:
    """`python manage.py collectstatic --noinput` from the app's directory, when it applies."""
    if not should_run(ctx, python):
        return Collected(ran=False)
    output.step("Collecting Django static files")
    argv = [str(ctx.python), "manage.py", "collectstatic", "--noinput"]
    try:
        commands.run(argv, env=ctx.env, cwd=str(ctx.build_dir), tail_lines=25)
    except commands.CommandFailed as exc:
        raise errors.collectstatic_failed(exc.tail) from None
    return Collected(ran=True)
