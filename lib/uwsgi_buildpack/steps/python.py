"""The app's Python: restored from the cache, or downloaded, verified and unpacked.

`choose` decides the version once (runtime/version.decide: the app's files,
the Pipfile.lock and requires-python of the package-manager decision, the
cached Python's minor), prints where it came from and Heroku's warnings
about it, and says what the cache can do for it; `install` does that.

The `python` cache entry holds the whole prefix, installed packages included,
keyed by Python version, stack and architecture (`PythonKey`). Restored, it
also brings back what its packages were installed from (packages.PackagesMeta),
which decides whether pip runs at all.

A fresh runtime has no pip yet (`fresh`): the uWSGI compile starts at once,
without pip (see build.py), and `bootstrap_pip` meanwhile installs pip from
the runtime's own bundled wheel (by wheel_install: pip installing itself costs
seconds of CPU beside the compile).

A new patch release of the same minor version (3.12.0 -> 3.12.1: what every
app whose .python-version says `3.12` gets after each CPython release) needs
a fresh runtime, but not fresh packages: CPython keeps its ABI within a minor
version, which is why pip installs the same `cp312` wheels on every 3.12.x.
So the new runtime is unpacked and the cached prefix's installed packages are
linked into it (`carry_packages`): site-packages whole, and what pip put
elsewhere in the prefix (console scripts, uWSGI's binary, data files) as each
package's RECORD lists it. Nothing is reinstalled and nothing is compiled.
Heroku's own buildpack discards its cache on any Python change; a minor
version change still does that here.
"""

from __future__ import annotations

import csv
import datetime
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import cache, errors, output
from ..context import BuildContext
from ..packages import manager as package_manager
from ..runtime import archives as runtime
from ..runtime import requires_python
from ..runtime import version as python_version
from ..wheels import install as wheel_install

# A cheap summary of what pip may change: (path, size, mtime) of each entry of
# bin/ and of site-packages' top level.
Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class PythonKey(cache.Metadata):
    """The `python` cache entry's key."""

    python: str
    stack: str
    arch: str


@dataclass(frozen=True)
class PackagesMeta(cache.Metadata):
    """What the installed packages were installed from (the `python` entry's second record).

    Stored beside PythonKey in the same metadata; steps/packages decides from
    it whether pip runs at all.
    """

    requirements: str  # kind:digest of every requirements file read
    tools: str  # the buildpack's own packages, comma-separated
    pip_settings: str  # digest of every PIP_* setting
    buildpack: str  # buildpack version and its vendored locks
    uwsgi_wheel_sha256: str  # "compiling" until the compile is done: then a sync runs


@dataclass(frozen=True)
class Restored:
    """The cached prefix this build started from."""

    fingerprint: Fingerprint
    # None: the prefix's packages were not installed completely (or by an
    # older buildpack): they are synced.
    packages: PackagesMeta | None
    # The patch release the packages were carried over from, if the runtime
    # is new (then the prefix must be saved again, whatever pip does).
    carried_from: str | None = None


@dataclass(frozen=True)
class Python:
    """The app's Python, installed in the build dir's prefix."""

    version: str
    minor: str
    key: PythonKey
    restored: Restored | None  # None: a fresh runtime
    fresh: bool = False  # a fresh runtime, without pip until bootstrap_pip
    timer: output.Timer | None = None

    @property
    def site_packages(self) -> Path:
        """site-packages, relative to the prefix."""
        return Path("lib") / f"python{self.minor}" / "site-packages"


def fingerprint(prefix: Path, minor: str) -> Fingerprint:
    """Cheap summary of what pip may change: bin/ and site-packages' top level."""
    entries = []
    for directory in (prefix / "bin", prefix / "lib" / f"python{minor}" / "site-packages"):
        if not directory.is_dir():
            continue
        for child in directory.iterdir():
            st = child.lstat()
            entries.append((str(child.relative_to(prefix)), st.st_size, st.st_mtime_ns))
    return tuple(sorted(entries))


_NO_FILE = "no .python-version, runtime.txt or Pipfile.lock version"


def _no_file_reason(decision: python_version.Decision) -> str:
    """Why this version, when no file of the app names one."""
    passed_over = f"{decision.cached_passed_over}; " if decision.cached_passed_over else ""
    if decision.request.origin == "cached":
        return (
            f"the cached Python {decision.cached} of the last build"
            f" keeps the app on {decision.request}"
        )
    if decision.request.origin == "requires-python":
        return (
            f"{passed_over}the newest supported version inside requires-python {decision.requires}"
        )
    return f"{passed_over}the newest supported version"


