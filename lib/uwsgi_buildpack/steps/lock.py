"""The lock the app's packages are synced to.

A requirements.txt with `--hash` options is the lock itself. Otherwise the
app's requirements are locked with pip-compile, and the lock is kept in the
`lock` cache entry (`LockKey`: the requirements' digest and the Python
version), so that an unchanged requirements.in is not locked again, and a
changed one starts from the previous lock: requirements that did not change
keep their pins instead of drifting.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import cache, errors, output
from ..context import BuildContext
from ..packages import manager as package_manager
from ..packages import own_tools, pip_tools, requirements
from ..packages import pipenv as pipfile_lock
from ..packages import poetry as poetry_lock
from ..packages import uv as uv_lock
from .python import Python
from .uwsgi import Uwsgi

# Locks are cached with the build dir's path (which changes every build) replaced.
_BUILD_DIR_MARK = "@BUILD_DIR@"


@dataclass(frozen=True)
class LockKey(cache.Metadata):
    """The `lock` cache entry's key."""

    requirements: str
    # The minor version, not the patch release: pip-compile resolves the same
    # way on every 3.12.x unless a dependency's marker tests
    # python_full_version, which is next to unheard of; a patch release
    # then keeps the lock, and the installed packages with it (steps/python).
    python_minor: str


@dataclass(frozen=True)
class Lock:
    """The lock file to sync to, and how many packages it pins.

    `as_written`: the app's own requirements.txt of `==` pins, not resolved by
    anything: pip installs exactly its lines (--no-deps), and pip check then
    says whether they name every dependency.
    """

    path: Path
    pins: frozenset[str]
    as_written: bool = False


def requirements_digest(inputs: requirements.Inputs) -> str:
    """`kind:digest` of the app's requirements, as cache keys record it."""
    return f"{inputs.kind}:{inputs.digest[:16]}"


def make(
    ctx: BuildContext,
    python: Python,
    deps: package_manager.Dependencies,
    tools_dir: own_tools.Installed,
    uwsgi: Uwsgi,
    scratch: Path,
    *,
    resolve: bool = False,
) -> Lock | None:
    """The lock to sync to: an exported manager's lock, requirements.txt or pip-compile's.

    A requirements.txt of nothing but `==` pins is its own lock, unless
    `resolve` (it turned out not to pin every dependency): then pip-compile
    locks it as it locks any other.
    """
    inputs = deps.inputs
    if deps.manager is not None and deps.manager.lock is not None:
        return _EXPORTERS[deps.manager.name](ctx, python, deps, scratch)
    if inputs.kind == "none":
        return None
    if inputs.kind == requirements.TXT and (ctx.build_dir / requirements.IN).is_file():
        problems = requirements.lock_disagreements(ctx.python, ctx.build_dir, ctx.env)
        if problems:
            warning = errors.lock_outdated_warning(problems)
            output.warning(warning)
            ctx.report.warned(warning)
    if inputs.hashed:
        output.detail("requirements.txt pins hashes: installing in pip's hash-checking mode")
        path = ctx.build_dir / requirements.TXT
        return Lock(path, frozenset(requirements.pinned_names(path)))
    if inputs.all_pinned and not resolve:
        path = ctx.build_dir / requirements.TXT
        pins = frozenset(requirements.pinned_names(path))
        output.detail(
            f"requirements.txt pins all {len(pins)} packages with ==: installing exactly those"
            " (no pip-compile round; pip check confirms every dependency is pinned)"
        )
        ctx.report.cache("lock", "as-written", "every requirement pinned with ==")
        return Lock(path, pins, as_written=True)
    source = inputs.main
    lock = scratch / "requirements.lock"
    entry = cache.CacheEntry(ctx.cache_dir, "lock")
    key = LockKey(requirements=requirements_digest(inputs), python_minor=python.minor)
    reusable, reason = entry.check(key)
    stored = entry.read(LockKey)
    if not reusable and stored and stored.requirements != key.requirements:
        reason = f"{source} changed"
    if reusable and _restore(ctx, entry, lock):
        output.detail(f"Lock of {source}: reusing cache ({source} unchanged)")
        ctx.report.cache("lock", "reused", f"{source} unchanged")
    else:
        # The previous lock is pip-compile's starting point: requirements
        # that did not change keep their pins instead of drifting.
        _restore(ctx, entry, lock)
        output.detail(f"Locking {source} with pip-compile ({reason})")
        ctx.report.cache("lock", "compiled", reason)
        _compile(ctx, inputs, tools_dir, uwsgi, lock)
        text = lock.read_text(encoding="utf-8").replace(str(ctx.build_dir), _BUILD_DIR_MARK)
        with tempfile.TemporaryDirectory(prefix="uwsgi-bp-lock-") as tmp:
            (Path(tmp) / "requirements.lock").write_text(text, encoding="utf-8")
            entry.store_tree(Path(tmp), key)
    pins = frozenset(requirements.pinned_names(lock))
    output.detail(f"Locked {len(pins)} packages")
    if inputs.kind == requirements.IN:
        _publish(ctx, lock, len(pins))
    return Lock(lock, pins)


