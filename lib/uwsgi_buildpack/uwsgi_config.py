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
from .static_files import StaticMapping

PROCFILE_WEB = "uwsgi uwsgi.ini"

# The default ini's WSGI wrapper (dyno_wsgi.py), copied into the slug here.
WRAPPER_DIR = ".heroku/uwsgi-buildpack"
WRAPPER_MODULE = "uwsgi_buildpack_wsgi"
# Chunked request bodies above this are refused (CHUNKED_BODY_LIMIT_MB).
DEFAULT_BODY_LIMIT_MB = 100

_INI = """\
# Written by the uWSGI buildpack because the app has no uwsgi.ini of its own.
# Commit a uwsgi.ini to take over; start from this one if you like.
#
# Any uWSGI option this file does not set can also be set with a config var
# named UWSGI_<OPTION> (uWSGI reads them itself), e.g. UWSGI_HARAKIRI=25 or
# UWSGI_STATIC_MAP. A line below wins over such a variable.
[uwsgi]
# Heroku routes the dyno's traffic to $PORT only, and kills a web dyno that has
# not bound it within 60 seconds of starting (R10).
http-socket = :$(PORT)
# uWSGI's http-socket answers one request per connection, then closes it; say so
# in the response, as HTTP/1.1 requires, so clients and load balancers know
# the close is not an error.
add-header = Connection: close
# Heroku's router passes header lines of up to 8 KB each (a session cookie
# plus analytics cookies easily make 5-7 KB). uWSGI's default 4 KB buffer
# for the whole request head would drop such requests without an answer.
buffer-size = 32768
master = true
{shutdown}
# Processes and threads: WEB_CONCURRENCY and UWSGI_THREADS when you set them,
# otherwise sized from the dyno's memory and CPUs by .profile.d (printed below).
if-env = BP_UWSGI_SIZING
print = %(_)
endif =
if-env = WEB_CONCURRENCY
processes = %(_)
endif =
if-not-env = WEB_CONCURRENCY
processes = 2
endif =
if-env = BP_UWSGI_THREADS
threads = %(_)
endif =
# Connections waiting while all workers are busy: 2048 (gunicorn's default,
# or UWSGI_LISTEN), capped at the kernel's net.core.somaxconn read at boot, as
# uWSGI refuses to start above it. uWSGI's own default, 100, drops requests
# when a router opens a few hundred connections at once.
if-env = BP_UWSGI_LISTEN
listen = %(_)
endif =
# A worker growing past its share of the dyno's memory is replaced after its
# current request: a slow leak ends in a clean restart, not R14 swapping.
# Checking it reads the worker's memory after every request, so the request
# log below shows it too (rss=...MB): the purpose of uWSGI's memory-report,
# without the second log line per request that option writes.
if-env = BP_UWSGI_RELOAD_ON_RSS
reload-on-rss = %(_)
log-format = {log_format} rss=%(rssM)MB
endif =
# Let the app start threads of its own (error reporters, metrics clients).
enable-threads = true

# The WSGI app. {reason}.
# Setting the UWSGI_MODULE config var (module:callable) overrides it at boot.
if-env = UWSGI_MODULE
env = BP_UWSGI_APP=%(_)
endif =
if-not-env = UWSGI_MODULE
env = BP_UWSGI_APP={module}
endif =
{app_env}# uWSGI serves the app above through a small wrapper of the buildpack's, which
# gives the app chunked request bodies (Transfer-Encoding: chunked, sent by
# clients streaming an upload) de-chunked, with a Content-Length. uWSGI's
# http-socket alone would hand the app an empty body. Bodies over
# CHUNKED_BODY_LIMIT_MB (default 100) are answered 413 without calling the app;
# a single chunk may be as large as the whole body.
module = uwsgi_buildpack_wsgi:application
if-env = BP_UWSGI_BODY_LIMIT
chunked-input-limit = %(_)
endif =
if-not-env = BP_UWSGI_BODY_LIMIT
chunked-input-limit = {body_limit}
endif =
# Run from the app's directory wherever the slug is unpacked (%d is the
# directory of this file), and import the app from there.
chdir = %d
pythonpath = %d
pythonpath = %d/{wrapper_dir}
# Refuse to start without a working app: a crash at boot beats a dyno that
# answers every request with "Internal Server Error".
need-app = true
single-interpreter = true

# Static files are served by uWSGI, not by the app, and sent by an offload
# thread so the worker is free at once. A precompressed file.gz is sent to
# clients that accept gzip. Files are cached by browsers and CDNs for a year:
# give changed files new names (Django's ManifestStaticFilesStorage does).
# (An app without static files gets no offload thread: it would only cost
# memory in every worker.)
{offload}
static-gzip-all = true
static-expires = .* 31536000
{static}
# Request log on stdout, one line per request, with the client address from
# X-Forwarded-For and Heroku's request id. The master writes every line (the
# workers' and the app's too) whole to the stdout the dyno was started with.
# Never `logto = /dev/stdout`: that opens the log pipe again by its path, and a
# pipe belongs to whoever made it (the platform, not the dyno's user), so the
# open fails with "Permission denied" and uWSGI exits at boot.
log-x-forwarded-for = true
if-not-env = BP_UWSGI_RELOAD_ON_RSS
log-format = {log_format}
endif =
log-master = true

# UWSGI_STATS=1: the stats server for uwsgitop, on loopback only, so it is
# reachable from `heroku ps:exec` and never from the internet.
if-env = BP_UWSGI_STATS
stats = %(_)
endif =
"""

