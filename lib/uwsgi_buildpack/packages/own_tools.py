"""The buildpack's own tools: pip-tools, Poetry and uv, beside the app, never in it.

Each is hash-pinned in a lock under vendor/ and installed from it into an
entry of the build cache (laid out as `pip install --target` lays it out),
never into the app's Python and never into the build image's: nothing of
them reaches the slug. The entry is reused while its key (the lock's digest,
and the Python minor version where the tool has compiled parts) matches and
the file that proves the install is there.

How each is installed and run is one record of `TOOLS`; `ensure` does the
rest for all of them. A tool that is Python code runs on the app's Python
with its directory put first on `sys.path` by `RUNNER`, not through
PYTHONPATH: pip-sync starts the app's pip as a subprocess, which would then
see pip-tools' own dependencies (click, build, ...) as installed in the app.
The app's Python, because it is the one Python the build is sure of (3.10 to
3.14) and it has pip; the build image's python3 may lack pip and venv.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import commands, errors, output
from ..cache import CacheEntry, Metadata
from ..wheels import index as package_index
from ..wheels import install as wheel_install
from . import requirements

# `python -c RUNNER DIR MODULE ARG...` runs `python -m MODULE ARG...` with DIR
# first on sys.path. run_module sets sys.argv[0] to the module's file, as -m does.
RUNNER = (
    "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); "
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class Tool:
    """One of the buildpack's own tools: where it comes from and how it runs."""

    name: str  # its cache entry
    label: str  # how the build log names it
    lock: str  # its hash-pinned lock, under vendor/
    probe: str  # a path in the entry that exists once it is installed
    # Keyed by the Python minor version: compiled dependencies, or bytecode
    # written for that Python.
    per_python: bool
    # The lock is pure-Python wheels: fetched and unpacked without pip
    # (install_pinned_wheels), pip taking over when that declines.
    pure_wheels: bool
    # The module the app's Python runs through RUNNER; None: `probe` is an
    # executable, run as it is.
    module: str | None


PIP_TOOLS = Tool(
    name="pip-tools",
    label="pip-tools",
    lock="pip-tools.txt",
    probe="piptools",
    per_python=True,  # bytecode
    pure_wheels=True,
    module="piptools",
)
POETRY = Tool(
    name="poetry",
    label="Poetry",
    lock="poetry.txt",  # markers: pip reads it
    probe="poetry",
    per_python=True,  # rapidfuzz, msgpack, cryptography are compiled
    pure_wheels=False,
    # Poetry finds its export plugin through the entry points of the
    # distributions on sys.path, the tool directory's too.
    module="poetry",
)
UV = Tool(
    name="uv",
    label="uv",
    lock="uv.txt",
    probe="bin/uv",
    per_python=False,  # one static binary, whatever the Python
    pure_wheels=False,
    module=None,
)

TOOLS = (PIP_TOOLS, POETRY, UV)


@dataclass(frozen=True)
class ToolKey(Metadata):
    """A tool's cache entry's key (every tool's)."""

    vendor_lock: str  # the first 16 hex digits of the lock's sha256
    python_minor: str  # "" for a tool that is the same for every Python

    def as_dict(self) -> dict[str, str]:
        """The fields as stored; a tool that is the same for every Python stores no Python."""
        return {name: value for name, value in super().as_dict().items() if value}


@dataclass(frozen=True)
class Installed:
    """A tool ready to run: its directory in the cache, and the Python that runs it."""

    tool: Tool
    path: Path
    python: Path

    def argv(self, *args: str) -> list[str]:
        """The command line running the tool with `args`."""
        if self.tool.module is None:
            return [str(self.path / self.tool.probe), *args]
        return [str(self.python), "-c", RUNNER, str(self.path), self.tool.module, *args]


