"""uWSGI: the cached wheel, or a compile in the background, installed into the app's Python.

`plan` decides which uWSGI the app gets and whether the cache has it; `start`
starts the compile and returns its handle (`uwsgi_build.BackgroundCompile`);
`install` installs a cached wheel at once, or starts the compile if `start`
did not; `finish` waits on the handle and installs the compiled wheel. The
app's dependencies install between `install` and `finish`, beside the compiler.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .. import cache, output
from ..context import BuildContext
from ..packages import pip as dependencies
from ..uwsgi import compile as uwsgi_build
from ..uwsgi import plugins
from .python import Python


@dataclass(frozen=True)
class Plan:
    """Which uWSGI to install, with which plugins, and the cached wheel if the cache has it."""

    spec: uwsgi_build.UwsgiSpec
    key: uwsgi_build.UwsgiKey
    cached: uwsgi_build.CachedWheel | None
    reason: str  # why the cached wheel is reused, or why it is compiled
    plugins: plugins.PluginSet


@dataclass(frozen=True)
class UwsgiWheel:
    """The wheel installed into the app's Python."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class Uwsgi:
    """What `install` left: the installed wheel, or the compile to wait for."""

    plan: Plan
    wheel: UwsgiWheel | None
    compiling: uwsgi_build.BackgroundCompile | None


def _entry(ctx: BuildContext) -> cache.CacheEntry:
    return cache.CacheEntry(ctx.cache_dir, "uwsgi")


def plan(ctx: BuildContext, python_version: str) -> Plan:
    """Decide which uWSGI the app gets, with which plugins, and whether the cache has it."""
    spec = uwsgi_build.choose(ctx.vendor_dir, ctx.build_dir / "requirements.txt")
    plugin_set = plugins.decide(ctx.build_dir, ctx.config)
    key = uwsgi_build.cache_key(
        spec, python_version, ctx.platform.stack, ctx.platform.arch, plugin_set.name
    )
    cached, reason = uwsgi_build.cached_wheel(_entry(ctx), key)
    return Plan(spec, key, cached, reason, plugin_set)


def start(
    ctx: BuildContext,
    python_version: str,
    planned: Plan,
    *,
    pip_installed: bool = True,
    python_ready: threading.Event | None = None,
) -> uwsgi_build.BackgroundCompile | None:
    """Start compiling uWSGI in the background, unless the cache has it.

    Without `pip_installed`, the app's pip is being installed at the same time.
    With `python_ready`, the app's Python is still being unpacked: the compile
    fetches uWSGI's source meanwhile and waits for the event to compile.
    """
    if planned.cached is not None:
        return None
    entry, env = _entry(ctx), dict(ctx.env)
    return uwsgi_build.BackgroundCompile(
        lambda: uwsgi_build.compile_and_store(
            entry,
            planned.spec,
            planned.key,
            ctx.vendor_dir,
            ctx.prefix,
            python_version,
            env,
            override=planned.plugins.override,
            pip_installed=pip_installed,
            python_ready=python_ready,
        )
    )


def install(
    ctx: BuildContext,
    python: Python,
    planned: Plan | None,
    compiling: uwsgi_build.BackgroundCompile | None,
) -> Uwsgi:
    """Install the cached wheel, or make sure the compile runs; `planned` if planned early."""
    output.step("uWSGI")
    if planned is None:
        planned = plan(ctx, python.version)
    spec = planned.spec
    if spec.origin != "vendor/uwsgi.txt":
        output.detail(f"Using uWSGI {spec.version}, as pinned in {spec.origin}")
    ctx.report.set("uwsgi_version", spec.version)
    if planned.cached is not None:
        output.detail(f"uWSGI {spec.version}: reusing cached binary ({planned.reason})")
        built_with = planned.cached.built_with_python
        if built_with and built_with != python.version:
            output.detail(
                f"Built with Python {built_with}; CPython keeps its ABI within {python.minor},"
                f" so it runs on {python.version} as is"
            )
        ctx.report.cache("uwsgi", "reused", planned.reason)
        return Uwsgi(planned, _install_wheel(ctx, python, planned, planned.cached.path), None)
    output.detail(f"uWSGI {spec.version}: compiling ({planned.reason})")
    output.detail(f"Plugins: {planned.plugins.name} set, {planned.plugins.reason}")
    output.detail(
        f"Compiling on {uwsgi_build.cpu_count()} cores, while the app's dependencies install"
    )
    ctx.report.cache("uwsgi", "compiled", planned.reason)
    return Uwsgi(planned, None, compiling or start(ctx, python.version, planned))


def finish(ctx: BuildContext, python: Python, uwsgi: Uwsgi) -> UwsgiWheel:
    """Wait for a background compile, if one runs, and install its wheel."""
    if uwsgi.compiling is None:
        assert uwsgi.wheel is not None
        return uwsgi.wheel
    output.step("uWSGI")
    output.detail("Waiting for the uWSGI compile to finish...")
    compiled = uwsgi.compiling.wait()
    output.detail(
        f"Compiled uWSGI {uwsgi.plan.spec.version} in {uwsgi.compiling.timer} ({compiled.source})"
    )
    ctx.report.set("uwsgi_source", compiled.source)
    return _install_wheel(ctx, python, uwsgi.plan, compiled.wheel)


def _install_wheel(ctx: BuildContext, python: Python, planned: Plan, wheel: Path) -> UwsgiWheel:
    """Install the wheel, unless the restored prefix already has this very binary."""
    sha256 = uwsgi_build.sha256_of(wheel)
    packages = python.restored.packages if python.restored else None
    if packages is None or packages.uwsgi_wheel_sha256 != sha256:
        dependencies.install_wheel(ctx.prefix, wheel, ctx.env, python.minor)
        output.detail(f"Installed uWSGI {planned.spec.version} into the app's Python")
    return UwsgiWheel(wheel, sha256)
