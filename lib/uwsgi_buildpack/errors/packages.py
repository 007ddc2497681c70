"""Every message the buildpack shows a user, in one place.

Domain modules decide *when* something is wrong and hand over the facts (the
file, the line, the value); the functions below turn those facts into a short
title and a few calm paragraphs saying what is wrong, where and how to fix it.
Keeping all the text together keeps the wording consistent and reviewable.

Each message carries a stable code (`python-version::eol`,
`requirements::hash-mismatch`), which `bin/report` records as the build's
`failure_reason`, as Heroku's own Python buildpack does, so that failures can be
counted without parsing English. A code never changes once released, even when
the wording does.

This module imports no other module of the buildpack: the types it formats
(a version request, an ini option) are described by the few attributes it
reads, so that every domain module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

EXAMPLE_MINOR = "3.14"


class BuildError(Exception):
    """A failure to report as an error block, then exit 1.

    `code` is the stable failure code, `facts` what the message was made from.
    """

    def __init__(
        self, title: str, body: str, code: str = "internal", facts: dict[str, object] | None = None
    ) -> None:
        super().__init__(title)
        self.title = title
        self.body = body
        self.code = code
        self.facts = facts or {}


@dataclass(frozen=True)
class Message:
    """A warning or a uwsgi.ini finding's text: the build goes on."""

    title: str
    body: str
    code: str = ""
    facts: dict[str, object] = field(default_factory=dict, compare=False)


class _Request(Protocol):
    """What a message needs of python_version.VersionRequest."""

    @property
    def origin(self) -> str: ...
    @property
    def minor_version(self) -> str: ...


class _Option(Protocol):
    """What a message needs of uwsgi_ini_check.Option."""

    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def where(self) -> str: ...


class _Titled(Protocol):
    """A finding: its title, body and code."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def code(self) -> str: ...


_Made = TypeVar("_Made", BuildError, Message)

# Every code, with the function that makes its message (tests walk it).
CATALOGUE: dict[str, Callable[..., BuildError | Message]] = {}


def _coded(code: str) -> Callable[[Callable[..., _Made]], Callable[..., _Made]]:
    """Give every message a function makes the stable `code`, and its facts."""

    def register(make: Callable[..., _Made]) -> Callable[..., _Made]:
        names = make.__code__.co_varnames[: make.__code__.co_argcount]

        def coded(*args: object, **kwargs: object) -> _Made:
            made = make(*args, **kwargs)
            facts = {**dict(zip(names, args, strict=False)), **kwargs}
            if isinstance(made, BuildError):
                made.code, made.facts = code, facts
                return made
            return Message(made.title, made.body, code, facts)  # type: ignore[return-value]

        coded.__name__, coded.__doc__ = make.__name__, make.__doc__
        CATALOGUE[code] = coded
        return coded

    return register


def _quote(lines: Iterable[str]) -> str:
    return "\n".join(f"    {line}" for line in lines)


def _visible(text: str) -> str:
    """Show invisible and control characters so the user can see what is wrong."""
    return "".join(
        ch if ch.isprintable() or ch == " " else "\N{REPLACEMENT CHARACTER}" for ch in text
    )


_VERSION_FORMS = f"""\
The version must be given as either:
  1. the minor version only, for example: {EXAMPLE_MINOR} (recommended: you get
     every security release when you next build), or
  2. an exact version, for example: {EXAMPLE_MINOR}.0

Don't include quotes, a 'python-' prefix or wildcards. Comments go on their
own line, starting with '#'."""


# --- Python version files -------------------------------------------------


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
    """Python 2.x, 3.9 and older."""
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
    """A minor version newer than any this buildpack knows."""
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


# --- Stack and runtime source ---------------------------------------------


@_coded("stack::missing")
def stack_missing() -> BuildError:
    """STACK is not set."""
    return BuildError(
        "The STACK environment variable is not set.",
        """\
Heroku sets STACK (heroku-22, heroku-24 or heroku-26) for every build. When
running bin/compile yourself, set it too, for example:
    STACK=heroku-24 bin/compile BUILD_DIR CACHE_DIR ENV_DIR""",
    )


@_coded("stack::unsupported")
def stack_unsupported(stack: str, supported: Sequence[str]) -> BuildError:
    """A stack this buildpack has no runtime for."""
    return BuildError(
        f"The stack '{_visible(stack)[:40]}' is not supported.",
        f"""\
This buildpack supports the stacks: {", ".join(supported)}.

