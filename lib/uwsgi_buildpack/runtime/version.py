"""Which Python the app asks for, and which exact release that resolves to.

The sources, in order (the first that names a version decides):

1. `runtime.txt`: `python-3.X.Y` (Heroku's older, deprecated format;
   `python-3.X` is accepted too, as Heroku accepts it).
2. `.python-version`: `3.X` (recommended: the newest 3.X.Y is used, so security
   releases arrive with the next build) or `3.X.Y` (an exact pin). Blank lines and
   `#` comments are allowed; exactly one version line must remain. This is the
   format pyenv, uv and Heroku's own buildpack read.
3. Pipfile.lock's `_meta.requires`: `python_full_version`, else
   `python_version` (what Pipenv records from the Pipfile's `[requires]`).
4. No version anywhere: the minor version of the Python in the build cache
   (the last build's), so that an app that names no version is not moved to
   a new minor by a push that changed nothing ("sticky", as on Heroku's
   classic buildpack).
5. Otherwise the newest supported minor the runtime source publishes.

When both runtime.txt and .python-version exist, `runtime.txt` wins, as it does
in Heroku's Python buildpack, so an app moving between the two buildpacks gets
the same Python. A `.python-version` that disagrees with it would then be
silently ignored, which is never what the user meant, so that is an error
instead. A file whose name is a known misspelling of `.python-version` is an
error too: ignored, it would give the app another Python than it asks for.

A project's `requires-python` (pyproject.toml, read by package_manager) is a
range, not a version: a version from 1-3 outside it is an error naming both;
without one, the cached minor is kept only if it has a release inside the
range, and otherwise the newest supported release inside the range is used.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import app_files, errors
from .requires_python import SpecifierSet

OLDEST_SUPPORTED_MINOR = 10
NEWEST_SUPPORTED_MINOR = 14

# The newest patch release of each supported minor that Heroku publishes, used
# when the runtime source has no SHA256SUMS listing to resolve `3.X` from.
# Kept in step with heroku-buildpack-python's lib/python_version.sh.
LATEST_PATCH = {
    "3.10": "3.10.21",
    "3.11": "3.11.16",
    "3.12": "3.12.14",
    "3.13": "3.13.15",
    "3.14": "3.14.7",
}


@dataclass(frozen=True)
class EndOfLife:
    """When a minor version stops getting security fixes, and when Heroku removes it."""

    upstream: str  # "2026-10": the month of CPython's end of life (devguide.python.org/versions)
    removal: str | None  # "2027-01-06": the day Heroku removes its runtimes, once announced


# From heroku-buildpack-python's lib/python_version.sh (3.10's deprecation
# warning: removed "on 6th January 2027") and CPython's release schedule
# (PEP 619, 664, 693, 719, 745: each minor gets five years, to October).
END_OF_LIFE = {
    "3.10": EndOfLife("2026-10", "2027-01-06"),
    "3.11": EndOfLife("2027-10", None),
    "3.12": EndOfLife("2028-10", None),
    "3.13": EndOfLife("2029-10", None),
    "3.14": EndOfLife("2030-10", None),
}

# Misspellings of `.python-version` seen in the wild, as Heroku's buildpack
# refuses them (its MISSPELLED_PYTHON_VERSION_FILE_NAMES, an error since its
# v320/v339). Any other spelling of `.python-version` in another case
# (`.Python-Version`) is refused too (`misspelled_version_file`).
MISSPELLED_VERSION_FILE_NAMES = frozenset(
    (
        " .python-version",
        ". python-version",
        ".python_version.txt",
        ".python_version",
        ".python-version ",
        ",python-version",
        ".python-version.",
        ".python-version.py",
        ".python-version.rtf",
        ".python-version.txt",
        ".python-version.TXT",
        ".Python-version",
        ".python.version",
        ".pythonversion",
        "'.python-version'",
        "python_version.txt",
        "python_version",
        "python-version.",
        "python-version.txt",
        "python-version",
    )
)

_INT = r"(?:0|[1-9][0-9]*)"
_VERSION_RE = re.compile(rf"^({_INT})\.({_INT})(?:\.({_INT}))?$")
_RUNTIME_TXT_RE = re.compile(rf"^python-({_INT}\.{_INT}(?:\.{_INT})?)$")


@dataclass(frozen=True)
class VersionRequest:
    """A requested version (`3.12` or `3.12.7`) and where it came from."""

    major: int
    minor: int
    patch: int | None
    # ".python-version", "runtime.txt", "Pipfile.lock"; without a file,
    # "cached" (the cache's minor), "requires-python" (the newest inside the
    # range) or "default" (the newest supported).
    origin: str
    field: str = ""  # Pipfile.lock's field that named it ("python_version")

    @property
    def minor_version(self) -> str:
        """`3.X`."""
        return f"{self.major}.{self.minor}"

    def __str__(self) -> str:
        if self.patch is None:
            return self.minor_version
        return f"{self.minor_version}.{self.patch}"


def _parse(text: str) -> tuple[int, int, int | None] | None:
    match = _VERSION_RE.match(text)
    if not match:
        return None
    patch = match.group(3)
    return int(match.group(1)), int(match.group(2)), int(patch) if patch is not None else None


def _decode(path: Path) -> str:
    """Read a version file, refusing encodings other than plain UTF-8.

    Windows editors and PowerShell redirections often save UTF-16 or add a
    byte-order mark; the version then looks right in an editor but does not
    parse, so say exactly that instead of "invalid version".
    """
    data = app_files.read_bytes(path) or b""
    if data.startswith(b"\xef\xbb\xbf"):
        raise errors.version_file_encoding(path.name, "UTF-8 with a byte-order mark (BOM)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data):
        raise errors.version_file_encoding(path.name, "UTF-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.version_file_encoding(path.name, "not UTF-8") from None


def _version_lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped text) for each line that is not blank or a comment."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            found.append((number, stripped))
    return found


# `3.14t`, `3.13.1t`, uv's `cpython-3.14+freethreaded`: CPython built without the GIL.
_FREE_THREADED_RE = re.compile(
    r"^(?:python-|cpython-)?[0-9]+\.[0-9]+(?:\.[0-9]+)?t$|freethreaded|free-threaded|nogil"
)


def _refuse_other_implementations(where: str, text: str) -> None:
    """A PyPy or free-threaded request gets its own message, not "invalid version".

    Both are deliberate choices a user makes, and neither can work here:
    Heroku publishes CPython runtimes with the GIL only, and the buildpack
    builds uWSGI's CPython plugin against them. Saying so stops the user
    from trying other spellings.
    """
    lowered = text.lower()
    if "pypy" in lowered:
        raise errors.pypy_not_supported(where, text)
    if _FREE_THREADED_RE.search(lowered):
        raise errors.free_threaded_not_supported(where, text)


def parse_python_version_file(path: Path) -> VersionRequest:
    """Parse `.python-version`; raise a `BuildError` naming the line on bad input."""
    lines = _version_lines(_decode(path))
    for number, text in lines:
        if _parse(text) is None:
            _refuse_other_implementations(path.name, text)
            raise errors.invalid_python_version_line(path.name, number, text)
    if not lines:
        raise errors.no_version_in_python_version_file(path.name)
    if len(lines) > 1:
        raise errors.multiple_versions_in_python_version_file(path.name, lines)
    parsed = _parse(lines[0][1])
    assert parsed is not None
    return VersionRequest(*parsed, origin=".python-version")


def parse_runtime_txt(path: Path) -> VersionRequest:
    """Parse `runtime.txt` (`python-3.X.Y`); raise a `BuildError` on bad input."""
    lines = _version_lines(_decode(path))
    if len(lines) != 1:
        raise errors.invalid_runtime_txt(path.name, lines[0] if lines else None)
    number, text = lines[0]
    match = _RUNTIME_TXT_RE.match(text)
    if not match:
        _refuse_other_implementations(path.name, text)
        raise errors.invalid_runtime_txt(path.name, (number, text))
    parsed = _parse(match.group(1))
    assert parsed is not None
    return VersionRequest(*parsed, origin="runtime.txt")


def misspelled_version_file(build_dir: Path) -> str | None:
    """The name of a file in the app's root that misspells `.python-version`, if any."""
    try:
        names = sorted(os.listdir(build_dir))
    except OSError:
        return None
    for name in names:
        if name == ".python-version":
            continue
        misspelled = name in MISSPELLED_VERSION_FILE_NAMES or name.lower() == ".python-version"
        if misspelled and (build_dir / name).is_file():
            return name
    return None


