"""The app's own code the build runs: bin/pre_compile, bin/post_compile, collectstatic."""

from __future__ import annotations

from collections.abc import Sequence

from .core import BuildError, _coded, _quote


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