Move the app to a supported stack, for example:
    heroku stack:set heroku-24""",
    )


@_coded("arch::unsupported")
def arch_unsupported(machine: str) -> BuildError:
    """A CPU architecture Heroku publishes no Python for."""
    return BuildError(
        f"The CPU architecture '{machine}' is not supported.",
        "Heroku publishes Python runtimes for amd64 and arm64 only.",
    )


@_coded("arch::unsupported-on-stack")
def arch_unsupported_on_stack(stack: str, arch: str) -> BuildError:
    """arm64 on heroku-22."""
    return BuildError(
        f"{arch} is not supported on {stack}.",
        f"Heroku publishes {arch} Python runtimes from heroku-24 on. Use heroku-24 or newer.",
    )


@_coded("runtime::url-invalid")
def runtime_url_invalid(url: str) -> BuildError:
    """PYTHON_RUNTIME_URL is not an http(s) URL."""
    return BuildError(
        "PYTHON_RUNTIME_URL is not a valid URL.",
        f"""\
PYTHON_RUNTIME_URL must be an http:// or https:// base URL of Heroku-style
Python runtime archives; it is: {url}

Fix it, or unset it to use Heroku's own archives:
    heroku config:unset PYTHON_RUNTIME_URL""",
    )


@_coded("runtime::unreachable")
def runtime_source_unreachable(url: str, reason: str, attempts: int) -> BuildError:
    """Network failure after retries."""
    return BuildError(
        "Unable to download the Python runtime.",
        f"""\
{url} could not be reached ({reason}), after {attempts} attempts.

This is usually a temporary network problem: try the build again. If you set
the PYTHON_RUNTIME_URL config var, check that its server is up and reachable
from Heroku.""",
    )


@_coded("runtime::http-error")
def runtime_source_http_error(url: str, code: int) -> BuildError:
    """An unexpected HTTP status from the runtime source."""
    return BuildError(
        "Unable to download the Python runtime.",
        f"""\
{url} answered with HTTP status {code}.

If you set the PYTHON_RUNTIME_URL config var, check its value; otherwise try
the build again later.""",
    )


@_coded("runtime::archive-missing")
def runtime_archive_missing(name: str, base_url: str) -> BuildError:
    """404/403 for the archive itself."""
    return BuildError(
        "The Python runtime archive was not found.",
        f"""\
{name} does not exist at {base_url}.

The requested Python version may not be published for this stack and
architecture. Ask for just the minor version in .python-version (for example
{EXAMPLE_MINOR}) to get the newest available release, and check the
PYTHON_RUNTIME_URL config var if you set one.""",
    )


@_coded("runtime::archive-not-listed")
def runtime_archive_not_listed(name: str, base_url: str) -> BuildError:
    """The archive is not in SHA256SUMS, so it cannot be verified."""
    return BuildError(
        "The Python runtime archive cannot be verified.",
        f"""\
{base_url}/SHA256SUMS does not list {name}, so its integrity cannot be
checked, and the build refuses to use it.

Ask the runtime source's owner to list it, or choose a listed version.""",
    )


@_coded("runtime::checksum-mismatch")
def runtime_checksum_mismatch(name: str, expected: str, actual: str) -> BuildError:
    """The downloaded archive does not match SHA256SUMS."""
    return BuildError(
        "The Python runtime archive failed its checksum.",
        f"""\
{name} does not match the sha256 checksum listed in SHA256SUMS:
    expected {expected}
    got      {actual}

The download was corrupted or the archive was changed after its checksum was
published. The build refuses to use it. Try the build again; if it fails the
same way, report it to the runtime source's owner.""",
    )


@_coded("runtime::archive-unsafe")
def runtime_archive_unsafe(name: str, detail: str) -> BuildError:
    """A tar member would land outside the install directory."""
    return BuildError(
        "The Python runtime archive is unsafe.",
        f"""\
{name} contains an entry that would be written outside the install
directory, so the build refuses to unpack it:
    {detail}

A genuine runtime archive never does this. Check the PYTHON_RUNTIME_URL config
var and where its archives come from.""",
    )


@_coded("runtime::archive-corrupt")
def runtime_archive_corrupt(name: str, detail: str) -> BuildError:
    """Truncated or not a zstd tar."""
    return BuildError(
        "The Python runtime archive is damaged.",
        f"""\
{name} could not be unpacked:
    {detail}

The download may have been cut short. Try the build again.""",
    )


@_coded("runtime::broken")
def runtime_broken(output_text: str) -> BuildError:
    """The unpacked Python does not run."""
    return BuildError(
        "The installed Python does not run.",
        f"""\
The Python runtime was unpacked, but running it failed:
{_quote(output_text.strip().splitlines()[-10:])}

Check that PYTHON_RUNTIME_URL (if set) serves archives for this stack.""",
    )


@_coded("build-image::tarfile-filter-missing")
def tarfile_filter_missing() -> BuildError:
    """The build image's Python lacks tarfile's extraction filters."""
    return BuildError(
        "The build image's Python is too old to unpack archives safely.",
        "tarfile extraction filters need Python 3.10.12, 3.11.4 or newer on the build image.",
    )