def read_requested_version(build_dir: Path) -> VersionRequest | None:
    """The version runtime.txt or .python-version asks for, or None when neither names one.

    A misspelled `.python-version` (Heroku's list) fails the build first.
    """
    misspelled = misspelled_version_file(build_dir)
    if misspelled is not None:
        raise errors.python_version_file_misspelled(misspelled)
    runtime_txt = build_dir / "runtime.txt"
    python_version = build_dir / ".python-version"
    from_runtime = parse_runtime_txt(runtime_txt) if app_files.present(runtime_txt) else None
    from_file = (
        parse_python_version_file(python_version) if app_files.present(python_version) else None
    )
    if from_runtime and from_file and not _agree(from_runtime, from_file):
        raise errors.version_files_disagree(str(from_runtime), str(from_file))
    return from_runtime or from_file


def pipfile_lock_request(lock: Mapping[str, object] | None) -> VersionRequest | None:
    """The version Pipfile.lock records (`python_full_version`, else `python_version`).

    `lock` is Pipfile.lock's JSON as package_manager.decide parsed it (None:
    no Pipfile.lock). Both fields are optional; Pipenv does not tell them
    apart, so either may be `3.X` or `3.X.Y`, as on Heroku's buildpack.
    """
    meta = lock.get("_meta") if lock is not None else None
    requires = meta.get("requires") if isinstance(meta, dict) else None
    if not isinstance(requires, dict):
        return None
    for field in ("python_full_version", "python_version"):
        value = requires.get(field)
        if value is None:
            continue
        # A JSON number is refused, not read: 3.10 would be 3.1.
        text = value.strip() if isinstance(value, str) else json.dumps(value)
        parsed = _parse(text) if isinstance(value, str) else None
        if parsed is None:
            _refuse_other_implementations(f"Pipfile.lock ({field})", text)
            raise errors.pipfile_lock_python_version_invalid(field, text)
        return VersionRequest(*parsed, origin="Pipfile.lock", field=field)
    return None


