"""Which Python the app asks for, and which exact release that resolves to.

Two files can name a version:

- `.python-version`: `3.X` (recommended: the newest 3.X.Y is used, so security
  releases arrive with the next build) or `3.X.Y` (an exact pin). Blank lines and
  `#` comments are allowed; exactly one version line must remain. This is the
  format pyenv, uv and Heroku's own buildpack read.
- `runtime.txt`: `python-3.X.Y` (Heroku's older, deprecated format; `python-3.X`
  is accepted too, as Heroku accepts it).

When both exist, `runtime.txt` wins, as it does in Heroku's Python buildpack, so
an app moving between the two buildpacks gets the same Python. A `.python-version`
that disagrees with it would then be silently ignored, which is never what the
user meant, so that is an error instead.

No file: the newest supported minor version the runtime source publishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import errors

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

_INT = r"(?:0|[1-9][0-9]*)"
_VERSION_RE = re.compile(rf"^({_INT})\.({_INT})(?:\.({_INT}))?$")
_RUNTIME_TXT_RE = re.compile(rf"^python-({_INT}\.{_INT}(?:\.{_INT})?)$")


@dataclass(frozen=True)
class VersionRequest:
    """A requested version (`3.12` or `3.12.7`) and where it came from."""

    major: int
    minor: int
    patch: int | None
    origin: str  # ".python-version", "runtime.txt" or "default"

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
    data = path.read_bytes()
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


def parse_python_version_file(path: Path) -> VersionRequest:
    """Parse `.python-version`; raise a `BuildError` naming the line on bad input."""
    lines = _version_lines(_decode(path))
    for number, text in lines:
        if _parse(text) is None:
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
        raise errors.invalid_runtime_txt(path.name, (number, text))
    parsed = _parse(match.group(1))
    assert parsed is not None
    return VersionRequest(*parsed, origin="runtime.txt")


def read_requested_version(build_dir: Path) -> VersionRequest | None:
    """The version the app asks for, or None when it names none."""
    runtime_txt = build_dir / "runtime.txt"
    python_version = build_dir / ".python-version"
    from_runtime = parse_runtime_txt(runtime_txt) if runtime_txt.is_file() else None
    from_file = parse_python_version_file(python_version) if python_version.is_file() else None
    if from_runtime and from_file and not _agree(from_runtime, from_file):
        raise errors.version_files_disagree(str(from_runtime), str(from_file))
    return from_runtime or from_file


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