@_coded("build-image::zstd-missing")
def zstd_missing() -> BuildError:
    """No zstd on the build image."""
    return BuildError(
        "The zstd command was not found.",
        "Heroku's build images include zstd; install it (apt-get install zstd) to build locally.",
    )


# --- uWSGI ------------------------------------------------------------------


@_coded("uwsgi::version-not-found")
def uwsgi_version_not_found(version: str, origin: str) -> BuildError:
    """The app pins a uWSGI version that PyPI does not have."""
    return BuildError(
        f"uWSGI {version} does not exist.",
        f"""\
{origin} pins uwsgi=={version}, but no such release was found on the
package index.

Check the version number, or remove the pin to use the uWSGI version this
buildpack is tested with.""",
    )


@_coded("uwsgi::hash-mismatch")
def uwsgi_hash_mismatch(version: str) -> BuildError:
    """The uWSGI sdist does not match vendor/uwsgi.txt."""
    return BuildError(
        f"The uWSGI {version} download failed its checksum.",
        """\
The source archive downloaded from the package index does not match the
sha256 recorded in the buildpack's vendor/uwsgi.txt, so it was not used.
Try the build again; if it keeps failing, the index or a proxy is serving
a modified file.""",
    )


@_coded("uwsgi::compile-failed")
def uwsgi_compile_failed(version: str, tail: Sequence[str]) -> BuildError:
    """The C build of uWSGI failed."""
    return BuildError(
        f"uWSGI {version} failed to compile.",
        f"""\
The last lines of the compiler's output:
{_quote(tail)}

If the app pins an old uWSGI, it may not build with this Python: remove the
pin or choose a newer release.""",
    )


# --- App and dependencies ---------------------------------------------------


@_coded("config-var::unreadable")
def config_var_unreadable(name: str, kind: str) -> BuildError:
    """A config var file in ENV_DIR that cannot be read as UTF-8."""
    return BuildError(
        f"The config var {name} could not be read.",
        f"""\
Reading the config var {name} failed ({kind}). Config vars must be UTF-8
text. Set it again with:
    heroku config:set {name}=...""",
    )


@_coded("app::committed-runtime")
def committed_runtime(path: str) -> BuildError:
    """The app's repository contains .heroku/python."""
    return BuildError(
        f"The app contains a '{path}' directory.",
        f"""\
'{path}' is where the buildpack installs Python, but the app's source
already has one (probably committed by mistake).

Remove it from the repository and add it to .gitignore:
    git rm -r --cached {path}
    echo {path} >> .gitignore""",
    )


@_coded("app::committed-virtualenv")
def committed_virtualenv(name: str) -> BuildError:
    """A virtualenv directory committed with the app."""
    return BuildError(
        f"The app contains a virtual environment: '{name}/'.",
        f"""\
'{name}/pyvenv.cfg' shows that '{name}/' is a Python virtual environment. It
was made on another machine: its interpreter paths and compiled packages do
not work on Heroku, and it would shadow the packages the build installs.

Remove it from the repository and ignore it; list the packages you need in
requirements.txt instead:
    git rm -r --cached {name}
    echo {name}/ >> .gitignore""",
    )


@_coded("requirements::install-failed")
def pip_install_failed(requirements: str, tail: Sequence[str]) -> BuildError:
    """pip failed while installing the app's requirements."""
    return BuildError(
        f"Unable to install the packages in {requirements}.",
        f"""\
pip failed. Its last lines of output:
{_quote(tail[-20:])}

Check {requirements} for typos, versions that do not exist, or
conflicting pins, then push again.""",
    )


# How each lock's hashes are made again, by the tool that wrote them.
_REHASH_COMMANDS = {
    "Pipfile.lock": "pipenv lock",
    "uv.lock": "uv lock --refresh",
    "poetry.lock": "poetry lock",
}


@_coded("requirements::hash-mismatch")
def hash_mismatch(requirements: str, packages: Sequence[str]) -> BuildError:
    """pip's hash-checking mode refused a download.

    `requirements` is the file the user wrote: requirements.txt, or a
    package manager's lock (whose hashes only that manager should rewrite).
    """
    names = "\n".join(f"  {name}" for name in packages)
    lock = requirements in _REHASH_COMMANDS
    command = _REHASH_COMMANDS.get(requirements, "pip-compile --generate-hashes requirements.in")
    pins = "records the sha256 of every file" if lock else "pins packages with --hash"
    return BuildError(
        f"A package in {requirements} does not match its {'hash' if lock else '--hash'}.",
        f"""\
{requirements} {pins}, so pip installs only files whose
sha256 matches. These did not:
{names}

Either the hash in {requirements} is wrong (for example, copied from another
version or platform), or the index served a different file than the one that
was locked. Make the hashes again on your machine:
    {command}
and commit {requirements}. Never delete a hash to make a build pass
without knowing why it changed.""",
    )


