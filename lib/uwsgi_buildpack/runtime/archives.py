"""Heroku's Python runtime archives: where they are, which exist, and unpacking one.

Heroku publishes the CPython its own buildpack uses as
`python-X.Y.Z-ubuntu-NN.04-ARCH.tar.zst`, a zstd-compressed tar whose root is the
install prefix (`bin/`, `include/`, `lib/`). We use the very same archives, so an
app gets the Python it would get from Heroku's buildpack, patched by Heroku's team.

Three quirks of those archives shape the code below:

- They are built with `--enable-shared` and no rpath: `bin/python3` only starts
  with `lib/` on `LD_LIBRARY_PATH`. Every command we run with the app's Python
  gets that variable (see `python_env`), and so does the dyno (`.profile.d`).
- They contain no pip, only the stdlib `ensurepip` module with its bundled pip
  wheel, which we install from (no download, no unpinned pip).
- They were built under a prefix that does not exist on the build machine, so
  `sysconfig` paths (LIBDIR and friends) are wrong. Python finds its own home from
  the executable's location and is fine; whatever compiles against it must be
  given the real paths (see `uwsgi_build`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tarfile

# tarfile and zipfile are imported where a fresh runtime is unpacked: a warm
# build never unpacks one, and starting the helper is most of its second.

from .. import commands, errors, output
from .version import version_key

DEFAULT_RUNTIME_URL = "https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com"

STACK_UBUNTU = {"heroku-22": "22.04", "heroku-24": "24.04", "heroku-26": "26.04"}
# Heroku publishes arm64 archives from heroku-24 on.
ARM64_STACKS = {"heroku-24", "heroku-26"}
MACHINE_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

DOWNLOAD_ATTEMPTS = 4
DOWNLOAD_TIMEOUT = 60


@dataclass(frozen=True)
class Platform:
    """The stack and CPU architecture a runtime must be built for."""

    stack: str
    ubuntu: str
    arch: str


def detect_platform(stack: str | None) -> Platform:
    """Map `STACK` and this machine to the archive naming scheme."""
    if not stack:
        raise errors.stack_missing()
    if stack not in STACK_UBUNTU:
        raise errors.stack_unsupported(stack, sorted(STACK_UBUNTU))
    machine = os.uname().machine  # what platform.machine() returns, without its import
    arch = MACHINE_ARCH.get(machine)
    if arch is None:
        raise errors.arch_unsupported(machine)
    if arch == "arm64" and stack not in ARM64_STACKS:
        raise errors.arch_unsupported_on_stack(stack, arch)
    return Platform(stack=stack, ubuntu=STACK_UBUNTU[stack], arch=arch)


def archive_name(version: str, plat: Platform) -> str:
    """`python-3.12.7-ubuntu-24.04-amd64.tar.zst`."""
    return f"python-{version}-ubuntu-{plat.ubuntu}-{plat.arch}.tar.zst"


@dataclass
class RuntimeSource:
    """A base URL serving runtime archives, with its SHA256SUMS if it has one."""

    base_url: str
    checksums: dict[str, str] | None  # archive name -> sha256

    def available(self, plat: Platform) -> dict[str, list[str]] | None:
        """`3.X` -> exact versions published for this platform (None: unknown)."""
        if self.checksums is None:
            return None
        found: dict[str, list[str]] = {}
        prefix, suffix = "python-", f"-ubuntu-{plat.ubuntu}-{plat.arch}.tar.zst"
        for name in self.checksums:
            if name.startswith(prefix) and name.endswith(suffix):
                version = name[len(prefix) : -len(suffix)]
                parts = version.split(".")
                if len(parts) == 3 and all(p.isdigit() for p in parts):
                    found.setdefault(".".join(parts[:2]), []).append(version)
        for versions in found.values():
            versions.sort(key=version_key)
        return found


def _redact(url: str) -> str:
    """A URL fit for the log: credentials (user:password@) removed."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.username or parsed.password:
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return url


def _open(url: str):  # noqa: ANN202 - urllib's response type is private
    request = urllib.request.Request(url, headers={"User-Agent": "uwsgi-buildpack"})
    return urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT)  # noqa: S310


def _with_retries(url: str, action, what: str):  # noqa: ANN001, ANN202
    """Run `action()` retrying network failures with exponential backoff.

    HTTP errors are answers, not failures: 404/403 are returned to the caller at
    once. Connection errors, timeouts and 5xx are retried; S3 and proxies hiccup.
    """
    delay = 1.0
    last: Exception | None = None
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            return action()
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                raise
            last = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            last = exc
        if attempt < DOWNLOAD_ATTEMPTS:
            output.detail(f"Retrying {what} in {delay:.0f}s ({_reason(last)})")
            time.sleep(delay)
            delay *= 2
    raise errors.runtime_source_unreachable(_redact(url), _reason(last), DOWNLOAD_ATTEMPTS)


