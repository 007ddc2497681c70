"""The app's Python version: .python-version, runtime.txt, end-of-life and unknown versions."""

from __future__ import annotations

from collections.abc import Sequence

from .core import EXAMPLE_MINOR, BuildError, _coded, _quote, _visible
from .records import _Request

_VERSION_FORMS = f"""\
The version must be given as either:
  1. the minor version only, for example: {EXAMPLE_MINOR} (recommended: you get
     every security release when you next build), or
  2. an exact version, for example: {EXAMPLE_MINOR}.0

Don't include quotes, a 'python-' prefix or wildcards. Comments go on their
own line, starting with '#'."""


@_coded("python-version::encoding")
def version_file_encoding(name: str, encoding: str) -> BuildError:
    """A version file saved as UTF-16 or with a BOM."""
    return BuildError(
        f"Unable to read {name}.",
        f"""\
{name} is saved as {encoding}, which the build cannot read.

Save it as plain UTF-8 without a byte-order mark (BOM). On Windows,
`echo 3.14 > {name}` in PowerShell writes UTF-16: create the file with a
text editor instead, or with `Set-Content -Encoding ascii`.""",
    )


@_coded("python-version::invalid")
def invalid_python_version_line(name: str, line: int, text: str) -> BuildError:
    """A line of .python-version that is not a version."""
    return BuildError(
        f"Invalid Python version in {name}.",
        f"""\
{name}, line {line}, is not a Python version:
    {_visible(text)[:100]}

{_VERSION_FORMS}

For example, to use the newest Python {EXAMPLE_MINOR}, make {name}
contain exactly:
    {EXAMPLE_MINOR}""",
    )


@_coded("python-version::empty")
def no_version_in_python_version_file(name: str) -> BuildError:
    """A .python-version that is empty or only comments."""
    return BuildError(
        f"No Python version found in {name}.",
        f"""\
{name} is empty or contains only comments.

Put the app's Python version on a line of its own, without a '#' in front.
For example, to use the newest Python {EXAMPLE_MINOR}:
    {EXAMPLE_MINOR}

Or delete {name} to use the newest Python this buildpack supports.""",
    )


@_coded("python-version::multiple")
def multiple_versions_in_python_version_file(
    name: str, lines: Sequence[tuple[int, str]]
) -> BuildError:
    """A .python-version naming more than one version."""
    listed = _quote(f"line {number}: {text}" for number, text in lines)
    return BuildError(
        f"Multiple Python versions found in {name}.",
        f"""\
{name} names more than one version:
{listed}

A Heroku app runs a single Python. Keep one of these lines and delete (or
comment out with '#') the others.""",
    )


@_coded("runtime-txt::invalid")
def invalid_runtime_txt(name: str, line: tuple[int, str] | None) -> BuildError:
    """A runtime.txt that is not `python-3.X.Y`."""
    where = (
        f"{name}, line {line[0]}, reads:\n    {_visible(line[1])[:100]}"
        if line
        else f"{name} contains no version (or more than one line)."
    )
    return BuildError(
        f"Invalid Python version in {name}.",
        f"""\
{where}

runtime.txt must contain exactly one line of the form python-3.X.Y, for
example:
    python-{EXAMPLE_MINOR}.0

runtime.txt is Heroku's older format. We recommend replacing it with a
.python-version file containing just the minor version, for example:
    {EXAMPLE_MINOR}""",
    )


@_coded("python-version::files-disagree")
def version_files_disagree(runtime_txt: str, python_version: str) -> BuildError:
    """runtime.txt and .python-version ask for different versions."""
    return BuildError(
        "runtime.txt and .python-version disagree.",
        f"""\
runtime.txt asks for Python {runtime_txt} but .python-version asks for
Python {python_version}.

runtime.txt takes precedence (as on Heroku's own Python buildpack), so the
.python-version file would be silently ignored. Delete runtime.txt and keep
.python-version (recommended), or make both name the same version.""",
    )


@_coded("python-version::eol")
def python_version_eol(request: _Request) -> BuildError:
    """Python 2.x, 3.9 and older.

    Older than python_version.OLDEST_SUPPORTED_MINOR; the message spells out
    the supported range (3.10 to 3.14), to be kept in step with it.
    """
    return BuildError(
        f"Python {request} is end-of-life and not supported.",
        f"""\
{request.origin} asks for Python {request}, which no longer receives
security fixes. Heroku publishes no runtime of it for current stacks.

Upgrade the app to a supported Python (3.10 to 3.14) and update
{request.origin}, for example to:
    {EXAMPLE_MINOR}""",
    )


@_coded("python-version::unknown")
def python_version_unknown(request: _Request) -> BuildError:
    """A minor version newer than any this buildpack knows.

    Newer than python_version.NEWEST_SUPPORTED_MINOR, or not Python 3; the
    message spells out the supported range (3.10 to 3.14), to be kept in step.
    """
    return BuildError(
        f"Python {request} is not a supported version.",
        f"""\
{request.origin} asks for Python {request}, which does not exist yet or is
not supported by this buildpack. Supported versions are 3.10 to 3.14.

Check the version for typos. If it is a new Python release, update the
buildpack to a version that supports it.""",
    )


@_coded("python-version::not-available")
def python_version_not_available(request: _Request, offered: Sequence[str]) -> BuildError:
    """The runtime source does not publish the requested version."""
    listed = ", ".join(offered[-12:]) if offered else "none"
    return BuildError(
        f"Python {request} is not available.",
        f"""\
{request.origin} asks for Python {request}, but the Python runtime source
does not publish it for this stack and architecture.

Available versions: {listed}

Use one of them, or give just the minor version (for example
{request.minor_version}) to get the newest available release of it.""",
    )
