"""Compiling uWSGI once per (uWSGI version, Python minor, stack, architecture, options).

uWSGI ships on PyPI as an sdist only, so `pip install uwsgi` compiles it: about
half a minute of C on a build dyno, on every build whose pip cache missed, and
then once more whenever pip decides to. We take that work off pip's hands:

1. The sdist pinned (with its sha256) in `vendor/uwsgi.txt`, or the version
   the app pins with `uwsgi==X`, is fetched from the index pip is configured
   with (package_index), checked, and compiled by uWSGI's own `uwsgiconfig.py`
   with the app's Python, then packed as the wheel pip would have made of it
   (compile_source). pip's way, `pip wheel`, first spends about five seconds
   setting up an isolated build environment and running setup.py for the
   sdist's metadata; it remains the fallback whenever package_index declines
   (a pip setting it does not handle, any fetch failure).
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
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import commands, errors, output
from ..cache import CacheEntry, Metadata
from ..packages.requirements import pin_of

# The compiler launcher that adds precompiled headers (see the module docstring).
CC_LAUNCHER = Path(__file__).resolve().parents[3] / "bin" / "support" / "uwsgi-cc"

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
    plugins: str = "full"  # plugins.PluginSet.name: "reduced" (python only) or "full"


@dataclass(frozen=True)
class UwsgiRecord(UwsgiKey):
    """The `uwsgi` entry's metadata: its key, the wheel's sha256, the Python it was built with."""

    wheel_sha256: str = ""
    python: str = ""  # the patch release: the binary serves every one of its minor


def cache_key(
    spec: UwsgiSpec, python_version: str, stack: str, arch: str, plugin_set: str = "full"
) -> UwsgiKey:
    """Everything the compiled binary depends on."""
    minor = ".".join(python_version.split(".")[:2])
    return UwsgiKey(
        uwsgi=spec.version, python_minor=minor, stack=stack, arch=arch, plugins=plugin_set
    )


def cpu_count() -> int:
    """CPUs this process may use (the build dyno's share, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class _Runtime:
    """What the compile needs to know of the app's Python."""

    python: str
    abiflags: str
    cc: str
    wheel_tag: str  # e.g. cp312-cp312-linux_x86_64, as pip's wheel of it would be tagged


def _runtime(prefix: Path, env: dict[str, str]) -> _Runtime:
    python = str(prefix / "bin" / "python3")
    abiflags, cc, platform, nodot = subprocess.run(
        [
            python,
            "-c",
            "import sys, sysconfig;"
            "print(sys.abiflags); print(sysconfig.get_config_var('CC') or 'cc');"
            "print(sysconfig.get_platform()); print('%d%d' % sys.version_info[:2])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[:4]
    platform_tag = platform.replace("-", "_").replace(".", "_")
    return _Runtime(python, abiflags, cc, f"cp{nodot}-cp{nodot}{abiflags}-{platform_tag}")


def _launcher(scratch: Path) -> str | None:
    """The compiler launcher as a path uWSGI's build can run, or None if there is none.

    uwsgiconfig.py pastes `CC` unquoted into shell command lines, so a
    launcher under a directory with a space in its name (the buildpack's
    checkout) would be split into two words. Then a symlink to it in
    `scratch` (the compile's own temporary directory) stands in for it; if
    that path has whitespace too, the compile runs the real compiler,
    without precompiled headers (slower, same binary).
    """
    path = str(CC_LAUNCHER)
    if not any(c.isspace() for c in path):
        return path
    link = scratch / "uwsgi-cc"
    if any(c.isspace() for c in str(link)):
        return None
    link.unlink(missing_ok=True)
    link.symlink_to(CC_LAUNCHER)
    return str(link)


def _build_env(
    runtime: _Runtime,
    prefix: Path,
    python_minor: str,
    env: dict[str, str],
    launcher: str | None,
    override: str | None,
) -> dict[str, str]:
    """The environment of uWSGI's own build (uwsgiconfig.py), however it is started.

    `override`: uWSGI's own UWSGI_PROFILE_OVERRIDE (the plugin set's), which
    replaces settings of the profile; None builds the profile as it is.
    """
    libdir = prefix / "lib"
    real_cc = env.get("CC") or runtime.cc
    base = dict(env)
    if override:
        base["UWSGI_PROFILE_OVERRIDE"] = override
    return {
        **base,
        "UWSGI_PYTHON_NOLIB": "1",
        # The backslash survives into uwsgiconfig's shell link line as a literal $ORIGIN.
        "LDFLAGS": " ".join(
            [
                f"-L{libdir}",
                r"-Wl,-rpath,\$ORIGIN/../lib",
                "-Wl,--no-as-needed",
                f"-lpython{python_minor}{runtime.abiflags}",
                "-Wl,--as-needed",
            ]
        ),
        "CPUCOUNT": str(cpu_count()),
        "UWSGI_PROFILE": "default",
        # uWSGI's build runs `CC` (else the runtime's own compiler command);
        # the launcher runs that same command, with precompiled headers.
        "CC": launcher or real_cc,
        "UWSGI_BP_REAL_CC": real_cc,
    }


def _run_logged(
    argv: list[str],
    build_env: dict[str, str],
    version: str,
    spec: UwsgiSpec | None,
    cwd: Path | None = None,
) -> None:
    """Run one step of the build with its output in a log, shown (its tail) only on failure."""
    commands.run_logged(
        argv,
        lambda text: _build_failure(text, version, spec),
        env=build_env,
        cwd=str(cwd) if cwd else None,
    )


def _build_failure(output: str, version: str, spec: UwsgiSpec | None) -> errors.BuildError:
    """What a failed step of the build said: no such uWSGI, a bad hash, or the compiler's error."""
    if spec is not None:
        if "No matching distribution found" in output or "Could not find a version" in output:
            return errors.uwsgi_version_not_found(spec.version, spec.origin)
        if "THESE PACKAGES DO NOT MATCH THE HASHES" in output:
            return errors.uwsgi_hash_mismatch(spec.version)
    return errors.uwsgi_compile_failed(version, output.splitlines()[-25:])


def compile_wheel(
    spec: UwsgiSpec,
    vendor_dir: Path,
    prefix: Path,
    python_minor: str,
    env: dict[str, str],
    out_dir: Path,
    pip: list[str] | None = None,
    override: str | None = None,
) -> Path:
    """Build the uWSGI wheel with pip and the app's Python; return its path.

    The way every Python package is built, and the fallback when the sdist
    cannot be fetched directly (see package_index). `pip` is the command that
    runs pip (default: the app's installed pip); `override` the plugin set's
    UWSGI_PROFILE_OVERRIDE (uWSGI's setup.py builds through uwsgiconfig.py,
    which reads it).
    """
    runtime = _runtime(prefix, env)
    build_env = _build_env(runtime, prefix, python_minor, env, _launcher(out_dir), override)
    # --no-cache-dir: pip's wheel cache is keyed by the `cp3X` tag only, and would
    # hand back a binary built against another patch release of the same minor.
    # --use-pep517: build in pip's isolated environment with a current setuptools
    # whatever the runtime has installed (3.10 and 3.11 runtimes may carry an old
    # setuptools without `wheel`, with which the legacy setup.py path fails).
    argv = [
        *(pip or [runtime.python, "-m", "pip"]),
        "wheel",
        "--no-deps",
        "--no-cache-dir",
        "--use-pep517",
    ]
    argv += ["-w", str(out_dir)]
    if spec.sha256:
        argv += ["--require-hashes", "-r", str(vendor_dir / "uwsgi.txt")]
    else:
        argv += ["--no-binary", "uwsgi", f"uwsgi=={spec.version}"]
    _run_logged(argv, build_env, spec.version, spec)
    wheels = sorted(out_dir.glob("uwsgi-*.whl")) + sorted(out_dir.glob("uWSGI-*.whl"))
    if not wheels:
        raise errors.internal("pip wheel produced no uWSGI wheel")
    return wheels[0]


# tarfile's safe extraction (the `data` filter), as a program of its own.
# Its one line of output on failure is the error, never a traceback.
_UNPACK = """
import sys, tarfile
try:
    with tarfile.open(sys.argv[1], "r:gz") as tar:
        tar.extractall(sys.argv[2], filter="data")
except (tarfile.TarError, EOFError, OSError) as exc:
    sys.exit(f"{type(exc).__name__}: {exc}")
"""


def unpack_sdist(sdist: Path, out_dir: Path) -> Path:
    """Unpack uWSGI's checked sdist into `out_dir`; return its source tree.

    Needs no Python of the app's: a cold build does it while the runtime is
    still being unpacked, by this process's main thread. So in a process of
    its own (the build image's python3, as this helper): two tarfile
    extractions in one process take turns on the GIL, and the runtime's is
    what the compile waits for.
    """
    import tarfile

    if not hasattr(tarfile, "data_filter"):
        raise errors.tarfile_filter_missing()
    unpacked = out_dir / "src"
    argv = [sys.executable, "-E", "-S", "-B", "-c", _UNPACK, str(sdist), str(unpacked)]
    try:
        commands.run(argv, echo=False, tail_lines=3)
    except commands.CommandFailed as exc:
        raise errors.internal(f"{sdist.name} could not be unpacked: {' '.join(exc.tail)}") from None
    tops = [p for p in unpacked.iterdir() if p.is_dir()]
    if len(tops) != 1 or not (tops[0] / "uwsgiconfig.py").is_file():
        raise errors.internal(f"{sdist.name} does not hold uWSGI's sources")
    return tops[0]


def compile_source(
    source: Path,
    version: str,
    prefix: Path,
    python_minor: str,
    env: dict[str, str],
    out_dir: Path,
    override: str | None = None,
) -> Path:
    """Build uWSGI from its unpacked sdist with its own `uwsgiconfig.py`; return the wheel.

    What uWSGI's setup.py does inside `pip wheel` (`uwsgiconfig.build_uwsgi`
    with the `default` profile, by the app's Python), without pip's isolated
    build environment: the compile starts a second after the runtime is
    unpacked instead of several seconds later. The wheel is packed here the
    way setuptools packs it (see _pack_wheel), so installing it is the same.
    """
    runtime = _runtime(prefix, env)
    build_env = _build_env(runtime, prefix, python_minor, env, _launcher(out_dir), override)
    _run_logged(
        [runtime.python, "uwsgiconfig.py", "--build", "default"], build_env, version, None, source
    )
    return _pack_wheel(source, version, runtime.wheel_tag, out_dir)


def _pack_wheel(source: Path, version: str, tag: str, out_dir: Path) -> Path:
    """The wheel `pip wheel` makes of uWSGI's sdist, from its compiled tree.

    Written by hand (PEP 427: a zip of the files, their sha256 in RECORD)
    because the build image's Python has no `wheel` package. The same layout
    as setuptools': the binary under .data/scripts, uwsgidecorators.py under
    .data/purelib (the wheel is not pure), the sdist's PKG-INFO as METADATA.
    """
    import base64
    import zipfile

    metadata = (source / "PKG-INFO").read_bytes()
    if f"\nVersion: {version}\n".encode() not in metadata:
        raise errors.internal(f"uWSGI's PKG-INFO does not say version {version}")
    data, info = f"uwsgi-{version}.data", f"uwsgi-{version}.dist-info"
    files: list[tuple[str, bytes, int]] = [
        (f"{data}/purelib/uwsgidecorators.py", (source / "uwsgidecorators.py").read_bytes(), 0o644),
        (f"{data}/scripts/uwsgi", (source / "uwsgi").read_bytes(), 0o755),
        (f"{info}/licenses/LICENSE", (source / "LICENSE").read_bytes(), 0o644),
        (f"{info}/METADATA", metadata, 0o644),
        (
            f"{info}/WHEEL",
            (
                "Wheel-Version: 1.0\nGenerator: uwsgi-buildpack\n"
                f"Root-Is-Purelib: false\nTag: {tag}\n\n"
            ).encode(),
            0o644,
        ),
        (f"{info}/top_level.txt", b"uwsgidecorators\n", 0o644),
    ]
    record = []
    for name, content, _mode in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(content)}")
    record.append(f"{info}/RECORD,,")
    files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
    wheel = out_dir / f"uwsgi-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content, mode in files:
            member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            member.external_attr = (0o100000 | mode) << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, content)
    return wheel


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
        record = entry.read(UwsgiRecord)
        if record and len(wheels) == 1 and sha256_of(wheels[0]) == record.wheel_sha256:
            return CachedWheel(wheels[0], record.python), reason
        reason = "cached binary failed its checksum"
    return None, reason


@dataclass(frozen=True)
class Compiled:
    """A compiled wheel in the cache, and how its source was fetched."""

    wheel: Path
    source: str  # where the sdist came from and what built it (pip: why)


def compile_and_store(
    entry: CacheEntry,
    spec: UwsgiSpec,
    key: UwsgiKey,
    vendor_dir: Path,
    prefix: Path,
    python_version: str,
    env: dict[str, str],
    *,
    override: str | None = None,
    pip_installed: bool = True,
    python_ready: threading.Event | None = None,
) -> Compiled:
    """Compile the wheel and store it in the cache entry; return the cached wheel.

    The sdist is fetched directly and compiled with uwsgiconfig.py
    (compile_source) when package_index can fetch it as pip would; otherwise pip
    builds the wheel. Prints nothing, so that it can run in the background
    while other steps log. Without `pip_installed` (a fresh runtime whose pip
    is being installed at the same time), the pip fallback runs the runtime's
    bundled pip, unpacked for itself. With `python_ready`, the Python at
    `prefix` is still being unpacked: the sdist is fetched meanwhile, and
    nothing runs it before the event is set.
    """
    from ..runtime import archives as runtime
    from ..wheels import index as package_index

    python_minor = key.python_minor
    with tempfile.TemporaryDirectory(prefix="uwsgi-bp-wheel-") as tmp:

        def fetch_and_unpack() -> tuple[package_index.Fetched, Path | None]:
            got = package_index.fetch_sdist(
                "uwsgi", spec.version, spec.sha256, Path(tmp), env, prefix
            )
            return got, (unpack_sdist(got.path, Path(tmp)) if got.path is not None else None)

        fetched, source = fetch_and_unpack()
        if python_ready is not None:
            while not python_ready.wait(0.1):
                _unless_stopping()
            if fetched.path is not None and (prefix / "pip.conf").exists():
                # pip would also read the prefix's own pip.conf, which the
                # runtime brought: fetch again, with it.
                fetched.path.unlink()
                shutil.rmtree(Path(tmp) / "src")
                fetched, source = fetch_and_unpack()
        _unless_stopping()
        if source is not None:
            wheel = compile_source(
                source, spec.version, prefix, python_minor, env, Path(tmp), override
            )
            how = f"{fetched.reason}, sha256 checked, built with uwsgiconfig.py"
        else:
            pip = (
                None
                if pip_installed
                else runtime.unpack_bundled_pip(prefix, Path(tmp) / "pip", env)
            )
            out = Path(tmp) / "wheel"
            out.mkdir()
            wheel = compile_wheel(spec, vendor_dir, prefix, python_minor, env, out, pip, override)
            how = f"built by pip wheel: {fetched.reason}"
        # `python` is not part of the key: it only tells later builds which
        # patch release the binary was built with.
        record = UwsgiRecord(**key.as_dict(), wheel_sha256=sha256_of(wheel), python=python_version)
        entry.store_file(wheel, record)
    return Compiled(sorted(entry.data.glob("*.whl"))[0], how)


def _unless_stopping() -> None:
    """Give up, between two steps, when the build is stopping (it failed meanwhile)."""
    if commands.stopping():
        raise errors.internal("the build stopped while uWSGI compiled")


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

    def __init__(self, target: Callable[[], Compiled]) -> None:
        self.timer = output.Timer()
        self._result: Compiled | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(target,), daemon=True)
        commands.track_background(self._thread)
        self._thread.start()

    def _run(self, target: Callable[[], Compiled]) -> None:
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

    def wait(self) -> Compiled:
        """Block until the compile is done; return the wheel or raise its error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