def _reason(exc: Exception | None) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) if exc else "unknown error"


def open_source(base_url: str) -> RuntimeSource:
    """Fetch the source's SHA256SUMS if it publishes one."""
    base_url = base_url.strip().rstrip("/")
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise errors.runtime_url_invalid(_redact(base_url) if parsed.hostname else "(not a URL)")
    url = f"{base_url}/SHA256SUMS"

    def fetch() -> bytes:
        with _open(url) as response:
            return response.read()

    try:
        data = _with_retries(url, fetch, "SHA256SUMS")
    except urllib.error.HTTPError as exc:
        # S3 answers 403 rather than 404 for a missing key when listing is off.
        if exc.code in (403, 404):
            return RuntimeSource(base_url, None)
        raise errors.runtime_source_http_error(_redact(url), exc.code) from None
    return RuntimeSource(base_url, parse_checksums(data.decode("utf-8", "replace")))


def parse_checksums(text: str) -> dict[str, str]:
    """Parse `sha256sum` output: `<hex>  <name>` (or `<hex> *<name>`) lines."""
    sums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def download(source: RuntimeSource, name: str, dest: Path) -> None:
    """Download one archive to `dest`, verifying it against SHA256SUMS if listed."""
    url = f"{source.base_url}/{name}"

    def fetch() -> str:
        digest = hashlib.sha256()
        with _open(url) as response, open(dest, "wb") as out:
            expected_length = response.headers.get("Content-Length")
            size = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        if expected_length is not None and int(expected_length) != size:
            raise ConnectionError(f"download cut short at {size} of {expected_length} bytes")
        return digest.hexdigest()

    try:
        actual = _with_retries(url, fetch, name)
    except urllib.error.HTTPError as exc:
        if exc.code in (403, 404):
            raise errors.runtime_archive_missing(name, _redact(source.base_url)) from None
        raise errors.runtime_source_http_error(_redact(url), exc.code) from None
    if source.checksums is not None:
        expected = source.checksums.get(name)
        if expected is None:
            raise errors.runtime_archive_not_listed(name, _redact(source.base_url))
        if actual != expected:
            raise errors.runtime_checksum_mismatch(name, expected, actual)


