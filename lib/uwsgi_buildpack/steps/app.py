"""What the app is: checks of its source, its dependencies, its entry point and UWSGI_STATS.

`check` runs first, before anything is downloaded: an app whose files cannot
work, or whose lock would be ignored, fails within a second, and the package
manager's decision it returns (`package_manager.Dependencies`) is the one the
packages step installs from. `inspect` runs after bin/pre_compile (which may
add files) and decides the rest once; only a hook that actually ran makes it
decide the dependencies again. Every later step uses `App`: the packages step
installs the dependencies, werkzeug for the fallback page and uwsgitop for
the stats server, the configure step writes the entry point into the default
uwsgi.ini, and the slug step writes the stats address into `.profile.d`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import errors
from ..app import entrypoint, stats
from ..context import PREFIX_IN_APP, BuildContext
from ..packages import manager as package_manager
from .hooks import Hook


@dataclass(frozen=True)
class App:
    """The app's dependencies, entry point (None with its own uwsgi.ini) and stats address."""

    entry: entrypoint.EntryPoint | None
    stats_address: str | None
    dependencies: package_manager.Dependencies

    @property
    def own_ini(self) -> bool:
        """The app brings its own uwsgi.ini."""
        return self.entry is None


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
    # Before anything is downloaded: an app whose lock would be ignored, or
    # whose files leave it open which lock is meant, fails within a second.
    return package_manager.decide(ctx.build_dir, include_test=ctx.test_mode)


def inspect(
    ctx: BuildContext, dependencies: package_manager.Dependencies, pre_compile: Hook
) -> App:
    """Find the entry point (unless the app has a uwsgi.ini) and decide UWSGI_STATS.

    The dependencies are `check`'s, decided again only when bin/pre_compile
    ran: it may have added or removed the files they were decided from.
    """
    if pre_compile.ran:
        dependencies = package_manager.decide(
            ctx.build_dir, include_test=ctx.test_mode, redecided_because="bin/pre_compile ran"
        )
    entry = None
    if not (ctx.build_dir / "uwsgi.ini").is_file():
        configured = ctx.config.get("UWSGI_MODULE", "").strip() or None
        entry = entrypoint.find(ctx.build_dir, configured, ctx.config)
    return App(
        entry=entry,
        stats_address=stats.address(ctx.config.get("UWSGI_STATS")),
        dependencies=dependencies,
    )