_LOG_FORMAT = (
    '%(addr) "%(method) %(uri) %(proto)" %(status) %(size)B %(msecs)ms'
    " request_id=%(var.HTTP_X_REQUEST_ID)"
)

# Heroku stops a dyno by sending SIGTERM to *every* process in it (master and
# workers alike), then SIGKILL 30 seconds later. Measured on uWSGI 2.0.31 with
# a 3 s request in flight and the whole process group signalled:
#
# - `die-on-term` alone (uWSGI's Heroku guide): 0 of 5 requests complete. A
#   worker's own SIGTERM handler (uwsgi_worker_run, core/uwsgi.c) is `end_me`,
#   which exits mid-request; no master-side option can help with that.
# - `hook-master-start = unix_signal:15 gracefully_kill_them_all`: only works
#   when the master alone gets the signal, and it then waits in a sleep loop
#   inside the signal handler, so stuck workers are never killed.
# - what we use: the workers remap SIGTERM and SIGINT (which the master's
#   kill_them_all sends them) to `gracefully_kill`: stop taking requests, finish
#   the current one, exit. The master, told by die-on-term to shut down, does
#   not respawn them, exits when they are gone, and SIGKILLs any worker still
#   busy after worker-reload-mercy (default 60 s, past Heroku's 30 s).
#   20 of 20 requests completed; the dyno exited 3.0 s after the signal.
_SHUTDOWN = """\
# Heroku stops a dyno with SIGTERM to every process (then SIGKILL 30 s later).
# The master shuts down (not uWSGI's default "reload"); each worker finishes
# the request it is serving, takes no new one, and exits. A worker still busy
# after 20 s is killed, so the dyno is gone before Heroku's SIGKILL.
die-on-term = true
hook-accepting = unix_signal:15 gracefully_kill
hook-accepting = unix_signal:2 gracefully_kill
worker-reload-mercy = 20
"""


def render_default_ini(entry: EntryPoint, statics: list[StaticMapping]) -> str:
    """The text of the default uwsgi.ini for this entry point and static mappings."""
    static = "".join(
        f"# {mapping.reason}\nstatic-map = {mapping.url}=%d{mapping.directory}\n"
        for mapping in statics
    )
    offload = (
        "offload-threads = 1"
        if statics
        else "if-env = UWSGI_STATIC_MAP\noffload-threads = 1\nendif ="
    )
    app_env = "".join(
        f"# Found in the app's source; a config var of the same name wins.\n"
        f"if-not-env = {name}\nenv = {name}={value}\nendif =\n"
        for name, value in sorted(entry.env.items())
    )
    return _INI.format(
        app_env=app_env,
        offload=offload,
        module=entry.module,
        reason=entry.reason[:1].upper() + entry.reason[1:],
        shutdown=_SHUTDOWN,
        log_format=_LOG_FORMAT,
        static=static,
        body_limit=DEFAULT_BODY_LIMIT_MB * 1024 * 1024,
        wrapper_dir=WRAPPER_DIR,
    )


def write_default_ini(build_dir: Path, entry: EntryPoint, statics: list[StaticMapping]) -> Path:
    """Write `uwsgi.ini` into the app (the caller checked there is none)."""
    path = build_dir / "uwsgi.ini"
    wrapper_dir = build_dir / WRAPPER_DIR
    wrapper_dir.mkdir(parents=True, exist_ok=True)
    wrapper = Path(__file__).with_name("dyno_wsgi.py").read_text(encoding="utf-8")
    _write_private(wrapper_dir / f"{WRAPPER_MODULE}.py", wrapper)
    _write_private(path, render_default_ini(entry, statics))
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
