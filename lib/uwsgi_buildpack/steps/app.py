"""What the app is: checks of its source, its dependencies, its web process, its entry point
and UWSGI_STATS.

`check` runs first, before anything is downloaded: an app whose files cannot
work, or whose lock would be ignored, fails within a second, and the package
manager's decision it returns (`package_manager.Dependencies`) is the one the
packages step installs from. `inspect` runs after bin/pre_compile (which may
add files) and decides the rest once; only a hook that actually ran makes it
decide the dependencies again. Every later step uses `App`: the packages step
installs the dependencies, werkzeug for the fallback page and uwsgitop for
the stats server, the configure step writes the entry point into the default
uwsgi.ini (or says why it writes none), the procfile step checks the web
process's programs, and the slug step writes the stats address into
`.profile.d`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import app_files, errors
from ..app import entrypoint, procfile, stats
from ..context import PREFIX_IN_APP, BuildContext
from ..packages import manager as package_manager
from .hooks import Hook


@dataclass(frozen=True)
class App:
    """The app's dependencies, web process, entry point and stats address.

    `entry` is None when the app brings its own uwsgi.ini (`own_ini`), and
    when its web process does not run uwsgi.ini and the build found no app;
    an ASGI entry point (`entry.asgi`) is only ever there in the second case.
    """

    entry: entrypoint.EntryPoint | None
    stats_address: str | None
    dependencies: package_manager.Dependencies
    web: procfile.WebProcess = procfile.DEFAULT
    own_ini: bool = False


def check(ctx: BuildContext) -> package_manager.Dependencies:
    """Refuse app sources that cannot work on a dyno; decide the package manager."""
    if ctx.prefix.exists() or ctx.prefix.is_symlink():
        raise errors.committed_runtime(str(PREFIX_IN_APP))
    # A virtualenv committed with the app holds absolute paths of the
    # developer's machine and binaries for another OS: it never works on a
    # dyno, and silently shadows the packages the build installs.
    venvs = sorted(ctx.build_dir.glob("*/pyvenv.cfg"))
    if venvs:
        raise errors.committed_virtualenv(venvs[0].parent.name)
    app_files.check_named(ctx.build_dir)
    _check_config_vars(ctx)
    # Before anything is downloaded: an app whose lock would be ignored, or
    # whose files leave it open which lock is meant, fails within a second.
    return package_manager.decide(ctx.build_dir, include_test=ctx.test_mode)


def _check_config_vars(ctx: BuildContext) -> None:
    """The config vars `inspect` reads, checked before anything is downloaded, run or written.

    `inspect` reads them again where it decides (after bin/pre_compile, which
    may add a .env); a value that is not of its form fails the build here, so
    no hook has run and no file of the app has changed when it does.
    """
    stats.address(ctx.config.get("UWSGI_STATS"))
    if app_files.present(ctx.build_dir / "uwsgi.ini"):
        return
    configured = ctx.config.get("UWSGI_MODULE", "").strip()
    if configured:
        entrypoint.checked_spec("UWSGI_MODULE", configured)
    else:
        entrypoint.flask_app_setting(ctx.build_dir, ctx.config)


def inspect(
    ctx: BuildContext, dependencies: package_manager.Dependencies, pre_compile: Hook
) -> App:
    """Read the web process, find the entry point (unless the app has a uwsgi.ini), decide
    UWSGI_STATS.

    The dependencies are `check`'s, decided again only when bin/pre_compile
    ran: it may have added or removed the files they were decided from. The
    entry point must be one uWSGI can serve only when the web process runs
    uWSGI with the app's uwsgi.ini (no Procfile web line, or one that does).
    """
    if pre_compile.ran:
        dependencies = package_manager.decide(
            ctx.build_dir, include_test=ctx.test_mode, redecided_because="bin/pre_compile ran"
        )
    web = procfile.read(ctx.build_dir)
    entry = None
    own_ini = app_files.present(ctx.build_dir / "uwsgi.ini")
    if not own_ini:
        configured = ctx.config.get("UWSGI_MODULE", "").strip() or None
        if configured is not None:
            configured = entrypoint.checked_spec("UWSGI_MODULE", configured)
        entry = entrypoint.find(ctx.build_dir, configured, ctx.config, served=web.runs_uwsgi_ini)
    return App(
        entry=entry,
        stats_address=stats.address(ctx.config.get("UWSGI_STATS")),
        dependencies=dependencies,
        web=web,
        own_ini=own_ini,
    )