@_coded("requirements::lock-failed")
def lock_failed(source: str, tail: Sequence[str]) -> BuildError:
    """pip-compile could not lock the app's requirements."""
    return BuildError(
        f"Unable to lock the requirements in {source}.",
        f"""\
pip-compile could not turn {source} into a lock of exact versions.
Its last lines of output:
{_quote(tail[-20:])}

Check {source} for typos, versions that do not exist and requirements that
conflict with each other. Running `pip-compile {source}` on your machine shows
the same problem with more detail.""",
    )


@_coded("requirements::lock-outdated")
def lock_outdated_warning(problems: Sequence[tuple[int, str, str]]) -> Message:
    """requirements.txt no longer satisfies requirements.in."""
    lines = "\n".join(f"  requirements.in line {n}: {text} {why}" for n, text, why in problems[:15])
    return Message(
        "requirements.txt is out of date with requirements.in.",
        f"""\
The app has both files, so requirements.txt is the lock and is what gets
installed. But it does not satisfy requirements.in:
{lines}

You probably edited requirements.in without locking it again. Run
    pip-compile requirements.in
and commit the new requirements.txt.""",
    )


@_coded("requirements::not-locked")
def lock_generated_notice(pins: int) -> Message:
    """The app has requirements.in but no lock."""
    return Message(
        "requirements.in is not locked.",
        f"""\
The app has a requirements.in but no requirements.txt, so the build locked it
with pip-compile ({pins} pinned packages). The lock is reused while
requirements.in stays the same, but a new lock is made whenever it changes or
the build cache is cleared, and may then pick newer versions.

To deploy exactly what you tested, lock on your machine and commit the lock:
    pip-compile requirements.in
    git add requirements.txt
The lock this build used is in the slug: heroku run cat requirements.txt""",
    )


# --- Package managers -------------------------------------------------------

_MANAGER_NAMES = {"pip": "pip", "pipenv": "Pipenv", "poetry": "Poetry", "uv": "uv"}

_LOCK_COMMANDS = {"pipenv": "pipenv lock", "poetry": "poetry lock", "uv": "uv lock"}


@_coded("package-manager::multiple")
def multiple_package_managers(found: dict[str, list[str]]) -> BuildError:
    """Files of two package managers: the build cannot tell which one is current."""
    listed = "\n".join(
        f"  {', '.join(files)}  ({_MANAGER_NAMES[name]})" for name, files in found.items()
    )
    names = " and ".join(_MANAGER_NAMES[name] for name in found)
    deletes = "\n".join(
        f"  - if you use {_MANAGER_NAMES[keep]}, delete "
        + ", ".join(f for name, files in found.items() if name != keep for f in files)
        for keep in found
    )
    return BuildError(
        f"The app has the files of two package managers: {names}.",
        f"""\
These files each say which packages to install:
{listed}

Only one package manager may decide, or the build could install something
else than you tested. Keep the files of the one you use and delete the
others' (with `git rm`), then push again:
{deletes}""",
    )


@_coded("package-manager::pipfile-not-locked")
def pipfile_not_locked() -> BuildError:
    """A Pipfile without its Pipfile.lock."""
    return BuildError(
        "The app has a Pipfile but no Pipfile.lock.",
        """\
Pipfile lists the app's packages loosely; Pipfile.lock pins the exact
versions (and their hashes) that Pipenv installs. Without it, the build
would have to choose versions itself, and deploy something else than you
tested. Make the lock on your machine and commit it:
    pipenv lock
    git add Pipfile.lock""",
    )


@_coded("package-manager::not-locked")
def project_not_locked(manager: str, lock: str) -> BuildError:
    """pyproject.toml configures Poetry or uv, but their lock is missing."""
    name = _MANAGER_NAMES[manager]
    return BuildError(
        f"pyproject.toml uses {name}, but the app has no {lock}.",
        f"""\
pyproject.toml has a [tool.{manager}] table: the app's packages are managed
with {name}, which pins them in {lock}, and the app has no {lock}.
Without it, the build would have to choose versions itself, and deploy
something else than you tested. Make the lock on your machine and commit it:
    {_LOCK_COMMANDS[manager]}
    git add {lock}""",
    )


@_coded("pipfile-lock::invalid")
def pipfile_lock_invalid(line: int, problem: str) -> BuildError:
    """Pipfile.lock is not the JSON Pipenv writes."""
    where = f"Pipfile.lock, line {line}" if line else "Pipfile.lock"
    return BuildError(
        "Unable to read Pipfile.lock.",
        f"""\
{where}: {problem}.

Pipfile.lock is written by Pipenv, as JSON; it was probably edited by hand
or left with merge-conflict markers. Make it again and commit it:
    pipenv lock
    git add Pipfile.lock""",
    )


