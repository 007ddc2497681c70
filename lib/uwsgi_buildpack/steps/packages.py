"""The app's installed packages, made to match its lock exactly (pip-sync).

The decision that makes most warm builds take under a second: when none of
the inputs of the installed packages changed since the cached prefix was
saved (`PackagesMeta`, stored in the `python` entry's metadata), pip does not
run at all. `decide` compares every field of it; each one that changed is a
reason to sync, and the log names it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import VERSION, cache, commands, errors, output
from ..context import BuildContext
from ..packages import manager as package_manager
from ..packages import own_tools, pip_tools, requirements
from ..packages import pip as dependencies
from ..runtime import archives as runtime
from ..runtime import relocate
from ..uwsgi import compile as uwsgi_build
from . import lock as lock_step
from .app import App
from .python import PackagesMeta, Python, Restored
from .uwsgi import Uwsgi


@dataclass(frozen=True)
class Decision:
    """Whether to run pip, and why (reasons are log text)."""

    sync: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Packages:
    """The installed packages' inputs, and whether this build changed them."""

    meta: PackagesMeta
    synced: bool


def pip_settings_digest(env: dict[str, str]) -> str:
    """A digest of every PIP_* setting (values never leave this function)."""
    digest = hashlib.sha256()
    for name in sorted(n for n in env if n.startswith("PIP_") and n != "PIP_CACHE_DIR"):
        digest.update(f"{name}={env[name]}\0".encode())
    return digest.hexdigest()[:16]


def tools_needed(ctx: BuildContext, app: App) -> dict[str, Path | None]:
    """Packages the buildpack itself puts into the app's Python: name -> vendor lock.

    uWSGI always (installed from its own wheel, hence no lock); werkzeug for
    the fallback page when the app has no entry point; uwsgitop with the stats
    server. The app's lock wins for any of these it pins itself.
    """
    tools: dict[str, Path | None] = {"uwsgi": None}
    if app.entry is not None and app.entry.is_fallback:
        tools["werkzeug"] = ctx.vendor_dir / "werkzeug.txt"
    if app.stats_address:
        tools["uwsgitop"] = ctx.vendor_dir / "uwsgitop.txt"
    return tools


def wanted_meta(
    ctx: BuildContext, inputs: requirements.Inputs, tools: dict[str, Path | None], uwsgi: Uwsgi
) -> PackagesMeta:
    """The inputs of the packages this build would install."""
    vendor = hashlib.sha256()
    for vendored in sorted(ctx.vendor_dir.glob("*.txt")):
        vendor.update(vendored.read_bytes())
    return PackagesMeta(
        requirements=lock_step.requirements_digest(inputs),
        tools=",".join(sorted(tools)),
        pip_settings=pip_settings_digest(ctx.env),
        buildpack=f"{VERSION}:{vendor.hexdigest()[:12]}",
        # Not known yet while uWSGI compiles: then the packages are synced.
        uwsgi_wheel_sha256=uwsgi.wheel.sha256 if uwsgi.wheel else "compiling",
    )


def decide(restored: Restored | None, wanted: PackagesMeta, main: str) -> Decision:
    """Skip pip only when a cached prefix was restored and every input is unchanged.

    `main` names the requirements in reasons (`requirements.txt changed`).
    """
    if restored is None:
        return Decision(True, ("nothing installed yet",))
    changed = wanted.changes(restored.packages)
    labels = {**cache.LABELS, "requirements": main}
    return Decision(bool(changed), tuple(f"{labels[name]} changed" for name in changed))


def install(ctx: BuildContext, python: Python, app: App, uwsgi: Uwsgi) -> Packages:
    """Make the installed packages match the app's lock plus the buildpack's own.

    An app pinning a uWSGI that does not exist fails both here and in the
    background compile; the compile's message is the precise one, and is
    the one raised.
    """
    try:
        return _install(ctx, python, app, uwsgi)
    except errors.BuildError as failure:
        raise _precise_error(failure, uwsgi.compiling) from None


