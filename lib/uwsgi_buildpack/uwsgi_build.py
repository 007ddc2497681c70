"""Compiling uWSGI once per (uWSGI version, Python minor, stack, architecture, options).

uWSGI ships on PyPI as an sdist only, so `pip install uwsgi` compiles it: about
half a minute of C on a build dyno, on every build whose pip cache missed, and
then once more whenever pip decides to. We take that work off pip's hands:

1. `pip wheel` builds a wheel of the sdist pinned (with its sha256) in
   `vendor/uwsgi.txt`, or of the version the app pins with `uwsgi==X`.
2. The wheel is kept in the build cache under a key of everything that makes the
   binary what it is. Same key next build: installed as is, no compiler runs.
   Changed key: rebuilt, and the log says which part changed.
3. It is installed into the app's Python before requirements.txt, so when the
   app lists `uwsgi` pip finds it already satisfied and compiles nothing.

Linking against Heroku's runtime needs care. uWSGI's python plugin links
`-lpython3.X` from `sysconfig`'s LIBDIR and bakes that directory into the binary
as its rpath, but LIBDIR points at the prefix the runtime was *built* under
(absent here), and the real directory is inside the temporary build dir (absent
at run time). We set `UWSGI_PYTHON_NOLIB` (a switch of uWSGI's own build) and
give the linker the real directory plus an rpath of `$ORIGIN/../lib`: the binary
lives in `.heroku/python/bin`, so it finds libpython wherever the slug is moved,
with or without LD_LIBRARY_PATH, and never looks in a directory that does not
belong to the app.

The binary is keyed by the Python *minor* version, not the patch release:
CPython keeps its ABI within a minor version ("code compiled for Python 3.10.0
will work on 3.10.8 and vice versa", in the C API's stability notes), the
reason pip installs a `cp312` wheel on every 3.12.x, and libpython's soname
(`libpython3.12.so.1.0`) stays the same. So an app on `3.12` that moves to the
next patch release keeps its uWSGI: no compiler runs, and the log says which
patch release it was built with.

The compile itself runs with `bin/support/uwsgi-cc` as its compiler: it adds a
precompiled header for uwsgi.h and the python plugin's header, which takes
about 40% off the compile's CPU time without changing a byte of the objects
(see that script).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import commands, errors, output
from .cache import CacheEntry, Metadata
from .requirements import pin_of

# The compiler launcher that adds precompiled headers (see the module docstring).
CC_LAUNCHER = Path(__file__).resolve().parents[2] / "bin" / "support" / "uwsgi-cc"

# Part of the cache key: change it whenever the flags below change.
BUILD_OPTIONS = "profile=default;python-nolib;rpath=$ORIGIN/../lib"

_HASH_RE = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class UwsgiSpec:
    """Which uWSGI to build and why."""

    version: str
    origin: str  # "vendor/uwsgi.txt" or "requirements.txt"
    sha256: str | None  # known for the vendored pin


def vendored(vendor_dir: Path) -> UwsgiSpec:
    """The buildpack's own pin, from the pip-compile lock in vendor/uwsgi.txt."""
    lock = vendor_dir / "uwsgi.txt"
    version = sha = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        pin = pin_of(line)
        if pin and pin[0] == "uwsgi":
            version = pin[1]
        hashed = _HASH_RE.search(line)
        if hashed and version and sha is None:
            sha = hashed.group(1)
    if not version or not sha:
        raise errors.internal(f"{lock} has no hashed uwsgi pin")
    return UwsgiSpec(version=version, origin="vendor/uwsgi.txt", sha256=sha)


def pinned_by_app(requirements: Path) -> str | None:
    """The version of an exact `uwsgi==X` pin in requirements.txt, if any."""
    if not requirements.is_file():
        return None
    for line in requirements.read_text(encoding="utf-8", errors="replace").splitlines():
        pin = pin_of(line.split("#", 1)[0])
        if pin and pin[0] == "uwsgi" and pin[1][:1].isdigit():
            return pin[1]
    return None


def choose(vendor_dir: Path, requirements: Path) -> UwsgiSpec:
    """The app's own exact pin wins over the buildpack's."""
    ours = vendored(vendor_dir)
    theirs = pinned_by_app(requirements)
    if theirs and theirs != ours.version:
        return UwsgiSpec(version=theirs, origin=requirements.name, sha256=None)
    return ours


@dataclass(frozen=True)
class UwsgiKey(Metadata):
    """The `uwsgi` cache entry's key: everything the compiled binary depends on."""

    uwsgi: str
    python_minor: str  # not the patch release: CPython's ABI is stable within a minor
    stack: str
    arch: str
    build_options: str = BUILD_OPTIONS


def cache_key(spec: UwsgiSpec, python_version: str, stack: str, arch: str) -> UwsgiKey:
    """Everything the compiled binary depends on."""
    minor = ".".join(python_version.split(".")[:2])
    return UwsgiKey(uwsgi=spec.version, python_minor=minor, stack=stack, arch=arch)