@_coded("pipfile-lock::pipfile-invalid")
def pipfile_invalid(problem: str) -> BuildError:
    """The Pipfile next to Pipfile.lock is not TOML."""
    return BuildError(
        "Unable to read Pipfile.",
        f"""\
Pipfile does not parse as TOML: {problem}.

Fix it, then lock again and commit both files:
    pipenv lock
    git add Pipfile Pipfile.lock""",
    )


@_coded("pipfile-lock::outdated")
def pipfile_lock_outdated(recorded: str) -> BuildError:
    """Pipfile changed after Pipfile.lock was made."""
    return BuildError(
        "Pipfile.lock is out of date with Pipfile.",
        f"""\
Pipfile changed after Pipfile.lock was made: the lock records Pipfile's
hash as {recorded}..., which is not the hash of the Pipfile being built.
Installing the lock would deploy other packages than Pipfile asks for
(Pipenv's `pipenv install --deploy` refuses it the same way). Lock again on
your machine and commit the lock:
    pipenv lock
    git add Pipfile.lock""",
    )


@_coded("pipfile-lock::unhashed")
def pipfile_lock_unhashed(packages: Sequence[str]) -> BuildError:
    """Packages of Pipfile.lock without a version and hashes (VCS, path, URL)."""
    names = "\n".join(f"  {name}" for name in packages[:15])
    return BuildError(
        "Pipfile.lock has packages without hashes.",
        f"""\
The build installs Pipfile.lock in pip's hash-checking mode, so that every
file is the one that was locked. These packages of its "default" section
have no exact version with hashes (they come from a VCS, a local path or a
URL):
{names}

Publish them to a package index (a private one works: set PIP_EXTRA_INDEX_URL)
and depend on a released version, then lock again:
    pipenv lock""",
    )


@_coded("uv-lock::outdated")
def uv_lock_outdated(tail: Sequence[str]) -> BuildError:
    """uv.lock no longer matches pyproject.toml."""
    return BuildError(
        "uv.lock is out of date with pyproject.toml.",
        f"""\
pyproject.toml changed after uv.lock was made (`uv lock --check` failed):
{_quote(tail[-10:])}

Installing the lock would deploy other packages than pyproject.toml asks
for (uv's own `uv sync --locked` refuses it the same way). Lock again on
your machine and commit the lock:
    uv lock
    git add uv.lock""",
    )


@_coded("uv-lock::export-failed")
def uv_export_failed(tail: Sequence[str]) -> BuildError:
    """`uv export --frozen` could not read uv.lock."""
    return BuildError(
        "Unable to read uv.lock.",
        f"""\
`uv export --frozen --no-dev --no-emit-project` failed on uv.lock:
{_quote(tail[-15:])}

uv.lock is written by uv; it was probably edited by hand or left with
merge-conflict markers. Make it again and commit it:
    uv lock
    git add uv.lock""",
    )


@_coded("poetry-lock::outdated")
def poetry_lock_outdated(tail: Sequence[str]) -> BuildError:
    """poetry.lock no longer matches pyproject.toml."""
    return BuildError(
        "poetry.lock is out of date with pyproject.toml.",
        f"""\
pyproject.toml changed after poetry.lock was made (Poetry says):
{_quote(tail[-10:])}

Installing the lock would deploy other packages than pyproject.toml asks
for (Poetry's own `poetry install` and `poetry check --lock` refuse it the
same way). Lock again on your machine and commit the lock:
    poetry lock
    git add poetry.lock""",
    )


@_coded("poetry-lock::export-failed")
def poetry_export_failed(tail: Sequence[str]) -> BuildError:
    """`poetry export` could not read poetry.lock or pyproject.toml."""
    return BuildError(
        "Unable to export poetry.lock.",
        f"""\
`poetry export --only main --format requirements.txt` failed:
{_quote(tail[-15:])}

Either pyproject.toml is not valid for Poetry, or poetry.lock was edited by
hand or left with merge-conflict markers. Check both on your machine, lock
again and commit them:
    poetry check --lock
    poetry lock
    git add pyproject.toml poetry.lock""",
    )


@_coded("collectstatic::failed")
def collectstatic_failed(tail: Sequence[str]) -> BuildError:
    """`manage.py collectstatic` failed."""
    return BuildError(
        "Unable to collect Django's static files.",
        f"""\
`python manage.py collectstatic --noinput` failed. Its last lines of output:
{_quote(tail[-15:])}

The usual causes:
  - STATIC_ROOT is not set in the settings module: set it, for example
        STATIC_ROOT = BASE_DIR / "staticfiles"
  - the settings module cannot be imported at build time, for example because
    it needs a config var or a database that only exists when the app runs
    (config vars are available to the build; add-on databases are not);
  - DJANGO_SETTINGS_MODULE names the wrong module.

Fix the cause, or set DISABLE_COLLECTSTATIC=1 to skip this step.""",
    )


