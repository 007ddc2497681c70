"""What the app is: checks of its source, its entry point and UWSGI_STATS.

Decided once, after bin/pre_compile (which may add files), and used by every
later step: the packages step installs werkzeug for the fallback page and
uwsgitop for the stats server, the configure step writes the entry point into
the default uwsgi.ini, and the slug step writes the stats address into
`.profile.d`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import entrypoint, errors, package_manager, stats
from ..context import PREFIX_IN_APP, BuildContext


@dataclass(frozen=True)
class App:
    """The app's entry point (None with its own uwsgi.ini) and stats address."""

    entry: entrypoint.EntryPoint | None
    stats_address: str | None

    @property
    def own_ini(self) -> bool:
        """The app brings its own uwsgi.ini."""
        return self.entry is None


def check(ctx: BuildContext) -> None:
    """Refuse app sources that cannot work on a dyno."""
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
    # (Decided again after bin/pre_compile, which may add or remove files.)
    package_manager.decide(ctx.build_dir)


def inspect(ctx: BuildContext) -> App:
    """Find the entry point (unless the app has a uwsgi.ini) and decide UWSGI_STATS."""
    entry = None
    if not (ctx.build_dir / "uwsgi.ini").is_file():
        configured = ctx.config.get("UWSGI_MODULE", "").strip() or None
        entry = entrypoint.find(ctx.build_dir, configured, ctx.config)
    return App(entry=entry, stats_address=stats.address(ctx.config.get("UWSGI_STATS")))
