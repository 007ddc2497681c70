"""The default `uwsgi.ini` and `Procfile`, for apps that bring none.

The generated ini is the seed recipe (uWSGI's "Running python webapps on Heroku
with uWSGI") with nothing for the user to fill in: bound to `$PORT`, a master
process, SIGTERM meaning "shut down", memory reporting, and a process count
taken from `WEB_CONCURRENCY` at boot.

Two things are read from the environment *at boot*, not baked in at build time:
`WEB_CONCURRENCY` and `UWSGI_MODULE`. On Heroku, changing a config var restarts
the dynos without a rebuild, so a value frozen into the slug would silently
stop following the config var. uWSGI's own `if-env` logic does the lookup.
"""

from __future__ import annotations

import os
from pathlib import Path

from .entrypoint import EntryPoint

PROCFILE_WEB = "uwsgi uwsgi.ini"

_INI = """\
# Written by the uWSGI buildpack because the app has no uwsgi.ini of its own.
# Commit a uwsgi.ini to take over; start from this one if you like.
[uwsgi]
# Heroku routes the dyno's traffic to $PORT only, and kills a web dyno that has
# not bound it within 60 seconds of starting (R10).
http-socket = :$(PORT)
master = true
# Heroku stops a dyno with SIGTERM (then SIGKILL 30 s later). Without this,
# uWSGI takes SIGTERM as "reload" and the dyno would not stop cleanly.
die-on-term = true
# Dynos have little memory: log what each request costs.
memory-report = true

# Worker processes: WEB_CONCURRENCY, which .profile.d sets from the dyno's
# memory unless you set the config var yourself.
if-env = WEB_CONCURRENCY
processes = %(_)
endif =
if-not-env = WEB_CONCURRENCY
processes = 2
endif =

# The WSGI app. {reason}.
# Setting the UWSGI_MODULE config var (module:callable) overrides it at boot.
if-env = UWSGI_MODULE
module = %(_)
endif =
if-not-env = UWSGI_MODULE
module = {module}
endif =

# Run from the app's directory wherever the slug is unpacked (%d is the
# directory of this file), and import the app from there.
chdir = %d
pythonpath = %d
# Refuse to start without a working app: a crash at boot beats a dyno that
# answers every request with "Internal Server Error".
need-app = true
# Let the app start threads of its own (error reporters, metrics clients).
enable-threads = true
single-interpreter = true
"""


def render_default_ini(entry: EntryPoint) -> str:
    """The text of the default uwsgi.ini for this entry point."""
    return _INI.format(module=entry.module, reason=entry.reason[:1].upper() + entry.reason[1:])


def write_default_ini(build_dir: Path, entry: EntryPoint) -> Path:
    """Write `uwsgi.ini` into the app (the caller checked there is none)."""
    path = build_dir / "uwsgi.ini"
    _write_private(path, render_default_ini(entry))
    return path


def write_default_procfile(build_dir: Path) -> Path:
    """Write `Procfile` with the web process (the caller checked there is none)."""
    path = build_dir / "Procfile"
    _write_private(path, f"web: {PROCFILE_WEB}\n")
    return path


def release_yaml() -> str:
    """What `bin/release` prints: the same web process as the default Procfile."""
    return f"---\ndefault_process_types:\n  web: {PROCFILE_WEB}\n"


def _write_private(path: Path, text: str) -> None:
    """Write a generated file readable by all, writable by the owner only."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