def _from_pipfile_lock(
    ctx: BuildContext, python: Python, deps: package_manager.Dependencies, scratch: Path
) -> Lock:
    """Pipfile.lock's default packages as a hash-pinned requirements file (no Pipenv).

    The lock was read and checked against the Pipfile once, when the
    package manager was decided.
    """
    data, checked = deps.pipfile_lock or {}, deps.pipfile_checked
    lock = scratch / "requirements.lock"
    names = pipfile_lock.export(data, lock)
    output.detail(
        f"Pipfile.lock: {len(names)} default packages, installed in pip's hash-checking mode"
        f" (dev-packages are not installed{'; the lock matches Pipfile' if checked else ''})"
    )
    return Lock(lock, frozenset(requirements.pinned_names(lock)))


def _from_uv_lock(
    ctx: BuildContext, python: Python, deps: package_manager.Dependencies, scratch: Path
) -> Lock:
    """uv.lock's default dependencies, exported by uv with hashes, once checked current."""
    uv = own_tools.ensure(
        own_tools.UV, ctx.cache_dir, ctx.vendor_dir, ctx.python, python.minor, ctx.env
    )
    env = uv_lock.uv_env(ctx.env, ctx.python, ctx.pip_cache / "uv")
    uv_lock.check_current(uv, ctx.build_dir, env)
    lock = scratch / "requirements.lock"
    uv_lock.export(uv, ctx.build_dir, lock, env)
    return _exported(lock, "uv.lock", "dev groups are not installed")


def _from_poetry_lock(
    ctx: BuildContext, python: Python, deps: package_manager.Dependencies, scratch: Path
) -> Lock:
    """poetry.lock's main group, exported by Poetry with hashes (a stale lock refused)."""
    poetry = own_tools.ensure(
        own_tools.POETRY, ctx.cache_dir, ctx.vendor_dir, ctx.python, python.minor, ctx.env
    )
    env = poetry_lock.poetry_env(ctx.env, ctx.pip_cache / "poetry")
    lock = scratch / "requirements.lock"
    older = poetry_lock.export(poetry, ctx.build_dir, lock, env)
    exported = _exported(lock, "poetry.lock", "only the main group")
    if older is not None:
        output.detail(
            f"poetry.lock is lock-version {older}, made by Poetry 1.x, which records no markers:"
            f" resolved from the lock's packages alone for Python {python.version}, as"
            " `poetry install` does (no package index read)"
        )
    return exported


def _exported(lock: Path, name: str, scope: str) -> Lock:
    """A tool's export of the lock `name`, and the log line saying what it holds."""
    pins = frozenset(requirements.pinned_names(lock))
    output.detail(
        f"{name}: {len(pins)} packages, installed in pip's hash-checking mode"
        f" ({scope}; the lock matches pyproject.toml)"
    )
    return Lock(lock, pins)