def _precise_error(
    failure: errors.BuildError, compiling: uwsgi_build.BackgroundCompile | None
) -> errors.BuildError:
    if compiling is not None:
        compile_error = compiling.error_within(15)
        if isinstance(compile_error, errors.BuildError):
            return compile_error
    return failure


def _install(ctx: BuildContext, python: Python, app: App, uwsgi: Uwsgi) -> Packages:
    deps = app.dependencies
    inputs = deps.inputs
    tools = tools_needed(ctx, app)
    meta = wanted_meta(ctx, inputs, tools, uwsgi)
    ctx.report.set("dependencies_from", inputs.main if inputs.kind != "none" else "none")
    source = "" if inputs.kind == "none" else " from " + inputs.main
    again = f" (decided again: {deps.redecided_because})" if deps.redecided_because else ""
    output.step(f"Installing dependencies{source}{again}")
    decision = decide(
        python.restored, meta, inputs.main if inputs.kind != "none" else "requirements"
    )
    if not decision.sync:
        output.detail(
            "Installed packages: reusing cache, pip not run"
            f" ({', '.join(inputs.files) or 'no requirements'}, uWSGI, PIP_* settings"
            " and buildpack unchanged)"
        )
        ctx.report.cache("packages", "reused", "inputs unchanged")
        if inputs.kind == requirements.IN:
            lock_step.publish_cached(ctx)
        if deps.installs_project:
            _install_project(ctx)
        return Packages(meta, synced=False)
    why = ", ".join(decision.reasons)
    output.detail(f"Installed packages: syncing ({why})")
    ctx.report.cache("packages", "synced", why)
    timer = output.Timer()
    tools_dir = own_tools.ensure(
        own_tools.PIP_TOOLS, ctx.cache_dir, ctx.vendor_dir, ctx.python, python.minor, ctx.env
    )
    with tempfile.TemporaryDirectory(prefix="uwsgi-bp-deps-") as tmp:
        lock = lock_step.make(ctx, python, deps, tools_dir, uwsgi, Path(tmp))
        if lock is not None and lock.as_written:
            resolve = not _synced_as_written(ctx, python, deps, tools, tools_dir, lock, uwsgi, tmp)
        else:
            resolve = False
            _sync(ctx, python, deps, tools, tools_dir, lock, uwsgi, Path(tmp))
        if resolve:
            lock = lock_step.make(ctx, python, deps, tools_dir, uwsgi, Path(tmp), resolve=True)
            _sync(ctx, python, deps, tools, tools_dir, lock, uwsgi, Path(tmp))
    if deps.installs_project:
        _install_project(ctx)
    if ctx.test_mode and (ctx.build_dir / requirements.TEST).is_file():
        dependencies.install_requirements(
            ctx.prefix, ctx.build_dir / requirements.TEST, ctx.build_dir, ctx.env
        )
    relocate.make_editables_relative(ctx.prefix / python.site_packages, ctx.build_dir)
    output.detail(f"Installed packages synced in {timer}")
    return Packages(meta, synced=True)


