"""The app's config vars at build time (Heroku's ENV_DIR).

Heroku passes config vars to `bin/compile` as one file per variable in ENV_DIR
and leaves it to the buildpack to decide which to use. Like Heroku's own Python
buildpack we make them available to pip and to build steps, so private index
URLs and credentials (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`, ...) work, except
for variables that would change how the build machine itself behaves: loading a
user's `PATH`, `LD_PRELOAD` or `PYTHONHOME` into the build would break the build
or let it run code it should not.

Values are never printed: config vars hold secrets.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import errors

# Never loaded from ENV_DIR, whatever the app sets.
DENYLIST = frozenset(
    {
        "PATH",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "LIBRARY_PATH",
        "CPATH",
        "CPPATH",
        "PYTHONHOME",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PYTHONUSERBASE",
        "PYTHONNOUSERSITE",
        "VIRTUAL_ENV",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "BUILD_DIR",
        "CACHE_DIR",
        "ENV_DIR",
        "BUILDPACK_DIR",
        "HOME",
        "SHELL",
        "IFS",
        "BASH_ENV",
        "ENV",
        "STACK",
        "TMPDIR",
    }
)

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def load(env_dir: Path | None) -> dict[str, str]:
    """Read the config vars in ENV_DIR, skipping the denylisted ones."""
    if env_dir is None or not env_dir.is_dir():
        return {}
    config: dict[str, str] = {}
    for path in sorted(env_dir.iterdir()):
        name = path.name
        if not _NAME_RE.match(name) or name in DENYLIST or not path.is_file():
            continue
        try:
            value = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise errors.config_var_unreadable(name, type(exc).__name__) from None
        # Buildpacks written in shell read these files with $(cat file), which
        # drops trailing newlines; do the same so `echo value > file` works.
        config[name] = value.rstrip("\n")
    return config
