"""pip-tools, run beside the app's Python without ever being installed into it.

pip-compile turns loose requirements into a lock, and pip-sync makes an
environment match a lock exactly: it uninstalls what the lock does not name
and installs or re-pins what it does, leaving satisfied packages alone. That
is what a cached build needs: without it, a package removed from
requirements.txt lingers in the slug forever, because `pip install -r` only
ever adds.

pip-tools (hash-pinned in vendor/pip-tools.txt, without pip) is installed with
the app's pip into a directory of the build cache and run by the app's Python
with that directory put first on `sys.path` by a one-line runner. It is not on
PYTHONPATH: pip-sync starts the app's pip as a subprocess, which would then
see pip-tools' own dependencies (click, build, ...) as installed in the app.
Nothing of pip-tools reaches the slug. pip is the app's own, so pip-tools uses
the same pip version (and configuration) that installs the packages.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import commands, dependencies, errors
from .cache import CacheEntry, Metadata

# Runs piptools' CLI (`python -m piptools compile|sync ...`) from DIR.
_RUNNER = (
    "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'pip-tools'; "
    "runpy.run_module('piptools', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class PipToolsKey(Metadata):
    """The `pip-tools` cache entry's key."""

    pip_tools_lock: str
    python_minor: str


def ensure(
    cache_dir: Path, vendor_dir: Path, python: Path, minor: str, env: dict[str, str]
) -> Path:
    """The directory holding pip-tools for this Python, installed on first use."""
    lock = vendor_dir / "pip-tools.txt"
    key = PipToolsKey(hashlib.sha256(lock.read_bytes()).hexdigest()[:16], minor)
    entry = CacheEntry(cache_dir, "pip-tools")
    return dependencies.ensure_tool(
        entry, key, "pip-tools", "piptools", python, lock, env, python_minor=minor
    )


def _argv(tools: Path, python: Path, command: str) -> list[str]:
    return [str(python), "-c", _RUNNER, str(tools), command]


def compile_lock(
    tools: Path,
    python: Path,
    build_dir: Path,
    source: str,
    lock: Path,
    env: dict[str, str],
    cache: Path,
) -> None:
    """pip-compile `source` (relative to the build dir) into `lock`.

    An existing `lock` is pip-compile's starting point: pins that still satisfy
    the source are kept, so editing one line does not upgrade everything else.
    Index URLs are never written into the lock: they may carry credentials.
    """
    argv = _argv(tools, python, "compile")
    argv += ["--quiet", "--no-header", "--allow-unsafe", "--strip-extras"]
    argv += ["--no-emit-index-url", "--no-emit-trusted-host", "--no-emit-find-links"]
    argv += ["--cache-dir", str(cache), "--output-file", str(lock), source]
    with tempfile.NamedTemporaryFile(prefix="uwsgi-bp-compile-", suffix=".log") as log:
        try:
            commands.run(
                argv, env=env, cwd=str(build_dir), echo=False, log_path=log.name, tail_lines=30
            )
        except commands.CommandFailed:
            text = Path(log.name).read_text(encoding="utf-8", errors="replace")
            raise errors.lock_failed(source, _without_traceback(text)[-25:]) from None


_EXCEPTION_RE = re.compile(r"^[\w.]+(?:Error|Exception): ")


def _without_traceback(text: str) -> list[str]:
    """pip-tools' output up to the Python traceback it prints when pip fails.

    What pip said (the error) comes first; the traceback after it is noise to the
    user, and we promise never to show one. A traceback that comes first (an
    error inside pip-tools itself) is reduced to its last line, the exception.
    """
    head, marker, tail = text.partition("Traceback (most recent call last):")
    lines = head.splitlines()
    if marker and not any(line.strip() for line in lines):
        # "pip._internal.exceptions.InstallationError: Invalid requirement: ..."
        # and the lines after it (newer pips point at the bad character).
        rest = [line for line in tail.splitlines() if line.strip()]
        starts = [i for i, line in enumerate(rest) if _EXCEPTION_RE.match(line)]
        lines = rest[starts[-1] :] if starts else rest[-1:]
        if lines:
            lines[0] = _EXCEPTION_RE.sub("", lines[0])
    return lines


def sync(
    tools: Path,
    python: Path,
    build_dir: Path,
    files: list[Path],
    env: dict[str, str],
    source_name: str,
) -> list[str]:
    """pip-sync the app's Python to exactly `files`; returns pip's output tail.

    `source_name` is the file the user wrote (for messages): the lock may be a
    temporary file of ours.
    """
    argv = _argv(tools, python, "sync") + ["--python-executable", str(python)]
    argv += ["--pip-args", f"--exists-action=w --src {build_dir / '.heroku' / 'src'}"]
    argv += [str(f) for f in files]
    with tempfile.NamedTemporaryFile(prefix="uwsgi-bp-sync-", suffix=".log") as log:
        try:
            return commands.run(
                argv,
                env=env,
                cwd=str(build_dir),
                filter_line=_PipOutputFilter(),
                log_path=log.name,
                tail_lines=40,
            )
        except commands.CommandFailed:
            text = Path(log.name).read_text(encoding="utf-8", errors="replace")
            mismatched = hash_mismatches(text)
            if mismatched:
                raise errors.hash_mismatch(source_name, mismatched) from None
            raise errors.pip_install_failed(source_name, _without_traceback(text)[-30:]) from None


def hash_mismatches(pip_output: str) -> list[str]:
    """`name==version` of every package pip refused because its hash did not match."""
    found = []
    in_block = False
    for line in pip_output.splitlines():
        if "DO NOT MATCH THE HASHES" in line:
            in_block = True
            continue
        if in_block:
            stripped = line.strip()
            if " from " in stripped and ("==" in stripped or "(" in stripped):
                found.append(stripped.split(" from ", 1)[0])
    return found


class _PipOutputFilter:
    """Show pip's progress; hide per-file chatter and pip-sync's own traceback.

    When pip fails, pip-sync re-raises its exit status as a Python traceback.
    pip's own error message, shown just before it, is what the user needs; the
    traceback is noise (and we promise never to show one).
    """

    def __init__(self) -> None:
        self.in_traceback = False

    def __call__(self, line: str) -> bool:
        if line.startswith("Traceback (most recent call last):"):
            self.in_traceback = True
        if self.in_traceback:
            return False
        return dependencies.shows_pip_line(line)
