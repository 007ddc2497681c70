"""The app's Python version: the version files, Pipfile.lock, requires-python, warnings."""

from __future__ import annotations

from collections.abc import Sequence

from .core import EXAMPLE_MINOR, BuildError, Message, _coded, _quote, _visible
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


@_coded("python-version-file::misspelled")
def python_version_file_misspelled(name: str) -> BuildError:
    """A file whose name misspells .python-version (Heroku's list)."""
    return BuildError(
        "Your .python-version file is spelled incorrectly.",
        f"""\
The app has a file named (between the quotes):
    '{_visible(name)}'

The build reads the Python version only from a file named exactly
'.python-version': a dot first, a hyphen, all lowercase, no extension.
Ignored, this file would give the app another Python than it asks for.

Rename it (keep the quotes):
    git mv '{name}' .python-version""",
    )


@_coded("python-version::pypy")
def pypy_not_supported(where: str, text: str) -> BuildError:
    """A request for PyPy."""
    return BuildError(
        f"{where} asks for PyPy, which is not supported.",
        f"""\
{where} reads:
    {_visible(text)[:100]}

Heroku publishes only CPython runtimes, and this buildpack runs the app
with uWSGI's CPython plugin, compiled against them: neither has PyPy.

Ask for a CPython version instead, for example:
    {EXAMPLE_MINOR}""",
    )


@_coded("python-version::free-threaded")
def free_threaded_not_supported(where: str, text: str) -> BuildError:
    """A request for a free-threaded (no-GIL) CPython, such as 3.14t."""
    return BuildError(
        f"{where} asks for a free-threaded Python, which is not supported.",
        f"""\
{where} asks for a free-threaded (no-GIL) CPython:
    {_visible(text)[:100]}

Heroku publishes no free-threaded runtime, and uWSGI does not support
free-threaded CPython. uWSGI runs several threads per worker with the
regular CPython (see `UWSGI_THREADS`).

Ask for the regular build of that version, without the 't', for example:
    {EXAMPLE_MINOR}""",
    )


@_coded("pipfile-lock::invalid-version")
def pipfile_lock_python_version_invalid(field: str, value: str) -> BuildError:
    """Pipfile.lock's python_version or python_full_version is not a version.

    `field` is which of the two, `value` what the lock holds there.
    """
    return BuildError(
        "Invalid Python version in Pipfile.lock.",
        f"""\
Pipfile.lock's '{field}' (in _meta.requires) is not a Python version:
    {_visible(value)[:50]}

{_VERSION_FORMS}

Pipenv copies it from the Pipfile's [requires] section. Fix it there, for
example:
    [requires]
    python_version = "{EXAMPLE_MINOR}"
then lock again and commit both files:
    pipenv lock""",
    )


@_coded("requires-python::invalid")
def requires_python_invalid(value: str, problem: str) -> BuildError:
    """pyproject.toml's requires-python is not a PEP 440 specifier set."""
    return BuildError(
        "Invalid requires-python in pyproject.toml.",
        f"""\
pyproject.toml's [project] requires-python is not a version range:
    {_visible(value)[:100]}
The problem: {problem}.

It must be a PEP 440 version range, as pip, uv and Poetry read it: limits
joined by commas, for example:
    requires-python = ">={EXAMPLE_MINOR}"
    requires-python = ">=3.12,<3.14"
Fix it, lock again and push.""",
    )


@_coded("requires-python::mismatch")
def requires_python_mismatch(
    request: _Request, version: str, requires: str, inside: str | None
) -> BuildError:
    """The version a file asks for is outside the project's requires-python."""
    if inside is not None:
        # runtime.txt takes an exact python-X.Y.Z; .python-version the minor.
        example = (
            f"python-{inside}" if request.origin == "runtime.txt" else inside.rsplit(".", 1)[0]
        )
        fix = f"""\
Make the two agree: either ask for a version inside the range in
{request.origin}, for example:
    {example}
or widen requires-python in pyproject.toml, then lock again."""
    else:
        fix = """\
No supported Python is inside that range: widen requires-python in
pyproject.toml, then lock again."""
    return BuildError(
        f"Python {version} is outside the project's requires-python.",
        f"""\
{request.origin} asks for Python {request} ({version}), but pyproject.toml's
[project] requires-python is:
    {requires}

The project says it does not run on that Python, and uv, Poetry and pip
refuse to install it there.

{fix}""",
    )


