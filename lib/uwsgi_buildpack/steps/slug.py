"""The slug's last touches, and the Python prefix saved back to the cache.

The prefix is saved only when this build changed it: pip synced, a new patch
release of Python took the packages over, or the restored prefix's bin/ and
site-packages no longer match their fingerprint (a hook installed something,
a wheel was reinstalled).
"""

from __future__ import annotations

import shutil

from .. import cache, output
from ..app import profile
from ..context import BuildContext
from ..runtime import relocate
from . import packages as packages_step
from .app import App
from .packages import Packages
from .python import Python, fingerprint
from .uwsgi import UwsgiWheel


def finish(
    ctx: BuildContext, python: Python, app: App, packages: Packages, wheel: UwsgiWheel
) -> None:
    """Relocate, write the run-time environment, save the cache, trim the slug."""
    relocate.rewrite_shebangs(ctx.prefix)
    profile.write_profile_d(ctx.build_dir, app.stats_address)
    profile.write_export(ctx.buildpack_dir, ctx.build_dir)
    restored = python.restored
    if (
        not packages.synced
        and restored is not None
        and restored.carried_from is None
        and restored.fingerprint == fingerprint(ctx.prefix, python.minor)
    ):
        output.detail("Python and installed packages: cache unchanged")
    else:
        meta = packages_step.saved(packages, wheel.sha256)
        entry = cache.CacheEntry(ctx.cache_dir, "python")
        entry.store_tree(ctx.prefix, {**python.key.as_dict(), **meta.as_dict()}, link=True)
        output.detail("Python and installed packages: cache saved")
    trim(ctx)


def trim(ctx: BuildContext) -> None:
    """Leave out of the slug what only a build needs (the cache keeps it).

    C headers (`include/`) serve compilers, and the run image has none; pip
    itself stays, so `heroku run pip ...` works. The build cache keeps its
    own copy (removing the build dir's hard links leaves it intact), so the
    next build can still compile extensions.
    """
    shutil.rmtree(ctx.prefix / "include", ignore_errors=True)