def _origin_text(decision: python_version.Decision) -> str:
    """Why this version, for the `Using Python X.Y.Z (...)` line."""
    request = decision.request
    if request.origin == "Pipfile.lock":
        return f"from Pipfile.lock's {request.field}: {request}"
    if decision.from_file:
        return f"from {request.origin}: {request}"
    return f"{_NO_FILE}; {_no_file_reason(decision)}"


# How a user changes the version, by the source that named it.
_WHERE = {
    ".python-version": "Change the version in .python-version",
    "runtime.txt": "Change the version in runtime.txt",
    "Pipfile.lock": "Change python_version in the Pipfile's [requires], then run pipenv lock",
    "none": "Name it in a .python-version file in the root of the app",
}


def _warn(ctx: BuildContext, message: errors.Message) -> None:
    output.warning(message)
    ctx.report.warned(message)


def _warnings(
    ctx: BuildContext,
    decision: python_version.Decision,
    available: dict[str, list[str]] | None,
    uv: bool,
) -> None:
    """Heroku's three warnings about a version: none named, end of life, an old pinned patch.

    Warnings only: each is printed and recorded by its code, and the build goes on.
    """
    minor, today = decision.minor, datetime.date.today()
    if not decision.from_file:
        _warn(ctx, errors.python_version_not_specified(minor, _no_file_reason(decision), uv))
    eol = python_version.end_of_life(minor, today)
    if eol is not None:
        removed = eol.removal is not None and today.isoformat() >= eol.removal
        where = _WHERE.get(decision.request.origin, _WHERE["none"])
        deprecated = errors.python_version_deprecated(
            minor, eol.upstream, eol.removal, removed, where
        )
        _warn(ctx, deprecated)
    newest = python_version.newer_patch(decision, available)
    if newest is not None:
        _warn(ctx, errors.python_patch_outdated(decision.version, newest, decision.request.origin))


@dataclass(frozen=True)
class Choice:
    """The version the app gets, and what the cache can do for it (`choose`)."""

    version: str
    minor: str
    key: PythonKey
    source: runtime.RuntimeSource
    reusable: bool  # the cached prefix is this very Python
    carry: bool  # the cached prefix is another patch release of the same minor
    stored: PythonKey | None
    stored_packages: PackagesMeta | None

    @property
    def fresh(self) -> bool:
        """Whether the build unpacks a runtime without pip and without packages."""
        return not self.reusable and not self.carry


def choose(ctx: BuildContext, dependencies: package_manager.Dependencies) -> Choice:
    """Choose the version, and decide whether the cached prefix is kept; prints both.

    The sources are runtime.txt, .python-version, then the Pipfile.lock that
    `dependencies` parsed, then the cached Python's minor, then the newest
    supported; `dependencies`' requires-python is checked against the choice
    (runtime/version.py says the rules).
    """
    request = python_version.read_requested_version(ctx.build_dir)
    if request is None:
        request = python_version.pipfile_lock_request(dependencies.pipfile_lock)
    requires = None
    if dependencies.requires_python is not None:
        written = dependencies.requires_python
        try:
            requires = requires_python.parse(written)
        except requires_python.InvalidSpecifier as exc:
            raise errors.requires_python_invalid(written, exc.problem) from None
    entry = cache.CacheEntry(ctx.cache_dir, "python")
    cached = entry.read(PythonKey) if request is None else None
    base_url = (
        ctx.config.get("PYTHON_RUNTIME_URL")
        or os.environ.get("PYTHON_RUNTIME_URL")
        or runtime.DEFAULT_RUNTIME_URL
    )
    output.step("Python")
    source = runtime.open_source(base_url)
    plat = ctx.platform
    available = source.available(plat)
    decision = python_version.decide(
        request, available, cached=cached.python if cached else None, requires=requires
    )
    version, minor = decision.version, decision.minor
    output.detail(f"Using Python {version} ({_origin_text(decision)})")
    if requires is not None and decision.from_file:
        output.detail(f"Python {version} is inside pyproject.toml's requires-python {requires}")
    ctx.report.set("python_version", version)
    ctx.report.set("python_version_origin", decision.request.origin)
    ctx.report.set("python_version_requested", str(decision.request))
    uv = dependencies.manager is not None and dependencies.manager.name == "uv"
    _warnings(ctx, decision, available, uv)

    key = PythonKey(python=version, stack=plat.stack, arch=plat.arch)
    reusable, reason = entry.check(key)
    if reusable:
        output.detail(f"Python and installed packages: reusing cache ({reason})")
        ctx.report.cache("python", "reused", reason)
        return Choice(version, minor, key, source, True, False, None, None)
    stored, packages = entry.read(PythonKey), entry.read(PackagesMeta)
    carry = is_patch_change(stored, packages, key)
    if stored is not None and carry:
        output.detail(
            f"Python {stored.python} -> {version}: a patch release of the same minor version;"
            f" keeping the installed packages (CPython keeps its ABI within {minor})"
        )
        ctx.report.cache("python", "carried", reason)
    elif reason != "nothing cached yet":
        output.detail(f"Python and installed packages: discarding cache ({reason})")
        ctx.report.cache("python", "discarded", reason)
    else:
        ctx.report.cache("python", "empty", reason)
    return Choice(version, minor, key, source, False, carry, stored, packages)