@_coded("requires-python::unsatisfiable")
def requires_python_unsatisfiable(requires: str, supported: Sequence[str]) -> BuildError:
    """No supported Python the runtime source offers is inside requires-python."""
    return BuildError(
        "No supported Python is inside the project's requires-python.",
        f"""\
pyproject.toml's [project] requires-python is:
    {requires}

The app names no Python version, and the runtime source offers no
release of a supported version ({supported[0]} to {supported[-1]}) inside that range.

Widen requires-python (then lock again), or name an exact version in a
.python-version file.""",
    )


@_coded("python-version::cached-unsupported")
def cached_python_unsupported(cached: str, supported: Sequence[str]) -> BuildError:
    """No version file, and the cached Python is no longer (or not yet) supported."""
    return BuildError(
        f"The cached Python {cached} is not supported.",
        f"""\
The app names no Python version, so the build would keep the minor version
of the Python in the build cache, made by the last build: {cached}.

This buildpack supports Python {supported[0]} to {supported[-1]} only: the cache was made by
another version of the buildpack.

Name the app's Python in a .python-version file in the root of the app,
for example:
    {EXAMPLE_MINOR}""",
    )


_ADD_PYTHON_VERSION = """\
Create a file named .python-version in the root of the app (a dot first,
no extension), containing only the minor version, for example:
    {minor}
{uv}and commit it. Give only the minor version: the build then installs
its newest release, with every security fix."""


@_coded("python-version::not-specified")
def python_version_not_specified(minor: str, reason: str, uv: bool) -> Message:
    """No runtime.txt, .python-version or Pipfile.lock version."""
    pin = f"(in a uv project, `uv python pin {minor}` writes it)\n" if uv else ""
    return Message(
        "No Python version was specified.",
        f"""\
The app names no Python version, so the build chose one:
    {reason}.

That choice can change with time (a new Python, a purged build cache) and
may differ from the Python of your machine, CI or other apps. Name the
app's Python explicitly:

{_ADD_PYTHON_VERSION.format(minor=minor, uv=pin)}

If the app has a .python-version already, check that it is in the root of
the app (not a subdirectory), named exactly '.python-version', committed,
and not listed in .gitignore or .slugignore.""",
    )


_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


@_coded("python-version::deprecated")
def python_version_deprecated(
    minor: str, upstream: str, removal: str | None, removed: bool, where: str
) -> Message:
    """The app's Python minor is at or past its end of life."""
    year, month = upstream.split("-")
    when = f"{_MONTHS[int(month) - 1]} {year}"
    if removal is None:
        heroku = "Heroku has not yet announced when it removes its runtimes of it."
    elif removed:
        heroku = f"Heroku removed its runtimes of it on {removal}: builds can fail at any time."
    else:
        heroku = f"Heroku removes its runtimes of it on {removal}; after that, builds fail."
    return Message(
        f"Python {minor} has reached its end of life.",
        f"""\
Python {minor} reached its upstream end of life in {when}: it no longer
gets security fixes (https://devguide.python.org/versions/).
{heroku}

Upgrade the app to a newer Python (for example {EXAMPLE_MINOR}) as soon as possible.
{where}.""",
    )


@_coded("python-version::patch-outdated")
def python_patch_outdated(version: str, newest: str, origin: str) -> Message:
    """The app pins a patch release older than the newest known one."""
    minor = ".".join(version.split(".")[:2])
    if origin == "Pipfile.lock":
        fix = f"""\
Give only the minor version in the Pipfile's [requires] section:
    python_version = "{minor}"
(without python_full_version), then lock again: pipenv lock."""
    elif origin == "runtime.txt":
        fix = f"""\
Replace runtime.txt with a .python-version file containing only:
    {minor}"""
    else:
        fix = f"""\
Give only the minor version in {origin}:
    {minor}"""
    return Message(
        "A Python patch update is available.",
        f"""\
{origin} pins Python {version}, but {newest} is out: a newer
patch release of Python {minor}, with bug and security fixes.

{fix}
Every build then installs the newest release of {minor} by itself (a patch
release keeps the installed packages: nothing is reinstalled).""",
    )
