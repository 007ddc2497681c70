"""uWSGI's configuration: the app's own uwsgi.ini checked, or a default one written.

And a default Procfile when the app has none. When the web process does not
run uWSGI with uwsgi.ini (a Procfile running gunicorn, uvicorn, ...), the log
says so first: whatever uwsgi.ini the slug has serves nothing then, static
files included. A default uwsgi.ini is still written for a WSGI app (for
`uwsgi uwsgi.ini` in another process type or a one-off dyno), and none for an
ASGI app or when no app was found.
"""

from __future__ import annotations

from pathlib import Path

from .. import errors, output, report
from ..app import default_config as uwsgi_config
from ..app import ini_check as uwsgi_ini_check
from ..app import static_files
from ..context import BuildContext
from .app import App


def configure(ctx: BuildContext, app: App) -> None:
    """Check or write uwsgi.ini, write a Procfile if the app has none."""
    output.step("Configuring uWSGI")
    statics = [] if app.own_ini else static_files.find(ctx.build_dir)
    if not app.web.runs_uwsgi_ini:
        output.detail(_not_served_by_uwsgi(app, statics))
    if app.own_ini:
        output.detail("Using the app's own uwsgi.ini")
        check_own_ini(ctx.build_dir / "uwsgi.ini", ctx.build_dir, ctx.report)
    elif app.entry is None:
        output.detail("No uwsgi.ini written: the build found no WSGI app in the app's source")
    elif app.entry.asgi:
        output.detail(
            f"No uwsgi.ini written: {app.entry.module} is an ASGI app ({app.entry.reason};"
            f" {app.entry.framework}), which uWSGI cannot serve"
        )
    else:
        _write_default_ini(ctx, app, statics)
    if (ctx.build_dir / "Procfile").is_file():
        output.detail("Using the app's own Procfile")
    else:
        uwsgi_config.write_default_procfile(ctx.build_dir)
        output.detail(f"Wrote a default Procfile: web: {uwsgi_config.PROCFILE_WEB}")
    if app.stats_address:
        output.detail("UWSGI_STATS is set: uwsgitop is installed (run it with heroku ps:exec)")


def _not_served_by_uwsgi(app: App, statics: list[static_files.StaticMapping]) -> str:
    """The log's line for a web process that is not uWSGI with uwsgi.ini."""
    web = app.web
    which = "uWSGI without uwsgi.ini" if web.runs_uwsgi else web.program
    urls = ", ".join(f"{mapping.url}/" for mapping in statics)
    served = f"the app (whitenoise) or {which} must serve them" + (f" ({urls})" if urls else "")
    return (
        f"The web process runs {which} (Procfile: web: {web.shown}): uwsgi.ini is not used by"
        f" it, and static files are not served by uWSGI; {served}"
    )


def _write_default_ini(
    ctx: BuildContext, app: App, statics: list[static_files.StaticMapping]
) -> None:
    entry = app.entry
    assert entry is not None
    if entry.is_fallback:
        warning = errors.fallback_app_warning()
        output.warning(warning)
        ctx.report.warned(warning)
    uwsgi_config.write_default_ini(ctx.build_dir, entry, statics)
    if not app.web.runs_uwsgi_ini:
        output.detail(
            f"Wrote a default uwsgi.ini serving {entry.module} ({entry.reason}), for `uwsgi"
            " uwsgi.ini` in other processes; the web process does not use it"
        )
        return
    output.detail(f"Wrote a default uwsgi.ini serving {entry.module} ({entry.reason})")
    for mapping in statics:
        output.detail(
            f"Static files: {mapping.url}/ served by uWSGI from {mapping.directory}/"
            f" ({mapping.reason})"
        )
    if not ctx.config.get("UWSGI_HARAKIRI", "").strip():
        output.tip(errors.harakiri_recommendation())


def check_own_ini(path: Path, build_dir: Path, build_report: report.BuildReport) -> None:
    """Print the app's uwsgi.ini's warnings (recorded in the report) and hints; raise on errors."""
    findings = uwsgi_ini_check.check(uwsgi_ini_check.parse(path, build_dir), path.name)
    # Warnings and hints first, so that a failing build still lists them all.
    for finding in findings:
        if finding.severity == "warning":
            output.warning(finding)
            build_report.warned(finding)
        elif finding.severity == "hint":
            output.detail(f"Hint: {finding.title}")
            output.detail(finding.body)
    problems = [f for f in findings if f.severity == "error"]
    if problems:
        raise errors.uwsgi_ini_errors(problems)
