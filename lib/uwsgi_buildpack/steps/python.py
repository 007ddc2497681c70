"""The app's Python: restored from the cache, or downloaded, verified and unpacked.

The `python` cache entry holds the whole prefix, installed packages included,
keyed by Python version, stack and architecture (`PythonKey`). Restored, it
also brings back what its packages were installed from (packages.PackagesMeta),
which decides whether pip runs at all.

A fresh runtime has no pip yet: its bundled pip wheel is unpacked first
(`bundled_pip`), so that the uWSGI compile can start before pip is installed
(see build.py), and `bootstrap_pip` then installs pip for good.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import cache, errors, output, python_version, runtime
from ..context import BuildContext

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
class Restored:
    """The cached prefix this build started from."""

    fingerprint: Fingerprint
    metadata: dict[str, str]


@dataclass(frozen=True)
class Python:
    """The app's Python, installed in the build dir's prefix."""

    version: str
    minor: str
    key: PythonKey
    restored: Restored | None  # None: a fresh runtime
    bundled_pip: list[str] | None = None  # runs pip until bootstrap_pip: a fresh runtime
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


def _origin_text(request: python_version.VersionRequest) -> str:
    if request.origin == "default":
        return "no .python-version or runtime.txt; the newest supported version"
    return f"from {request.origin}: {request}"


def install(ctx: BuildContext, scratch: Path) -> Python:
    """Choose the version, then restore the cached prefix or unpack a fresh runtime.

    `scratch` is a directory for the runtime's bundled pip, unpacked.
    """
    request = python_version.read_requested_version(ctx.build_dir)
    base_url = (
        ctx.config.get("PYTHON_RUNTIME_URL")
        or os.environ.get("PYTHON_RUNTIME_URL")
        or runtime.DEFAULT_RUNTIME_URL
    )
    output.step("Python")
    source = runtime.open_source(base_url)
    plat = ctx.platform
    version, request = python_version.resolve(request, source.available(plat))
    minor = ".".join(version.split(".")[:2])
    output.detail(f"Using Python {version} ({_origin_text(request)})")
    ctx.report.set("python_version", version)
    ctx.report.set("python_version_origin", request.origin)
    ctx.report.set("python_version_requested", str(request))

    entry = cache.CacheEntry(ctx.cache_dir, "python")
    key = PythonKey(python=version, stack=plat.stack, arch=plat.arch)
    reusable, reason = entry.check(key)
    if reusable:
        output.detail(f"Python and installed packages: reusing cache ({reason})")
        ctx.report.cache("python", "reused", reason)
        ctx.prefix.parent.mkdir(parents=True, exist_ok=True)
        cache.link_tree(entry.data, ctx.prefix)
        restored = Restored(fingerprint(ctx.prefix, minor), entry.metadata() or {})
        return Python(version, minor, key, restored)
    if reason != "nothing cached yet":
        output.detail(f"Python and installed packages: discarding cache ({reason})")
    ctx.report.cache("python", "discarded" if reason != "nothing cached yet" else "empty", reason)
    output.detail(f"Installing Python {version} from {runtime.archive_name(version, plat)}")
    timer = output.Timer()
    runtime.install(source, version, plat, ctx.prefix)
    actual = runtime.python_runtime_version(ctx.prefix, ctx.env)
    if actual != version:
        raise errors.runtime_broken(f"expected Python {version}, the archive holds {actual}")
    pip = runtime.unpack_bundled_pip(ctx.prefix, scratch, ctx.env)
    return Python(version, minor, key, None, bundled_pip=pip, timer=timer)


def bootstrap_pip(ctx: BuildContext, python: Python) -> None:
    """Install pip into a fresh runtime (a restored one has it)."""
    if python.bundled_pip is None:
        return
    runtime.bootstrap_pip(ctx.prefix, ctx.env, python.bundled_pip)
    output.detail(f"Installed Python {python.version} and pip in {python.timer}")
