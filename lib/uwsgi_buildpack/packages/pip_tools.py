"""pip-tools, run beside the app's Python without ever being installed into it.

pip-compile turns loose requirements into a lock, and pip-sync makes an
environment match a lock exactly: it uninstalls what the lock does not name
and installs or re-pins what it does, leaving satisfied packages alone. That
is what a cached build needs: without it, a package removed from
requirements.txt lingers in the slug forever, because `pip install -r` only
ever adds.

pip-tools (hash-pinned in vendor/pip-tools.txt, without pip) is one of the
buildpack's own tools (own_tools.PIP_TOOLS): installed into a directory of
the build cache and run by the app's Python with that directory first on
`sys.path`, never installed into the app. pip is the app's own, so pip-tools
uses the same pip version (and configuration) that installs the packages.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import commands, errors, output
from . import pip as dependencies
from .manager import PackageManager, locked_names
from .own_tools import Installed
from .requirements import normalise


def compile_lock(
    tools: Installed,
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
    argv = tools.argv("compile", "--quiet", "--no-header", "--allow-unsafe", "--strip-extras")
    argv += ["--no-emit-index-url", "--no-emit-trusted-host", "--no-emit-find-links"]
    argv += ["--cache-dir", str(cache), "--output-file", str(lock), source]
    commands.run_logged(
        argv,
        lambda text: errors.lock_failed(source, _without_traceback(text)[-25:]),
        env=env,
        cwd=str(build_dir),
    )


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
    tools: Installed,
    build_dir: Path,
    files: list[Path],
    env: dict[str, str],
    source_name: str,
    manager: PackageManager,
    *,
    no_deps: bool = False,
) -> list[str]:
    """pip-sync the app's Python to exactly `files`; returns pip's output tail.

    `source_name` is the file the user wrote (for messages): the lock may be a
    temporary file of ours; `manager` made it (and says how to hash it again).
    `no_deps`: pip installs what `files` pin and nothing else (a file that was
    not resolved, whose completeness pip check then confirms). Its output is
    shown once pip succeeded: when it fails, the caller resolves the file
    with pip-compile, whose error is the one to read (and pip's lines would
    only say the same twice, index URLs included).
    """
    argv = tools.argv("sync", "--python-executable", str(tools.python))
    pip_args = f"--exists-action=w --src {build_dir / '.heroku' / 'src'}"
    argv += ["--pip-args", pip_args + (" --no-deps" if no_deps else "")]
    argv += [str(f) for f in files]
    lines = commands.run_logged(
        argv,
        lambda text: sync_failure(source_name, manager, text, build_dir),
        env=env,
        cwd=str(build_dir),
        echo=not no_deps,
        filter_line=_PipOutputFilter(),
        tail_lines=100_000 if no_deps else 40,
    )
    if no_deps:
        shown = _PipOutputFilter()
        for line in lines:
            if shown(line):
                output.detail(line)
    return lines[-40:]


def sync_failure(
    source_name: str, manager: PackageManager, output: str, build_dir: Path | None = None
) -> errors.BuildError:
    """What a failed pip-sync's `output` means.

    A hash that did not match; a package pip needed that the hash-pinned file
    does not pin (for a manager's lock: whether the lock records it, which
    tells a lock that lacks it from an export that dropped it); or pip's own
    error.
    """
    mismatched = hash_mismatches(output)
    if mismatched:
        return errors.hash_mismatch(source_name, mismatched, manager)
    unpinned = not_pinned(output)
    if unpinned:
        recorded = locked_names(build_dir, manager) if build_dir is not None else None
        locked = (
            None
            if recorded is None
            else [name for name, _ in unpinned if normalise(name) in recorded]
        )
        return errors.not_all_pinned(source_name, unpinned, locked, manager)
    return errors.pip_install_failed(source_name, _without_traceback(output)[-30:])


# pip: "ERROR: In --require-hashes mode, all requirements must have their
# versions pinned with ==. These do not:" then one indented line each:
# "    uvloop!=0.15.0,>=0.14.0 from https://... (from uvicorn[standard]==0.32.0->-r x (line 2))"
_UNPINNED_MARK = "all requirements must have their versions pinned with =="
_UNPINNED = re.compile(r"^\s+([A-Za-z0-9][A-Za-z0-9._-]*)[^(]*(?:\(from ([^)]*?)(?:->|\)))?")


def not_pinned(pip_output: str) -> list[tuple[str, str]]:
    """(package, what requires it) of each requirement pip's hash-checking mode found unpinned."""
    found: list[tuple[str, str]] = []
    in_block = False
    for line in pip_output.splitlines():
        if _UNPINNED_MARK in line:
            in_block = True
            continue
        if not in_block:
            continue
        match = _UNPINNED.match(line)
        if match is None:
            break
        parent = match[2] or ""
        if parent.startswith("-r "):
            parent = ""
        entry = (match[1], parent)
        if entry not in found:
            found.append(entry)
    return found


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