@_coded("hook::failed")
def hook_failed(name: str, status: int, tail: Sequence[str]) -> BuildError:
    """bin/pre_compile or bin/post_compile exited non-zero."""
    return BuildError(
        f"bin/{name} failed (exit status {status}).",
        f"""\
The app's bin/{name} hook exited with status {status}. Its last lines of
output:
{_quote(tail[-15:]) if tail else "    (no output)"}

Fix the script (it runs from the app's directory, with the app's Python
first on PATH and the config vars set), or remove it.""",
    )


@_coded("internal")
def internal(message: str) -> BuildError:
    """A bug in the buildpack rather than in the app."""
    return BuildError(
        "The buildpack hit an internal error.",
        f"""\
{message}

This is a bug in the buildpack, not in your app. Please report it with
this build log.""",
    )


# --- The WSGI entry point ---------------------------------------------------


@_coded("entrypoint::not-found")
def no_entry_point(django_notes: Sequence[str], scanned: Sequence[str]) -> BuildError:
    """The app has Python files, but nothing the build can serve."""
    details = "".join(f"\n     ({note})" for note in django_notes)
    shown = ", ".join(scanned[:8]) + (", ..." if len(scanned) > 8 else "")
    looked_at = f"\n     (read: {shown})" if scanned else "\n     (the app has no top-level module)"
    return BuildError(
        "No WSGI app found in your code.",
        f"""\
The app has Python files of its own but no uwsgi.ini, and the build found
nothing to serve. It looked, in this order, for:
  1. the UWSGI_MODULE config var (module:callable);
  2. FLASK_APP in the config vars, .env or .flaskenv;
  3. wsgi.py defining `application` or `app`, app.py or main.py defining `app`;
  4. a Django project: manage.py's DJANGO_SETTINGS_MODULE and that settings
     module's WSGI_APPLICATION;{details}
  5. a top-level module or package binding `app` or `application` to a Flask,
     Falcon, Bottle, Pyramid or Django app, or defining create_app() or
     make_app() callable without arguments.{looked_at}

Rather than serve a demo page in place of your app, the build stops. Tell it
where the app is (module:callable, or module:factory() for an app factory),
then push again:
    heroku config:set UWSGI_MODULE=myapp.wsgi:application
or set FLASK_APP in .flaskenv, or commit a uwsgi.ini with a `module = ...`
line.""",
    )


@_coded("entrypoint::flask-app-not-found")
def flask_app_not_found(value: str, where: str, module: str) -> BuildError:
    """FLASK_APP names a module with no app the build can find in it."""
    return BuildError(
        f"FLASK_APP names no app the build can find ({where}).",
        f"""\
{where}: FLASK_APP={_visible(value)[:200]}

The build looked for the module `{_visible(module)[:100]}` in the app's
directory, and in it for `app` or `application`, or a create_app() or
make_app() factory callable without arguments, and found none. (The build
reads the source and never imports it, so an app made under another name is
not seen.)

Name the app explicitly, as Flask accepts it:
    FLASK_APP={_visible(module)[:100]}:name_of_the_app
    FLASK_APP={_visible(module)[:100]}:create_app()
or set the entry point for uWSGI directly, which wins over FLASK_APP:
    heroku config:set UWSGI_MODULE={_visible(module)[:100]}:name_of_the_app""",
    )


# --- The app's own uwsgi.ini ------------------------------------------------


@_coded("uwsgi-ini::unreadable")
def uwsgi_ini_unreadable(name: str, reason: str) -> BuildError:
    """uwsgi.ini cannot be read."""
    return BuildError(
        f"Unable to read {name}.",
        f"{name} could not be read: {reason}. Save it as UTF-8 text.",
    )


@_coded("uwsgi-ini::syntax")
def uwsgi_ini_syntax(name: str, line: int, text: str, problem: str) -> BuildError:
    """A line uWSGI's ini parser would not understand."""
    return BuildError(
        f"{name} does not parse.",
        f"""\
{name}, line {line}: {problem}:
    {_visible(text.strip())[:100]}

Each line of a uWSGI ini file is a [section] header, 'option = value', or a
comment starting with ';' or '#'. Fix the line and push again.""",
    )


