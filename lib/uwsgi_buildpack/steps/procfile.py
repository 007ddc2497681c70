"""The Procfile's web process, checked once the slug is complete: its programs must be there.

Run after bin/post_compile, the last step that may install something. A
program the dyno will not have (`web: gunicorn mysite.wsgi` with no gunicorn in
the requirements, an app moving from the official Python buildpack) fails the
build here, naming it and the fixes, instead of crashing every dyno at boot
with "command not found" (H10).
"""

from __future__ import annotations

from .. import errors, output
from ..app import procfile
from ..context import BuildContext
from .app import App


def check(ctx: BuildContext, app: App) -> None:
    """Refuse a web process whose program is neither in the app's Python nor on the stack."""
    web = app.web
    if web.command is None:
        return
    program = procfile.missing(web, ctx.build_dir, ctx.env.get("PATH", ""))
    if program is not None:
        raise errors.web_program_missing(
            program.name, web.command, procfile.package_of(program.name), program.is_path
        )
    if web.programs:
        names = ", ".join(p.name for p in web.programs)
        output.detail(f"Procfile web process: {names} found for the dyno")
