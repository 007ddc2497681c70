"""`bin/compile`: the build, step by step.

Order matters:
1. Python, restored from the cache when its key (version, stack, arch) still
   matches, else downloaded, verified and unpacked fresh, with pip from its own
   bundled wheel. The cached prefix includes the installed packages; a new
   patch release of the same minor version keeps them (and uWSGI's binary).
2. uWSGI, from the cached wheel or compiled, and installed before the app's
   requirements so that pip sees it satisfied and never compiles it again.
   The compile is the longest part of a cold build: it starts as soon as
   there is a Python to compile against, before pip is installed (it fetches
   uWSGI's sdist itself and needs no pip), and runs in the background while
   pip and the app's dependencies install.
3. The app's dependencies, made to match its requirements exactly (pip-tools).
   When none of their inputs changed since the cached build, pip is not run at
   all: that is most builds, and the reason a warm build takes about a second.
4. Default config (uwsgi.ini, Procfile), run-time environment, relocation;
   after bin/post_compile, the Procfile's web process checked (its programs
   must be in the slug or on the stack).
5. The Python prefix saved back to the cache, only if something changed.

Each step is a module of its own under `steps/`: it takes the BuildContext and
what earlier steps returned, and returns a frozen dataclass.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from . import cache, commands, context, output, report, tempdir
from .context import BuildContext
from .steps import app as app_step
from .steps import collectstatic as collectstatic_step
from .steps import configure as configure_step
from .steps import hooks as hooks_step
from .steps import packages as packages_step
from .steps import procfile as procfile_step
from .steps import python as python_step
from .steps import slug as slug_step
from .steps import uwsgi as uwsgi_step


def run(
    build_dir: Path,
    cache_dir: Path,
    env_dir_path: Path | None,
    buildpack_dir: Path,
    *,
    test_mode: bool = False,
) -> None:
    """Build the app; raise BuildError on anything the user must fix."""
    temp = tempdir.BuildTempDir()
    build_report = report.BuildReport(cache_dir)
    try:
        with tempfile.TemporaryDirectory(prefix="uwsgi-bp-pip-") as scratch:
            try:
                timer = output.Timer()
                build_report.startup(os.environ.get("UWSGI_BP_STARTED_AT", ""))
                ctx = context.make(
                    build_dir, cache_dir, env_dir_path, buildpack_dir, build_report,
                    test_mode=test_mode,
                )  # fmt: skip
                compile(ctx, Path(scratch))
                _done(ctx, timer)
            except BaseException as exc:
                commands.stop_running_commands()
                build_report.failed(exc)
                raise
            finally:
                build_report.save()
    finally:
        temp.close()


def compile(ctx: BuildContext, scratch: Path) -> None:  # noqa: A001 - the buildpack API's name
    """The build's steps, in order. `scratch` holds a fresh runtime's bundled pip."""
    dependencies = app_step.check(ctx)
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    cache.clean_leftovers(ctx.cache_dir)
    ctx.report.set("stack", ctx.platform.stack)
    ctx.report.set("arch", ctx.platform.arch)

    with ctx.report.timed("python"):
        choice = python_step.choose(ctx, dependencies)
        planned, compiling = None, None
        python_ready = threading.Event()
        # A fresh runtime means a cold build: the uWSGI compile starts now,
        # fetching its source while the runtime downloads. Not when a
        # bin/pre_compile hook is yet to run: it may change the uwsgi pin in
        # requirements.txt.
        if choice.fresh and not hooks_step.exists(ctx, "pre_compile"):
            planned = uwsgi_step.plan(ctx, choice.version)
            compiling = uwsgi_step.start(
                ctx, choice.version, planned, pip_installed=False, python_ready=python_ready
            )
        python = python_step.install(ctx, choice)
        # Only now: if the runtime fails to install, the build stops, and the
        # compile, waiting for this, sees the stop (commands.stopping) instead.
        python_ready.set()
        python_step.bootstrap_pip(ctx, python, scratch)
    with ctx.report.timed("pre_compile"):
        pre_compile = hooks_step.run(ctx, "pre_compile")
    app = app_step.inspect(ctx, dependencies, pre_compile)
    with ctx.report.timed("uwsgi"):
        uwsgi = uwsgi_step.install(ctx, python, planned, compiling)
    with ctx.report.timed("dependencies"):
        packages = packages_step.install(ctx, python, app, uwsgi)
    with ctx.report.timed("uwsgi_compile_wait"):
        wheel = uwsgi_step.finish(ctx, python, uwsgi)
    with ctx.report.timed("collectstatic"):
        collectstatic_step.run(ctx, python)
    with ctx.report.timed("configure"):
        configure_step.configure(ctx, app)
    with ctx.report.timed("post_compile"):
        hooks_step.run(ctx, "post_compile")
    procfile_step.check(ctx, app)
    with ctx.report.timed("finish"):
        slug_step.finish(ctx, python, app, packages, wheel)


def _done(ctx: BuildContext, timer: output.Timer) -> None:
    ctx.report.set("duration_seconds", round(timer.elapsed + ctx.report.startup_seconds, 3))
    output.detail(f"Step timings: {ctx.report.timings_text()}")
    output.step(f"Done in {timer.elapsed + ctx.report.startup_seconds:.1f}s")