def install(ctx: BuildContext, choice: Choice) -> Python:
    """Restore the cached prefix or unpack a fresh runtime, as `choice` says."""
    version, minor, key = choice.version, choice.minor, choice.key
    entry = cache.CacheEntry(ctx.cache_dir, "python")
    if choice.reusable:
        ctx.prefix.parent.mkdir(parents=True, exist_ok=True)
        cache.link_tree(entry.data, ctx.prefix)
        restored = Restored(fingerprint(ctx.prefix, minor), entry.read(PackagesMeta))
        return Python(version, minor, key, restored)
    plat = ctx.platform
    output.detail(f"Installing Python {version} from {runtime.archive_name(version, plat)}")
    timer = output.Timer()
    runtime.install(choice.source, version, plat, ctx.prefix)
    actual = runtime.python_runtime_version(ctx.prefix, ctx.env)
    if actual != version:
        raise errors.runtime_broken(f"expected Python {version}, the archive holds {actual}")
    if choice.carry and choice.stored is not None:
        count = carry_packages(entry.data, ctx.prefix, minor)
        output.detail(f"Installed Python {version}; kept {count} installed packages, in {timer}")
        restored = Restored((), choice.stored_packages, carried_from=choice.stored.python)
        return Python(version, minor, key, restored)
    return Python(version, minor, key, None, fresh=True, timer=timer)


def is_patch_change(
    stored: PythonKey | None, packages: PackagesMeta | None, key: PythonKey
) -> bool:
    """Whether the cached prefix holds another patch release of the same minor version.

    Only a prefix whose packages were installed completely (its metadata
    records what from) is worth keeping.
    """
    return (
        stored is not None
        and packages is not None
        and bool(packages.requirements)
        and stored.python != key.python
        and stored.python.split(".")[:2] == key.python.split(".")[:2]
        and stored.stack == key.stack
        and stored.arch == key.arch
    )


def carry_packages(cached_prefix: Path, prefix: Path, minor: str) -> int:
    """Link the installed packages of a cached prefix into a fresh runtime at `prefix`.

    site-packages is taken whole (the runtime's own is empty). Files pip put
    elsewhere in the prefix are found in each package's RECORD, pip's own
    list of what it installed; a path the new runtime already has is its
    own and is never replaced. Returns the number of packages kept.
    """
    site = Path("lib") / f"python{minor}" / "site-packages"
    shutil.rmtree(prefix / site)
    (prefix / site).parent.mkdir(parents=True, exist_ok=True)
    cache.link_tree(cached_prefix / site, prefix / site)
    root = os.path.realpath(cached_prefix)
    cached_site = os.path.realpath(cached_prefix / site)
    records = sorted((prefix / site).glob("*.dist-info/RECORD"))
    for record in records:
        with open(record, encoding="utf-8", newline="") as f:
            rows = [row[0] for row in csv.reader(f) if row]
        for name in rows:
            source = os.path.normpath(os.path.join(cached_site, name))
            if source.startswith(cached_site + os.sep) or not source.startswith(root + os.sep):
                continue
            dest = prefix / os.path.relpath(source, root)
            if dest.exists() or dest.is_symlink() or not os.path.isfile(source):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, dest)
            except OSError:
                shutil.copy2(source, dest)
    return len(records)


def bootstrap_pip(ctx: BuildContext, python: Python, scratch: Path) -> None:
    """Install pip into a fresh runtime (a restored one has it).

    `scratch` is a directory for the runtime's bundled pip, unpacked.
    """
    if not python.fresh:
        return
    try:
        wheel_install.install(
            runtime.bundled_pip_wheel(ctx.prefix), ctx.prefix, python.minor, ctx.env
        )
    except wheel_install.NotHandled:
        # A bundled wheel unlike pip's usual one: pip installs itself.
        pip = runtime.unpack_bundled_pip(ctx.prefix, scratch, ctx.env)
        runtime.bootstrap_pip(ctx.prefix, ctx.env, pip)
    output.detail(f"Installed Python {python.version} and pip in {python.timer}")
