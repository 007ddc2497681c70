"""uWSGI itself: the pinned version, its source's checksum, the compile."""

from __future__ import annotations

from collections.abc import Sequence

from .core import BuildError, _coded, _quote


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