def _sync(
    ctx: BuildContext,
    python: Python,
    deps: package_manager.Dependencies,
    tools: dict[str, Path | None],
    tools_dir: own_tools.Installed,
    lock: lock_step.Lock | None,
    uwsgi: Uwsgi,
    scratch: Path,
) -> None:
    """pip-sync the app's Python to its lock plus the buildpack's own packages."""
    inputs = deps.inputs
    path = lock.path if lock else None
    compiling = uwsgi.compiling is not None
    cleanup: list[Path] = []
    try:
        if path and compiling:
            # uWSGI is still compiling: sync everything else now and install it
            # afterwards, instead of letting pip compile it a second time. The
            # copy sits beside the original, so that its relative includes
            # (-r base.txt) still resolve; it is removed right after.
            path = requirements.without(path, "uwsgi", path.with_name(f".{path.name}.nouwsgi"))
            cleanup.append(path)
        locked = requirements.pinned_names(path) if path else set()
        pins = [] if compiling or "uwsgi" in locked else [f"uwsgi=={uwsgi.plan.spec.version}"]
        for name, vendor_lock in tools.items():
            if vendor_lock is None or name in locked:
                continue
            if not dependencies.is_installed(ctx.prefix, python.minor, name):
                dependencies.install_locked(ctx.prefix, vendor_lock, ctx.env)
            # pip turns hash-checking on for a whole install as soon as one line
            # has a hash: keep our pins in the same mode as the app's.
            for pin in requirements_pins(vendor_lock, with_hashes=inputs.hashed):
                if requirements.normalise(pin.split("==")[0]) not in locked:
                    pins.append(pin)
        keep = scratch / "buildpack-packages.txt"
        keep.write_text("".join(f"{pin}\n" for pin in pins), encoding="utf-8")
        files = [path, keep] if path else [keep]
        # A cache written by an earlier version of the buildpack may still hold
        # pip's record that pip and uWSGI came from wheel files, which would
        # make pip-sync uninstall both (see runtime.forget_wheel_origin).
        for project in ("pip", "uwsgi"):
            runtime.forget_wheel_origin(ctx.prefix, project)
        manager = deps.manager or package_manager.PIP
        pip_tools.sync(
            tools_dir,
            ctx.build_dir,
            files,
            ctx.env,
            inputs.main,
            manager,
            no_deps=lock is not None and lock.as_written,
        )
    finally:
        for leftover in cleanup:
            leftover.unlink(missing_ok=True)


def _synced_as_written(
    ctx: BuildContext,
    python: Python,
    deps: package_manager.Dependencies,
    tools: dict[str, Path | None],
    tools_dir: own_tools.Installed,
    lock: lock_step.Lock,
    uwsgi: Uwsgi,
    scratch: str,
) -> bool:
    """Sync to the `==` pins as written; False when they must be resolved after all.

    pip failing on them (a version that does not exist, an index that does
    not answer, a package pinned twice) is left to pip-compile to say: the
    same failure, named in the words every other requirements.txt gets.
    """
    try:
        _sync(ctx, python, deps, tools, tools_dir, lock, uwsgi, Path(scratch))
    except errors.BuildError:
        if commands.stopping():
            raise
        output.detail(
            f"pip could not install {deps.inputs.main} as written: locking it with pip-compile"
        )
        return False
    return _complete(ctx, deps.inputs.main)


def _complete(ctx: BuildContext, source: str) -> bool:
    """After installing `==` pins as written: whether pip check finds every dependency there.

    A dependency the file does not pin makes the build lock it with
    pip-compile after all (what it did for every requirements.txt before),
    and the log says which; versions that do not fit together fail the build.
    """
    found = dependencies.check(ctx.prefix, ctx.env)
    if found.other:
        raise errors.pinned_requirements_conflict(source, found.other)
    if not found.missing:
        output.detail("pip check: every dependency of the pinned packages is installed")
        return True
    needed = ", ".join(f"{dep} (required by {by})" for dep, by in found.missing[:5])
    more = f" and {len(found.missing) - 5} more" if len(found.missing) > 5 else ""
    output.detail(f"{source} does not pin {needed}{more}: resolving it with pip-compile")
    return False


def _install_project(ctx: BuildContext) -> None:
    """`pip install .`: the project's own code changes with every push, so this always runs."""
    timer = output.Timer()
    dependencies.install_project(ctx.prefix, ctx.build_dir, ctx.env)
    output.detail(f"Installed the project itself (pip install .) in {timer}")


def requirements_pins(lock: Path, *, with_hashes: bool) -> list[str]:
    """`name==version` lines of a vendored lock, with their `--hash` options if asked."""
    pins = []
    for _, line in requirements.logical_lines(lock.read_text(encoding="utf-8")):
        first = line.split()[0]
        if "==" in first:
            pins.append(line if with_hashes else first)
    return pins


def saved(packages: Packages, wheel_sha256: str) -> PackagesMeta:
    """The metadata to save with the prefix: with the uWSGI binary actually installed."""
    return dataclasses.replace(packages.meta, uwsgi_wheel_sha256=wheel_sha256)