def cpu_count() -> int:
    """CPUs this process may use (the build dyno's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def compile_wheel(
    spec: UwsgiSpec,
    vendor_dir: Path,
    prefix: Path,
    python_minor: str,
    env: dict[str, str],
    out_dir: Path,
    pip: list[str] | None = None,
) -> Path:
    """Build the uWSGI wheel with the app's Python; return its path.

    `pip` is the command that runs pip (default: the app's installed pip).
    """
    python = str(prefix / "bin" / "python3")
    libdir = prefix / "lib"
    abiflags, sysconfig_cc = subprocess.run(
        [
            python,
            "-c",
            "import sys, sysconfig;"
            "print(sys.abiflags); print(sysconfig.get_config_var('CC') or 'cc')",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[:2]
    build_env = {
        **env,
        "UWSGI_PYTHON_NOLIB": "1",
        # The backslash survives into uwsgiconfig's shell link line as a literal $ORIGIN.
        "LDFLAGS": " ".join(
            [
                f"-L{libdir}",
                r"-Wl,-rpath,\$ORIGIN/../lib",
                "-Wl,--no-as-needed",
                f"-lpython{python_minor}{abiflags}",
                "-Wl,--as-needed",
            ]
        ),
        "CPUCOUNT": str(cpu_count()),
        "UWSGI_PROFILE": "default",
        # uWSGI's build runs `CC` (else the runtime's own compiler command);
        # the launcher runs that same command, with precompiled headers.
        "CC": str(CC_LAUNCHER),
        "UWSGI_BP_REAL_CC": env.get("CC") or sysconfig_cc,
    }
    # --no-cache-dir: pip's wheel cache is keyed by the `cp3X` tag only, and would
    # hand back a binary built against another patch release of the same minor.
    # --use-pep517: build in pip's isolated environment with a current setuptools
    # whatever the runtime has installed (3.10 and 3.11 runtimes may carry an old
    # setuptools without `wheel`, with which the legacy setup.py path fails).
    argv = [*(pip or [python, "-m", "pip"]), "wheel", "--no-deps", "--no-cache-dir", "--use-pep517"]
    argv += ["-w", str(out_dir)]
    if spec.sha256:
        argv += ["--require-hashes", "-r", str(vendor_dir / "uwsgi.txt")]
    else:
        argv += ["--no-binary", "uwsgi", f"uwsgi=={spec.version}"]
    with tempfile.NamedTemporaryFile(prefix="uwsgi-build-", suffix=".log", delete=False) as log:
        log_path = log.name
    try:
        commands.run(argv, env=build_env, echo=False, log_path=log_path, tail_lines=25)
    except commands.CommandFailed as exc:
        text = Path(log_path).read_text(encoding="utf-8", errors="replace")
        if "No matching distribution found" in text or "Could not find a version" in text:
            raise errors.uwsgi_version_not_found(spec.version, spec.origin) from None
        if "THESE PACKAGES DO NOT MATCH THE HASHES" in text:
            raise errors.uwsgi_hash_mismatch(spec.version) from None
        raise errors.uwsgi_compile_failed(spec.version, exc.tail) from None
    finally:
        os.unlink(log_path)
    wheels = sorted(out_dir.glob("uwsgi-*.whl")) + sorted(out_dir.glob("uWSGI-*.whl"))
    if not wheels:
        raise errors.internal("pip wheel produced no uWSGI wheel")
    return wheels[0]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class CachedWheel:
    """A cached wheel that matches the key, and the Python patch release it was built with."""

    path: Path
    built_with_python: str


def cached_wheel(entry: CacheEntry, key: UwsgiKey) -> tuple[CachedWheel | None, str]:
    """The cached wheel for `key` if it is there and intact, else None; and why."""
    reusable, reason = entry.check(key)
    if reusable:
        wheels = sorted(entry.data.glob("*.whl"))
        meta = entry.metadata() or {}
        if len(wheels) == 1 and sha256_of(wheels[0]) == meta.get("wheel_sha256"):
            return CachedWheel(wheels[0], meta.get("python", "")), reason
        reason = "cached binary failed its checksum"
    return None, reason


def compile_and_store(
    entry: CacheEntry,
    spec: UwsgiSpec,
    key: UwsgiKey,
    vendor_dir: Path,
    prefix: Path,
    python_version: str,
    env: dict[str, str],
    pip: list[str] | None = None,
) -> Path:
    """Compile the wheel and store it in the cache entry; return the cached wheel.

    Prints nothing, so that it can run in the background while other steps log.
    `pip` runs pip when the app's is not installed yet (a fresh runtime whose
    pip is being installed at the same time; see runtime.unpack_bundled_pip).
    """
    python_minor = key.python_minor
    with tempfile.TemporaryDirectory(prefix="uwsgi-bp-wheel-") as tmp:
        wheel = compile_wheel(spec, vendor_dir, prefix, python_minor, env, Path(tmp), pip)
        # `python` is not part of the key: it only tells later builds which
        # patch release the binary was built with.
        extra = {"wheel_sha256": sha256_of(wheel), "python": python_version}
        entry.store_file(wheel, {**key.as_dict(), **extra})
    return sorted(entry.data.glob("*.whl"))[0]


class BackgroundCompile:
    """A uWSGI compile running in a thread while the build goes on.

    Compiling uWSGI is half a minute of C on two cores; installing the app's
    packages is mostly waiting for the network. Doing both at once makes a cold
    build about as long as the longer of the two instead of their sum. The
    thread prints nothing (the compiler's output goes to a log that is shown
    only if it fails); `wait` re-raises a failure in the main thread. While it
    runs, the commands the main thread starts run niced
    (commands.yield_to_background).
    """

    def __init__(self, target: Callable[[], Path]) -> None:
        self.timer = output.Timer()
        self._result: Path | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(target,), daemon=True)
        self._thread.start()

    def _run(self, target: Callable[[], Path]) -> None:
        try:
            # The compile is the longer of the two: while it runs, the main
            # thread's commands (pip) give it the CPU first.
            with commands.yield_to_background():
                self._result = target()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by wait()
            self._error = exc

    def error_within(self, seconds: float) -> BaseException | None:
        """The compile's error if it fails within `seconds` (None if it is still running)."""
        self._thread.join(seconds)
        return None if self._thread.is_alive() else self._error

    def wait(self) -> Path:
        """Block until the compile is done; return the wheel or raise its error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