def extract(archive: Path, dest: Path) -> None:
    """Unpack a `.tar.zst` into `dest`, refusing members that would escape it.

    zstd is on every Heroku build and run image; Python's own zstd module only
    arrives in 3.14, so we stream through the `zstd` command. tarfile's `data`
    filter (Python 3.12, backported to 3.10.12 and 3.11.4) refuses absolute
    paths, `..` and links pointing outside the destination, and strips setuid
    bits: exactly the checks a downloaded archive needs.
    """
    import tarfile

    if not hasattr(tarfile, "data_filter"):
        raise errors.tarfile_filter_missing()
    zstd = shutil.which("zstd")
    if zstd is None:
        raise errors.zstd_missing()
    dest.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(
        [zstd, "-dcq", str(archive)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                tar.extractall(dest, filter=_strict_data_filter)
        except tarfile.FilterError as exc:
            proc.kill()
            raise errors.runtime_archive_unsafe(archive.name, str(exc)) from None
        except (tarfile.TarError, EOFError, OSError) as exc:
            proc.kill()
            raise errors.runtime_archive_corrupt(archive.name, str(exc)) from None
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise errors.runtime_archive_corrupt(archive.name, stderr.strip() or "zstd failed")


def _strict_data_filter(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo | None:
    """tarfile's `data` filter, but refusing absolute names instead of rewriting them.

    The stock filter quietly strips a leading `/`; an archive carrying one is not
    a genuine runtime archive, so we would rather stop than guess.
    """
    import tarfile

    if member.name.startswith("/"):
        raise tarfile.AbsolutePathError(member)
    return tarfile.data_filter(member, dest_path)


def install(source: RuntimeSource, version: str, plat: Platform, prefix: Path) -> None:
    """Download, verify and unpack a runtime into `prefix` (which must not exist)."""
    name = archive_name(version, plat)
    with tempfile.TemporaryDirectory(prefix="uwsgi-bp-runtime-") as tmp:
        archive = Path(tmp) / name
        download(source, name, archive)
        staging = Path(tmp) / "python"
        extract(archive, staging)
        if not (staging / "bin" / "python3").exists():
            raise errors.runtime_archive_corrupt(name, "it has no bin/python3")
        prefix.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(prefix))


def python_env(prefix: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for running the app's Python at `prefix` during the build."""
    env = dict(os.environ if base is None else base)
    # The build image's own Python must not leak into the app's.
    for name in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE"):
        env.pop(name, None)
    lib = str(prefix / "lib")
    env["LD_LIBRARY_PATH"] = lib + (
        ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else ""
    )
    env["PATH"] = str(prefix / "bin") + os.pathsep + env.get("PATH", "")
    env["PYTHONNOUSERSITE"] = "1"
    env.setdefault("LANG", "C.UTF-8")
    return env


def bundled_pip_wheel(prefix: Path) -> Path:
    """The pip wheel the runtime carries in `ensurepip/_bundled`."""
    bundled = sorted(prefix.glob("lib/python3.*/ensurepip/_bundled/pip-*.whl"))
    if not bundled:
        raise errors.runtime_broken("the runtime has no bundled pip wheel in ensurepip/_bundled")
    return bundled[-1]


def unpack_bundled_pip(prefix: Path, dest: Path, env: dict[str, str]) -> list[str]:
    """Unpack the runtime's pip wheel into `dest`; return the argv that runs that pip.

    On a fresh runtime this pip installs itself, and the uWSGI compile uses it
    at the same time. pip can run straight from its wheel (`python
    pip.whl/pip`), but then every module is read through zipimport, which can
    neither use nor write bytecode: about 5 s of CPU for one `pip install`,
    paid again by every pip process the compile starts. Unpacked and
    byte-compiled once (a wheel is a zip archive of plain files, so `zipfile`
    unpacks it as pip itself would), each run takes a fraction of that.
    """
    import zipfile

    wheel = bundled_pip_wheel(prefix)
    with zipfile.ZipFile(wheel) as archive:
        # The package only: with its .dist-info on sys.path as well, that pip
        # would count itself as installed and not install the bundled wheel.
        members = [name for name in archive.namelist() if name.startswith("pip/")]
        for member in members:
            # A runtime archive is checksummed, but refuse odd names all the same.
            if ".." in Path(member).parts:
                raise errors.runtime_broken(f"{wheel.name} holds an unsafe path: {member}")
        archive.extractall(dest, members)
    python = str(prefix / "bin" / "python3")
    compileall = [python, "-m", "compileall", "-q", "-j", "0", str(dest / "pip")]
    commands.run(compileall, env=env, echo=False)
    return [python, str(dest / "pip")]


def bootstrap_pip(prefix: Path, env: dict[str, str], pip: list[str]) -> None:
    """Install pip from the runtime's own bundled wheel: no download, no unpinned pip.

    `pip` runs the bundled pip, unpacked by `unpack_bundled_pip`. `python -m
    ensurepip` would also install the setuptools it bundles on Python 3.10 and
    3.11, which the app never asked for (and which changes how pip builds
    sdists); the bundled pip installs just itself instead.
    """
    commands.run(
        [
            *pip,
            "install",
            "--no-index",
            "--no-cache-dir",
            "--no-deps",
            "--no-warn-script-location",
            str(bundled_pip_wheel(prefix)),
        ],
        env=env,
        echo=False,
    )
    forget_wheel_origin(prefix, "pip")


def forget_wheel_origin(prefix: Path, project: str) -> None:
    """Drop the `direct_url.json` pip records for a package installed from a wheel file.

    pip notes "installed from file:///tmp/.../x.whl#sha256=..." for such a
    package, and pip-sync then treats it as a different requirement from
    `x==1.0` (and uninstalls it, pip included, on its next run). The buildpack's
    own wheels (pip from the runtime, uWSGI from the build cache) are the same
    files as the index releases they were built from, so they are recorded the
    way an index install would be; `pip freeze` shows `uWSGI==2.0.31` too.
    """
    wanted = project.lower().replace("-", "_")
    for info in prefix.glob("lib/python3.*/site-packages/*.dist-info"):
        name = info.name[: -len(".dist-info")].rsplit("-", 1)[0]
        if name.lower().replace("-", "_").replace(".", "_") == wanted:
            (info / "direct_url.json").unlink(missing_ok=True)
            record = info / "RECORD"
            if record.is_file():
                lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
                kept = [line for line in lines if "/direct_url.json," not in line]
                # A new file renamed into place: the old one may be a hard link
                # into the build cache (see cache.link_tree).
                tmp = record.with_name("RECORD.tmp")
                tmp.write_text("".join(kept), encoding="utf-8")
                os.replace(tmp, record)


def python_runtime_version(prefix: Path, env: dict[str, str]) -> str:
    """Ask the installed Python for its exact version."""
    result = subprocess.run(
        [
            str(prefix / "bin" / "python3"),
            "-c",
            "import platform; print(platform.python_version())",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise errors.runtime_broken(result.stdout + result.stderr)
    return result.stdout.strip()