def ensure(
    tool: Tool,
    cache_dir: Path,
    vendor_dir: Path,
    python: Path,
    minor: str,
    env: dict[str, str],
) -> Installed:
    """`tool`, installed from its vendor lock into its cache entry on first use.

    Reused while the key matches and the probe is there. Otherwise pip
    installs the lock (`pip install --target`, hash-checked), or, for a lock
    of pure-Python wheels, install_pinned_wheels does without pip; when that
    declines, the log says why and pip does it.
    """
    lock = vendor_dir / tool.lock
    key = ToolKey(
        vendor_lock=hashlib.sha256(lock.read_bytes()).hexdigest()[:16],
        python_minor=minor if tool.per_python else "",
    )
    entry = CacheEntry(cache_dir, tool.name)
    reusable, reason = entry.check(key)
    if reusable and (entry.data / tool.probe).exists():
        output.detail(f"{tool.label}: reusing cache ({reason})")
        return Installed(tool, entry.data, python)
    output.detail(f"{tool.label}: installing ({reason})")
    with tempfile.TemporaryDirectory(prefix=f"uwsgi-bp-{tool.name}-") as tmp:
        target = Path(tmp) / "target"
        done = None
        if tool.pure_wheels:
            try:
                done = install_pinned_wheels(lock, target, python, minor, env, Path(tmp))
            except wheel_install.NotHandled as declined:
                output.detail(f"{tool.label}: installing with pip ({declined})")
                shutil.rmtree(target, ignore_errors=True)
        if done is None:
            _pip_install(python, lock, target, env)
        else:
            output.detail(f"{tool.label}: {done}")
        entry.store_tree(target, key, move=True)
    return Installed(tool, entry.data, python)


def _pip_install(python: Path, lock: Path, target: Path, env: dict[str, str]) -> None:
    """`pip install --target` of a hash-pinned lock, with the machine's pip configuration."""
    argv = [str(python), "-m", "pip", "install", "--no-deps", "--require-hashes"]
    argv += ["--target", str(target), "--requirement", str(lock)]
    try:
        commands.run(argv, env=env, echo=False, tail_lines=30)
    except commands.CommandFailed as exc:
        raise errors.pip_install_failed(lock.name, exc.tail) from None


_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)")


def pinned(lock_text: str) -> list[tuple[str, str, frozenset[str]]] | None:
    """(name, version, sha256s) of each line of a hash-pinned lock of plain pins.

    None if any requirement is more than `name==version --hash=sha256:...`
    (markers, extras, URLs, options): then pip reads the lock.
    """
    pins = []
    for _, line in requirements.logical_lines(lock_text):
        words = line.split()
        if not words:
            continue
        match = _PIN.fullmatch(words[0])
        hashes = frozenset(
            w[len("--hash=sha256:") :] for w in words[1:] if w.startswith("--hash=sha256:")
        )
        if match is None or not hashes or len(hashes) != len(words) - 1:
            return None
        pins.append((match[1], match[2], hashes))
    return pins


def install_pinned_wheels(
    lock: Path, target: Path, python: Path, python_minor: str, env: dict[str, str], tmp: Path
) -> str:
    """Install a lock's pure-Python wheels into `target`, as `pip install --target` would.

    Fetched from pip's index (package_index.fetch_wheel, all at once: each is
    two requests, and the round trips are most of the time) and unpacked by
    wheel_install. Saves the second and a half of CPU that pip takes, beside
    a cold build's uWSGI compile. Returns what it did, for the log. Raises
    wheel_install.NotHandled with the reason when it declines (the lock is
    more than plain pins, a wheel could not be fetched or unpacked): pip
    then installs the lock, into an emptied `target`.

    Each project gets its pure-Python wheel of the pinned version. Where the
    lock also pins compiled wheels (tomli's mypyc builds), pip would pick the
    one for the running CPython: the same version and API, in the tool's own
    directory, never the app's Python; choosing among platform tags as pip
    does is not worth writing for that.
    """
    pins = pinned(lock.read_text(encoding="utf-8"))
    if not pins:
        raise wheel_install.NotHandled("the lock is not plain pins")
    downloads = tmp / "wheels"
    downloads.mkdir()
    site_prefix = python.parent.parent
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(pins)) as pool:
        fetched = list(
            pool.map(lambda pin: package_index.fetch_wheel(*pin, downloads, env, site_prefix), pins)
        )
    for result in fetched:
        if result.path is None:
            raise wheel_install.NotHandled(result.reason)
    wheel_install.install_many(
        [f.path for f in fetched if f.path], target, target / "bin", python, python_minor, env
    )
    hosts = sorted({f.reason.rsplit(" from ", 1)[-1] for f in fetched})
    return f"installed {len(pins)} pinned wheels from {', '.join(hosts)}, sha256 checked"
