"""The platform and the Python runtime: stack, CPU architecture, the runtime archive's source.

And what the build image itself must provide (tarfile's filters, zstd).
"""

from __future__ import annotations

from collections.abc import Sequence

from .core import EXAMPLE_MINOR, BuildError, _coded, _quote, _visible


def _download_failed(body: str) -> BuildError:
    """The runtime could not be downloaded: `body` says what the source did."""
    return BuildError("Unable to download the Python runtime.", body)


def _archive(trouble: str, body: str) -> BuildError:
    """The Python runtime archive `trouble` ("was not found", "is damaged"): `body` says more."""
    return BuildError(f"The Python runtime archive {trouble}.", body)


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
    return _download_failed(
        f"""\
{url} could not be reached ({reason}), after {attempts} attempts.

This is usually a temporary network problem: try the build again. If you set
the PYTHON_RUNTIME_URL config var, check that its server is up and reachable
from Heroku.""",
    )


@_coded("runtime::http-error")
def runtime_source_http_error(url: str, code: int) -> BuildError:
    """An unexpected HTTP status from the runtime source."""
    return _download_failed(
        f"""\
{url} answered with HTTP status {code}.

If you set the PYTHON_RUNTIME_URL config var, check its value; otherwise try
the build again later.""",
    )


@_coded("runtime::archive-missing")
def runtime_archive_missing(name: str, base_url: str) -> BuildError:
    """404/403 for the archive itself."""
    return _archive(
        "was not found",
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
    return _archive(
        "cannot be verified",
        f"""\
{base_url}/SHA256SUMS does not list {name}, so its integrity cannot be
checked, and the build refuses to use it.

Ask the runtime source's owner to list it, or choose a listed version.""",
    )


@_coded("runtime::checksum-mismatch")
def runtime_checksum_mismatch(name: str, expected: str, actual: str) -> BuildError:
    """The downloaded archive does not match SHA256SUMS."""
    return _archive(
        "failed its checksum",
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
    return _archive(
        "is unsafe",
        f"""\
{name} contains an entry that would be written outside the install
directory, so the build refuses to unpack it:
    {detail}

A genuine runtime archive never does this. Check the PYTHON_RUNTIME_URL config
var and where its archives come from.""",
    )


@_coded("runtime::archive-corrupt")
def runtime_archive_corrupt(name: str, detail: str) -> BuildError:
    """Truncated or not a zstd tar.

    `detail` is what tarfile or zstd said, or what the unpacked runtime lacks.
    """
    return _archive(
        "is damaged",
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