@_coded("uwsgi-ini::no-section")
def uwsgi_ini_no_section(name: str) -> BuildError:
    """An ini without a [uwsgi] section: uWSGI would start with no options."""
    return BuildError(
        f"{name} has no [uwsgi] section.",
        f"""\
uWSGI reads its options from the [uwsgi] section of {name}, and there is
none, so it would start with no socket and no app.

Put the options under a line reading exactly:
    [uwsgi]""",
    )


@_coded("uwsgi-ini::no-port-socket")
def ini_no_port_socket(main_file: str, sockets: Sequence[_Option]) -> Message:
    """Nothing binds $PORT: the dyno would crash with R10."""
    found = (
        "It binds:\n" + _quote(f"{o.key} = {o.value}   ({o.where})" for o in sockets)
        if sockets
        else "It binds no socket at all."
    )
    return Message(
        f"{main_file} does not bind Heroku's $PORT.",
        f"""\
Heroku sends a web dyno's traffic to the port in the PORT environment
variable, and stops a web dyno that has not bound it within 60 seconds
(error R10). {found}

Bind the port Heroku assigns, as uWSGI's guide for Heroku shows:
    http-socket = :$(PORT)""",
    )


@_coded("uwsgi-ini::uwsgi-protocol-socket")
def ini_uwsgi_protocol_socket(option: _Option) -> Message:
    """`socket = :$(PORT)` speaks the uwsgi protocol, not HTTP."""
    return Message(
        f"'{option.key}' on $PORT speaks the uwsgi protocol ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

Heroku's router sends plain HTTP to $PORT; a '{option.key}' socket expects
uWSGI's binary protocol (for a front-end such as nginx), so every request
would fail. Use:
    http-socket = :$(PORT)""",
    )


@_coded("uwsgi-ini::no-die-on-term")
def ini_no_die_on_term(main_file: str) -> Message:
    """SIGTERM would mean reload, not shutdown."""
    return Message(
        f"{main_file} does not make SIGTERM shut uWSGI down.",
        """\
Heroku stops dynos (at every deploy, restart and daily cycling) with SIGTERM,
then SIGKILL 30 seconds later. Without die-on-term, uWSGI 2.0 takes SIGTERM as
"brutally reload": it restarts its workers instead of exiting, and Heroku
kills it mid-request 30 seconds later. Add:
    die-on-term = true""",
    )


@_coded("uwsgi-ini::workers-die-on-sigterm")
def ini_workers_die_on_sigterm(main_file: str) -> Message:
    """die-on-term alone: Heroku's SIGTERM reaches workers and cuts requests."""
    return Message(
        f"{main_file} lets SIGTERM cut requests in flight.",
        """\
Heroku sends SIGTERM to every process of the dyno, workers included, at every
deploy, restart and daily cycling. A uWSGI 2.0 worker exits on SIGTERM at
once, mid-request, so users get errors at each deploy. Let workers finish
their request first, and bound how long they may take:
    die-on-term = true
    hook-accepting = unix_signal:15 gracefully_kill
    hook-accepting = unix_signal:2 gracefully_kill
    worker-reload-mercy = 20""",
    )


@_coded("uwsgi-ini::spooler")
def ini_spooler(option: _Option) -> Message:
    """Spooler tasks live on the dyno's ephemeral filesystem."""
    return Message(
        f"'{option.key}' keeps tasks on the dyno's disk ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

A dyno's filesystem is discarded whenever the dyno restarts (at least daily,
and at every deploy), so queued spooler tasks are lost. Use a queue that
lives outside the dyno (a Heroku Redis or Postgres add-on with a worker
process) instead.""",
    )


@_coded("uwsgi-ini::log-reopens-stdio")
def ini_log_reopens_stdio(option: _Option, path: str) -> Message:
    """The log re-opens stdout/stderr by path, which an unprivileged dyno cannot."""
    return Message(
        f"'{option.key}' opens {path} again by its path ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

A dyno's processes run as an unprivileged user, and their stdout and stderr
are a pipe the platform made. Opening {path} opens that pipe again through
its path, and the pipe belongs to whoever made it: uWSGI then stops at boot
with open("{path}"): Permission denied, and the dyno crashes (H10).

uWSGI already writes its log to the stdout and stderr it was started with,
which Heroku collects: remove this line (with `log-master = true`, lines from
all workers reach the log whole).""",
    )


@_coded("uwsgi-ini::log-to-file")
def ini_log_to_file(option: _Option, path: str) -> Message:
    """The log goes to a file on the dyno's ephemeral filesystem."""
    return Message(
        f"'{option.key}' writes the log to a file ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

Heroku collects only what a dyno writes to its stdout and stderr: `heroku
logs` and log drains will not see what goes to {path}, and a dyno's
filesystem is discarded whenever it restarts (at least daily, and at every
deploy). Remove this line: uWSGI writes its log to stdout and stderr by
itself.""",
    )


@_coded("uwsgi-ini::cron")
def ini_cron(option: _Option) -> Message:
    """Cron jobs and timers on dynos that restart at any time."""
    return Message(
        f"'{option.key}' schedules work inside the dyno ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

Dynos restart at any moment (daily cycling, deploys, scaling), and every web
dyno would run its own copy of the job. Jobs are missed or run several times.
Use Heroku Scheduler or a clock process in the Procfile for scheduled work.""",
    )