# Each manager's lock, exported to the hash-pinned requirements pip-sync installs.
_EXPORTERS: dict[
    str, Callable[[BuildContext, Python, package_manager.Dependencies, Path], Lock]
] = {
    package_manager.PIPENV.name: _from_pipfile_lock,
    package_manager.UV.name: _from_uv_lock,
    package_manager.POETRY.name: _from_poetry_lock,
}


def _compile(
    ctx: BuildContext,
    inputs: requirements.Inputs,
    tools_dir: own_tools.Installed,
    uwsgi: Uwsgi,
    lock: Path,
) -> None:
    """pip-compile the app's requirements into `lock`."""
    source = inputs.main
    # While uWSGI compiles, pip-compile would prepare its metadata from
    # the sdist too (an isolated build environment, seconds of CPU next
    # to the compiler). uWSGI has no dependencies, so the app's own pin
    # is taken out of the input and written back into the lock.
    compile_source = source
    filtered = ctx.build_dir / f".{source}.nouwsgi"
    original = (ctx.build_dir / source).read_text(encoding="utf-8", errors="replace")
    if uwsgi.compiling is not None and inputs.kind in (requirements.TXT, requirements.IN):
        requirements.without(ctx.build_dir / source, "uwsgi", filtered)
        if filtered.read_text(encoding="utf-8") != original:
            compile_source = filtered.name
    try:
        pip_tools.compile_lock(
            tools_dir,
            ctx.build_dir,
            compile_source,
            lock,
            _compile_env(ctx.env, uwsgi),
            ctx.pip_cache / "pip-tools",
        )
    finally:
        filtered.unlink(missing_ok=True)
    if compile_source != source:
        text = lock.read_text(encoding="utf-8").replace(compile_source, source)
        pin = f"uwsgi=={uwsgi.plan.spec.version}\n    # via -r {source}\n"
        lock.write_text(text + pin, encoding="utf-8")


def _compile_env(env: dict[str, str], uwsgi: Uwsgi) -> dict[str, str]:
    """pip-compile's environment: it also finds the uWSGI wheel built above.

    pip-compile needs every package's metadata. For uWSGI, an sdist, that
    means building it in an isolated environment: seconds, and a download of
    setuptools. The wheel we just built (or reused) carries the same metadata.
    """
    if uwsgi.wheel is None:
        return env
    links = [env.get("PIP_FIND_LINKS", ""), str(uwsgi.wheel.path.parent)]
    return {**env, "PIP_FIND_LINKS": " ".join(link for link in links if link)}


def publish_cached(ctx: BuildContext) -> None:
    """An app with only requirements.in whose packages were reused: publish the cached lock."""
    entry = cache.CacheEntry(ctx.cache_dir, "lock")
    with tempfile.TemporaryDirectory(prefix="uwsgi-bp-lock-") as tmp:
        lock = Path(tmp) / "requirements.lock"
        if _restore(ctx, entry, lock):
            _publish(ctx, lock, len(requirements.pinned_names(lock)))


def _restore(ctx: BuildContext, entry: cache.CacheEntry, lock: Path) -> bool:
    stored = entry.data / "requirements.lock"
    if not stored.is_file() or entry.read(LockKey) is None:
        return False
    text = stored.read_text(encoding="utf-8").replace(_BUILD_DIR_MARK, str(ctx.build_dir))
    lock.write_text(text, encoding="utf-8")
    return True


def _publish(ctx: BuildContext, lock: Path, pins: int) -> None:
    """An app with only requirements.in: say so, and leave the lock in the slug."""
    notice = errors.lock_generated_notice(pins)
    output.warning(notice)
    ctx.report.warned(notice)
    text = lock.read_text(encoding="utf-8").replace(str(ctx.build_dir), ".")
    (ctx.build_dir / requirements.TXT).write_text(text, encoding="utf-8")
