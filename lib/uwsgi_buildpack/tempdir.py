"""One temporary directory per build, so that a failed build leaves no litter.

pip, its build backends and the compilers under them create temporary
directories of their own (`pip-unpack-*`, `pip-build-env-*`, `pip-wheel-*`, a
uWSGI source tree of 10 MB...), and remove them only when they finish. A build
that fails part-way stops them with SIGKILL (see `commands.stop_running_commands`),
and a build that is itself killed (a cancelled deploy, a developer's Ctrl-C on a
local test run) takes them down the same way: their directories stay behind.
On Heroku the build dyno's /tmp goes away with the dyno, but a developer running
the buildpack or its tests locally would collect hundreds of them.

So every build gets its own directory, `uwsgi-bp-tmp-<pid>-*` in the system's
temporary directory, and points `TMPDIR` (which pip, setuptools, the compilers
and Python's `tempfile` all follow) at it for everything it starts. The build
removes it when it ends, however it ends; and because a SIGKILL gives it no
chance to, each build also removes the directories of earlier builds that no
longer run. "No longer runs" is decided by a lock, not by a pid: each build
holds an flock on its directory's `.lock` for as long as it lives, and the
kernel drops it when the process dies, however it dies. A pid would mislead
where builds in different PID namespaces (containers) share one /tmp, and
could be reused.

The path must stay short. Python's multiprocessing puts the Unix socket of
its forkserver in `$TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX`, and a socket path
is limited to 107 bytes: under a TMPDIR longer than about 75 characters,
`compileall -j 0` (and any build step using multiprocessing, the default
start method from Python 3.14 on) fails with "AF_UNIX path too long". Heroku's
TMPDIR is short; a local run under a deep TMPDIR falls back to /tmp.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

_PREFIX = "uwsgi-bp-tmp-"
# Longest build directory path that leaves room for multiprocessing's socket
# names (32 characters) under the 107-byte limit, with some to spare.
_MAX_PATH = 64
_NAME_RE = re.compile(rf"^{re.escape(_PREFIX)}\d+-")
_LOCK = ".lock"
# A directory without its lock file yet is one being created right now by
# another build (mkdtemp, then the lock): only an older one is abandoned.
_CREATION_GRACE_SECONDS = 60


class BuildTempDir:
    """The build's temporary directory; `TMPDIR` points into it until `close()`."""

    def __init__(self) -> None:
        parent = _parent_dir()
        sweep_abandoned(parent)
        self.path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=parent))
        # Held until close() or the process's death; not inherited by the
        # commands the build starts (Python opens files close-on-exec).
        self._lock = open(self.path / _LOCK, "w")  # noqa: SIM115 - held for the build's life
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._saved_env = os.environ.get("TMPDIR")
        self._saved_tempdir = tempfile.tempdir
        os.environ["TMPDIR"] = str(self.path)
        tempfile.tempdir = str(self.path)

    def close(self) -> None:
        """Remove the directory and everything in it; restore `TMPDIR`."""
        tempfile.tempdir = self._saved_tempdir
        if self._saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = self._saved_env
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.close()


def _parent_dir() -> Path:
    """The system's temporary directory, or /tmp when that would make too long a path."""
    parent = Path(tempfile.gettempdir())
    # The pid and mkdtemp's random part: at most 7 + 1 + 8 characters.
    longest = len(str(parent / _PREFIX)) + 16
    if longest > _MAX_PATH and os.access("/tmp", os.W_OK | os.X_OK):
        return Path("/tmp")
    return parent


def sweep_abandoned(parent: Path) -> list[Path]:
    """Remove the temporary directories of builds that are no longer running."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if _NAME_RE.match(entry.name) is None or not entry.is_dir():
            continue
        try:
            lock = open(entry / _LOCK)  # noqa: SIM115 - closed below, after the removal
        except FileNotFoundError:
            if _age_seconds(entry) > _CREATION_GRACE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
            continue
        except OSError:
            continue  # another user's directory in a shared /tmp: not ours
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its build is running
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _age_seconds(path: Path) -> float:
    """Seconds since `path` last changed (0 if it is gone)."""
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
