"""The one way the build reads a file of the app: regular files only, and not too large.

Every file the build reads from the app (`.env`, `.flaskenv`, `runtime.txt`,
`.python-version`, the requirements, `pyproject.toml`, the locks, `Procfile`,
`uwsgi.ini`, the source the entry-point search reads) comes from the user's
repository, and git can commit a symbolic link to anything: `.env ->
/dev/zero` would have the build read until it is killed for its memory, and a
named pipe (which a build step or an earlier buildpack may leave) blocks a
plain `open` for ever. So a file is opened without blocking (`O_NONBLOCK`,
which a regular file ignores), what was opened is checked with `fstat` (the
file itself, whatever path or link led to it), and at most `LIMIT` bytes are
read. Anything else is refused with a build error naming the file.

A path that does not exist (a dangling link included) is "no such file"
(`None`), as every caller treats a missing optional file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from . import errors

# No configuration, lock or source file of an app comes near this; a poetry.lock
# or uv.lock of several hundred packages is a few MB.
LIMIT = 32 * 1024 * 1024

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _shown(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return path.name


def kind(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: Path, base: Path | None = None) -> bytes | None:
    """The contents of the app's file at `path`, or None when there is no such file.

    BuildError (`app::file-not-regular`, `app::file-too-large`) for anything
    but a regular file of at most LIMIT bytes; `base` is the app's directory,
    for the name the message shows. Other OSErrors (permission denied) are
    the caller's, as with `open`.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise errors.app_file_not_regular(_shown(path, base), "a directory") from None
    try:
        found = kind(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if found is not None:
        os.close(fd)
        raise errors.app_file_not_regular(_shown(path, base), found)
    with os.fdopen(fd, "rb") as f:
        data = f.read(LIMIT + 1)
    if len(data) > LIMIT:
        raise errors.app_file_too_large(
            _shown(path, base), len(data) // (1024 * 1024), LIMIT // (1024 * 1024)
        )
    return data


def read_text(path: Path, base: Path | None = None, errors_: str = "strict") -> str | None:
    """`read_bytes` decoded as UTF-8 (`errors_` as for bytes.decode), or None."""
    data = read_bytes(path, base)
    return None if data is None else data.decode("utf-8", errors_)


# The files at the app's root that the build reads, by name (the source files
# the entry-point search reads are refused when they are read).
NAMED = (
    ".env",
    ".flaskenv",
    ".python-version",
    "runtime.txt",
    "requirements.txt",
    "requirements.in",
    "requirements-test.txt",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "poetry.lock",
    "Procfile",
    "uwsgi.ini",
)


def check_named(build_dir: Path) -> None:
    """Refuse (BuildError) a file of NAMED that the app has but is not a regular file.

    Run first, before anything is downloaded: each file is also refused
    where it is read, but some are read only after the runtime is installed.
    """
    for name in NAMED:
        try:
            mode = (build_dir / name).stat().st_mode
        except OSError:
            continue
        found = kind(mode)
        if found is not None:
            raise errors.app_file_not_regular(name, found)


def present(path: Path) -> bool:
    """Whether the app has something at `path` the build would read (a link to nothing: no).

    A FIFO or a device counts: reading it then refuses it by name, rather than
    the build going on as if the file were not there.
    """
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True