@_coded("uwsgi-ini::stats-unix-socket")
def ini_stats_unix_socket(option: _Option) -> Message:
    """Stats on a unix socket is unreachable for uwsgitop run elsewhere."""
    return Message(
        f"'{option.key}' is on a unix socket ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

`heroku run uwsgitop` starts a separate one-off dyno, which cannot see this
dyno's files, so the socket is unreachable from it. Bind the stats server to
loopback and reach it with `heroku ps:exec`, or set the UWSGI_STATS=1 config
var with the default uwsgi.ini:
    stats = 127.0.0.1:1717""",
    )


@_coded("uwsgi-ini::stats-public")
def ini_stats_public(option: _Option) -> Message:
    """Stats bound to every interface."""
    return Message(
        f"'{option.key}' listens on every interface ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

The stats server reveals the app's internals (requests, memory, environment
of workers) without authentication. Bind it to loopback only and read it
through `heroku ps:exec`:
    stats = 127.0.0.1:1717""",
    )


@_coded("uwsgi-ini::cheaper")
def ini_cheaper(option: _Option) -> Message:
    """Adaptive process spawning on a fixed-size dyno."""
    return Message(
        f"'{option.key}' enables adaptive process spawning ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

A dyno's memory and CPU are fixed and paid for whether used or not, so
growing and shrinking the worker count saves nothing, and workers spawned
under load arrive late and can push the dyno over its memory (R14). Set a
fixed `processes` (or let WEB_CONCURRENCY decide) and remove the cheaper
options.""",
    )


@_coded("uwsgi-ini::too-many-processes")
def ini_too_many_processes(option: _Option, count: int, per_worker: int, dyno: int) -> Message:
    """More workers than the smallest dyno's memory can hold."""
    return Message(
        f"{count} processes may not fit in a dyno's memory ({option.where}).",
        f"""\
{option.where}: {option.key} = {option.value}

Each worker holds a full copy of the app: at least about {per_worker} MB even for
a tiny app, so {count} workers need {count * per_worker} MB or more, above the
{dyno} MB of a Basic or Standard-1X dyno. Going over logs R14 and swaps, which
slows every request. Use fewer processes (add threads instead), or take the
count from WEB_CONCURRENCY:
    processes = $(WEB_CONCURRENCY)""",
    )


@_coded("uwsgi-ini::no-harakiri")
def ini_no_harakiri(main_file: str) -> Message:
    """No harakiri: stuck requests hold workers past the router timeout."""
    return Message(
        f"{main_file} sets no harakiri.",
        """\
Heroku's router gives up on a request after 30 seconds (H12), but the worker
keeps working on it. `harakiri = 25` kills a worker stuck longer than that
and frees it for new requests; pick a value that suits your slowest
legitimate request (uWSGI's guide: it is app-dependent).""",
    )


def uwsgi_ini_errors(findings: Sequence[_Titled]) -> BuildError:
    """One or more findings that would stop the dyno from working."""
    first, rest = findings[0], findings[1:]
    body = first.body
    for finding in rest:
        body += f"\n\nAlso: {finding.title}\n{finding.body}"
    return BuildError(first.title, body, first.code or "uwsgi-ini::error")


def harakiri_recommendation() -> str:
    """Shown when the default config runs without UWSGI_HARAKIRI."""
    return """\
Tip: set a harakiri timeout. Heroku's router answers H12 after 30 s, but a
stuck worker keeps working on the request until harakiri kills it. What
value suits the slowest legitimate request is app-dependent, so there is no
default; below the router's 30 s, for example:
    heroku config:set UWSGI_HARAKIRI=25"""


# --- Warnings ---------------------------------------------------------------


@_coded("entrypoint::fallback")
def fallback_app_warning() -> Message:
    """No entry point found: the werkzeug test app is served instead."""
    return Message(
        "No WSGI app found; serving werkzeug's test app.",
        """\
The app has no uwsgi.ini, no UWSGI_MODULE config var, and no Python file that
defines a WSGI app, so the dyno will serve werkzeug.testapp:test_app, a demo
page (uWSGI's guide's example), instead of your app.

To serve your app, do one of:
  - set the entry point (module:callable):
        heroku config:set UWSGI_MODULE=myapp.wsgi:application
  - add a wsgi.py that defines `application`, or
  - commit a uwsgi.ini with a `module = ...` line.""",
    )
