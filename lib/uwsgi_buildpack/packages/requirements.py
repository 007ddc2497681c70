"""Which files say what the app needs installed, and whether they changed.

package_manager decides which manager's files decide (once, before anything
is downloaded); this module reads those files: pip's own (the first that
exists wins, as in Heroku's Python buildpack):

1. `requirements.txt`: the lock. If it also has `requirements.in`, the build
   checks that the lock still satisfies it (a `requirements.in` edited without
   re-running pip-compile is a common way to deploy something else than meant).
2. `requirements.in` alone: locked with pip-compile at build time.
3. `pyproject.toml` or `setup.py` alone: the project itself, `pip install .`.

or a manager's lock and the file it is made from (Pipfile.lock and Pipfile,
uv.lock or poetry.lock and pyproject.toml).

A requirements file can pull in others (`-r`, `-c`) and local projects
(`-e .`). All of those are read here so that the build can tell, from their
contents alone, that nothing changed since the last build and skip pip
entirely. Reading them is cheap; running pip to find out that nothing changed
costs a second or more.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import app_files

TXT = "requirements.txt"
IN = "requirements.in"
TEST = "requirements-test.txt"
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")

# A `name==version` (or `===`) pin, extras allowed: the one pattern every
# reader of pins uses (locks, the app's uwsgi pin, the requirements.in check,
# which imports it from here).
PIN_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;\\]*)")

# A line of `pip freeze`: a name, `==` and an exact version; no extras (their
# dependencies are not installed with --no-deps, and pip check does not look
# for them), no markers, no wildcard, no options.
_FROZEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!_-]*$")

_INCLUDE_OPTIONS = {"-r", "--requirement", "-c", "--constraint"}
_EDITABLE_OPTIONS = {"-e", "--editable"}


@dataclass(frozen=True)
class Inputs:
    """The app's dependency files, as found in the build dir."""

    # The file the user edits (TXT, IN, a manager's lock), "project" or "none";
    # part of the cache keys (steps/lock.requirements_digest).
    kind: str
    files: tuple[str, ...]  # every file read, relative to the build dir
    hashed: bool  # installed in pip's hash-checking mode (--hash, or a Pipfile.lock)
    digest: str  # sha256 over the names and contents of `files`
    # requirements.txt is nothing but `name==version` lines (what `pip freeze`
    # writes): it is its own lock, installed without a pip-compile round.
    all_pinned: bool = False

    @property
    def main(self) -> str:
        """The file the user edits: requirements.txt, requirements.in or pyproject.toml."""
        if self.kind == "project":
            return next((f for f in self.files if f in PROJECT_FILES), "pyproject.toml")
        return self.kind


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Requirement-file lines with continuations joined and comments removed.

    Each item is (number of the first physical line, text). pip's own rules: a
    comment starts at `#` at the line start or after whitespace.
    """
    result: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s+)#.*$", "", raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined:
            result.append((start, joined))
    if pending.strip():
        result.append((start, pending.strip()))
    return result


def _options(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _referenced(path: Path, build_dir: Path) -> tuple[list[Path], list[Path], bool]:
    """(included requirement files, local editable project dirs, uses hashes) of one file."""
    includes: list[Path] = []
    editables: list[Path] = []
    hashed = False
    try:
        text = app_files.read_text(path, build_dir, errors_="replace")
    except OSError:
        return includes, editables, hashed
    if text is None:
        return includes, editables, hashed
    for _, line in logical_lines(text):
        hashed = hashed or "--hash" in line
        words = _options(line)
        for i, word in enumerate(words):
            option, _, inline = word.partition("=")
            value = inline or (words[i + 1] if i + 1 < len(words) else "")
            if option in _INCLUDE_OPTIONS or word.startswith(("-r", "-c")) and len(word) > 2:
                target = value if option in _INCLUDE_OPTIONS else word[2:]
                if target and "://" not in target:
                    includes.append(path.parent / target)
            elif option in _EDITABLE_OPTIONS and value and "://" not in value:
                local = value.split("[", 1)[0]
                if not local.startswith(("git+", "hg+", "svn+", "bzr+")):
                    editables.append(build_dir / local)
    return includes, editables, hashed


def _collect(start: list[Path], build_dir: Path) -> tuple[list[Path], bool]:
    seen: list[Path] = []
    hashed = False
    queue = list(start)
    while queue:
        path = queue.pop(0)
        resolved = path.resolve()
        if resolved in seen or not app_files.present(resolved):
            continue
        seen.append(resolved)
        includes, editables, uses_hashes = _referenced(resolved, build_dir)
        hashed = hashed or uses_hashes
        queue.extend(includes)
        for project in editables:
            queue.extend(project / name for name in PROJECT_FILES)
    return seen, hashed


def _digest(paths: list[Path], build_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        try:
            name = str(path.relative_to(build_dir.resolve()))
        except ValueError:
            name = str(path)
        digest.update(name.encode() + b"\0")
        digest.update((app_files.read_bytes(path, build_dir) or b"") + b"\0")
    return digest.hexdigest()


def find(
    build_dir: Path,
    kind: str,
    names: Sequence[str],
    *,
    exported_lock: bool = False,
    include_test: bool = False,
) -> Inputs:
    """The inputs read from `names` (with what they include), the main one being `kind`.

    `exported_lock`: a manager's lock, which is always installed in pip's
    hash-checking mode. `include_test` adds requirements-test.txt (Heroku CI).
    """
    start = [build_dir / name for name in names]
    if include_test and (build_dir / TEST).is_file():
        start.append(build_dir / TEST)
    paths, _ = _collect(start, build_dir)
    hashed = exported_lock or (kind == TXT and _collect([build_dir / TXT], build_dir)[1])
    root = build_dir.resolve()
    files = tuple(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in paths)
    return Inputs(
        kind=kind,
        files=files,
        hashed=hashed,
        digest=_digest(paths, build_dir),
        all_pinned=kind == TXT and not hashed and frozen(build_dir / TXT),
    )


def frozen(path: Path) -> bool:
    """Whether every requirement of `path` is a `name==version` line (pip freeze's layout).

    Such a file names one exact version of everything it asks for, so there
    is nothing to resolve; whether it also names every dependency is for pip
    check to say once it is installed.
    """
    try:
        lines = logical_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False
    return bool(lines) and all(_FROZEN_RE.match(text) for _, text in lines)


def pinned_names(lock: Path) -> set[str]:
    """Normalised names of the `name==version` pins in a lock file."""
    names = set()
    for _, line in logical_lines(lock.read_text(encoding="utf-8", errors="replace")):
        pin = pin_of(line)
        if pin:
            names.add(pin[0])
    return names


def without(lock: Path, project: str, dest: Path) -> Path:
    """A copy of `lock` without the pin of `project` (continuation lines included)."""
    kept: list[str] = []
    skipping = False
    for raw in lock.read_text(encoding="utf-8").splitlines(keepends=True):
        if not skipping:
            pin = None if raw[:1].isspace() else pin_of(raw)
            skipping = bool(pin and pin[0] == normalise(project))
        if not skipping:
            kept.append(raw)
        elif not raw.rstrip("\r\n").endswith("\\"):
            skipping = False
    dest.write_text("".join(kept), encoding="utf-8")
    return dest


def pin_of(line: str) -> tuple[str, str] | None:
    """(normalised name, version) of a `name==version` line, or None."""
    match = PIN_RE.match(line)
    return (normalise(match.group(1)), match.group(2)) if match else None


def normalise(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


# Run by the app's Python, which has pip and so pip's vendored `packaging`: the
# build image's python3 has no packaging, and specifier matching is not
# something to write by hand.
_CHECK_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[3])
from uwsgi_buildpack.packages.requirements import PIN_RE, logical_lines
from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
from pip._vendor.packaging.utils import canonicalize_name

def lines(path):
    return logical_lines(open(path, encoding="utf-8", errors="replace").read())

pins = {}
for _, text in lines(sys.argv[2]):
    m = PIN_RE.match(text)
    if m and m.group(2):
        pins[canonicalize_name(m.group(1))] = m.group(2)
problems = []
for number, text in lines(sys.argv[1]):
    if text.startswith("-"):
        continue
    try:
        req = Requirement(text.split(" --", 1)[0])
    except InvalidRequirement:
        continue
    if req.url or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
        continue
    name = canonicalize_name(req.name)
    if name not in pins:
        problems.append([number, text, "is not pinned in requirements.txt"])
    elif not req.specifier.contains(pins[name], prereleases=True):
        problems.append([number, text, "but requirements.txt pins " + name + "==" + pins[name]])
print(json.dumps(problems))
"""


def lock_disagreements(
    python: Path, build_dir: Path, env: dict[str, str]
) -> list[tuple[int, str, str]]:
    """Lines of requirements.in that requirements.txt does not satisfy.

    Each item is (line number, the requirement, what is wrong). Lines this check
    cannot judge (options, URLs, includes) are skipped rather than reported.
    """
    proc = subprocess.run(
        [
            str(python),
            "-c",
            _CHECK_SCRIPT,
            str(build_dir / IN),
            str(build_dir / TXT),
            # This module's own directory: the script reuses logical_lines.
            str(Path(__file__).resolve().parents[2]),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return []
    try:
        return [(int(n), str(t), str(p)) for n, t, p in json.loads(proc.stdout)]
    except (ValueError, TypeError):
        return []