def _agree(a: VersionRequest, b: VersionRequest) -> bool:
    if (a.major, a.minor) != (b.major, b.minor):
        return False
    return a.patch is None or b.patch is None or a.patch == b.patch


def check_supported(request: VersionRequest) -> None:
    """Refuse end-of-life and unknown Python versions with a clear message."""
    if request.major == 3 and request.minor < OLDEST_SUPPORTED_MINOR or request.major < 3:
        raise errors.python_version_eol(request)
    if request.major > 3 or request.minor > NEWEST_SUPPORTED_MINOR:
        raise errors.python_version_unknown(request)


def newest_supported_minor(available: dict[str, list[str]] | None) -> str:
    """`3.X` of the newest supported minor the runtime source offers."""
    minors = supported_minors()
    if available is not None:
        offered = [m for m in minors if available.get(m)]
        if offered:
            return offered[-1]
    return minors[-1]


def supported_minors() -> list[str]:
    """["3.10", ..., "3.14"]."""
    return [f"3.{m}" for m in range(OLDEST_SUPPORTED_MINOR, NEWEST_SUPPORTED_MINOR + 1)]


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for `X.Y.Z` strings."""
    return tuple(int(part) for part in version.split("."))


def resolve(
    request: VersionRequest | None, available: dict[str, list[str]] | None
) -> tuple[str, VersionRequest]:
    """Turn a request into an exact `X.Y.Z`.

    `available` maps `3.X` to the exact versions the runtime source lists in its
    SHA256SUMS (None when it publishes no such list; the built-in table of newest
    patches is then used and an exact `3.X.Y` is trusted as asked).
    """
    if request is None:
        minor = newest_supported_minor(available)
        request = VersionRequest(3, int(minor.split(".")[1]), None, origin="default")
    check_supported(request)
    minor = request.minor_version
    if available is None:
        if request.patch is None:
            return LATEST_PATCH[minor], request
        return str(request), request
    offered = sorted(available.get(minor, []), key=version_key)
    if request.patch is None:
        if not offered:
            raise errors.python_version_not_available(request, offered_versions(available))
        return offered[-1], request
    if str(request) not in offered:
        raise errors.python_version_not_available(request, offered_versions(available))
    return str(request), request


def offered_versions(available: dict[str, list[str]]) -> list[str]:
    """Every exact version the runtime source lists, sorted."""
    return sorted((v for vs in available.values() for v in vs), key=version_key)


def releases(minor: str, available: dict[str, list[str]] | None) -> list[str]:
    """The exact releases of `3.X` the build could install, oldest first.

    Those the runtime source lists, or without a listing the built-in newest
    patch alone.
    """
    if available is None:
        return [LATEST_PATCH[minor]] if minor in LATEST_PATCH else []
    return sorted(available.get(minor, []), key=version_key)


@dataclass(frozen=True)
class Decision:
    """The exact version the app gets, why, and what it was checked against (`decide`)."""

    version: str  # X.Y.Z
    request: VersionRequest  # what decided; its origin says which source
    requires: SpecifierSet | None  # pyproject.toml's requires-python, checked
    cached: str | None = None  # the cached Python's version, when no file named one
    # Why the cached minor was not kept (it has no release inside requires-python).
    cached_passed_over: str | None = None

    @property
    def minor(self) -> str:
        """`3.X` of `version`."""
        return ".".join(self.version.split(".")[:2])

    @property
    def from_file(self) -> bool:
        """Whether a file of the app named the version (not the cache or a default)."""
        return self.request.origin in ("runtime.txt", ".python-version", "Pipfile.lock")


def decide(
    request: VersionRequest | None,
    available: dict[str, list[str]] | None,
    *,
    cached: str | None = None,
    requires: SpecifierSet | None = None,
) -> Decision:
    """The exact version for the app: its request, else the cached minor, else the newest.

    `request` is what a file of the app names (read_requested_version, else
    pipfile_lock_request); `cached` the version of the Python in the build
    cache (`X.Y.Z`, None without one); `requires` the project's
    requires-python. A version a file names must be inside `requires`; with
    no file, the cached minor is kept if it has a release inside it, and
    otherwise the newest supported release inside it is chosen.
    """
    if request is not None:
        version, request = resolve(request, available)
        if requires is not None and not requires.contains(version):
            raise errors.requires_python_mismatch(
                request, version, str(requires), newest_inside(requires, available)
            )
        return Decision(version, request, requires)
    passed_over = None
    parsed = _parse(cached) if cached else None
    if cached and parsed is not None and parsed[2] is not None:
        minor = f"{parsed[0]}.{parsed[1]}"
        if minor not in supported_minors():
            raise errors.cached_python_unsupported(cached, supported_minors())
        inside = [v for v in releases(minor, available) if requires is None or requires.contains(v)]
        if inside:
            kept = VersionRequest(parsed[0], parsed[1], None, "cached")
            return Decision(inside[-1], kept, requires, cached)
        if requires is not None:
            passed_over = f"the cached Python {cached} is outside requires-python {requires}"
        else:
            passed_over = f"the runtime source offers no Python {minor} for the cached {cached}"
    if requires is None:
        version, request = resolve(None, available)
        return Decision(version, request, None, cached, passed_over)
    version = newest_inside(requires, available)
    if version is None:
        raise errors.requires_python_unsatisfiable(str(requires), supported_minors())
    major, minor_number, _ = (int(part) for part in version.split("."))
    request = VersionRequest(major, minor_number, None, "requires-python")
    return Decision(version, request, requires, cached, passed_over)


def newest_inside(requires: SpecifierSet, available: dict[str, list[str]] | None) -> str | None:
    """The newest supported release the build could install that is inside `requires`."""
    for minor in reversed(supported_minors()):
        inside = [v for v in releases(minor, available) if requires.contains(v)]
        if inside:
            return inside[-1]
    return None


def end_of_life(minor: str, today: datetime.date) -> EndOfLife | None:
    """The minor's end of life if `today` is in its last month or later, else None."""
    known = END_OF_LIFE.get(minor)
    if known is None:
        return None
    year, month = (int(part) for part in known.upstream.split("-"))
    return known if today >= datetime.date(year, month, 1) else None


def newer_patch(decision: Decision, available: dict[str, list[str]] | None) -> str | None:
    """The newest release of the minor the build could install, when the app pins an older one.

    What `3.X` would resolve to, as Heroku's buildpack compares: the runtime
    source's newest listed release, else the built-in table's, so the advice
    is always one that builds.
    """
    known = releases(decision.minor, available)
    if decision.request.patch is None or not known:
        return None
    return known[-1] if version_key(known[-1]) > version_key(decision.version) else None
