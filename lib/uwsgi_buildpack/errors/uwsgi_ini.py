"""The app's own uwsgi.ini: why it does not parse, what it gets wrong on Heroku.

A finding is a Message; uwsgi_ini_check decides which ones stop the build.
And the harakiri tip for the default uwsgi.ini.
"""

from __future__ import annotations

from collections.abc import Sequence

from .core import BuildError, Message, _coded, _quote, _visible
from .records import _Option, _Titled


def _finding(option: _Option, title: str, explanation: str) -> Message:
    """A finding about one option: `title (where).`, then the line as written, then why."""
    return Message(
        f"{title} ({option.where}).",
        f"{option.where}: {option.key} = {option.value}\n\n{explanation}",
    )


def _stats_finding(option: _Option, title: str, explanation: str) -> Message:
    """A finding about the stats server: the explanation ends showing it bound to loopback."""
    return _finding(option, title, f"{explanation}\n    stats = 127.0.0.1:1717")


@_coded("uwsgi-ini::unreadable")
def uwsgi_ini_unreadable(name: str, reason: str) -> BuildError:
    """uwsgi.ini cannot be read.

    `reason` is the system's error, or that the file is not UTF-8 text.
    """
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
    return _finding(
        option,
        f"'{option.key}' on $PORT speaks the uwsgi protocol",
        f"""\
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
then SIGKILL 30 seconds later; Dokku stops a container the same way (docker
stop). Without die-on-term, uWSGI 2.0 takes SIGTERM as "brutally reload": it
restarts its workers instead of exiting, and is killed mid-request 30 seconds
later. Add:
    die-on-term = true""",
    )


@_coded("uwsgi-ini::workers-die-on-sigterm")
def ini_workers_die_on_sigterm(main_file: str, on_heroku: bool, on_dokku: bool) -> Message:
    """The workers exit mid-request when the dyno is stopped.

    `on_heroku`: no worker hook for SIGTERM, which Heroku sends every process.
    `on_dokku`: no worker hook for SIGINT, which die-on-term's master sends its
    workers when it alone gets SIGTERM (Dokku's docker stop), and no master-side
    `gracefully_kill_them_all` either.
    """
    cut = []
    if on_heroku:
        cut.append(
            "on Heroku, which sends SIGTERM to every process, workers included\n"
            "  (no `hook-accepting = unix_signal:15 gracefully_kill`)"
        )
    if on_dokku:
        cut.append(
            "under Dokku, whose docker stop sends SIGTERM to uWSGI's master alone,\n"
            "  which passes SIGINT on to the workers\n"
            "  (no `hook-accepting = unix_signal:2 gracefully_kill`)"
        )
    where = "\n".join(f"- {line}" for line in cut)
    return Message(
        f"{main_file} lets SIGTERM cut requests in flight.",
        f"""\
Dynos are stopped with SIGTERM at every deploy, restart and daily cycling. A
uWSGI 2.0 worker exits at once on SIGTERM or SIGINT, mid-request, unless a
hook makes it finish its request first, so users get errors at each deploy:
{where}
Let workers finish their request on both signals, and bound how long they may
take:
    die-on-term = true
    hook-accepting = unix_signal:15 gracefully_kill
    hook-accepting = unix_signal:2 gracefully_kill
    worker-reload-mercy = 20""",
    )


@_coded("uwsgi-ini::spooler")
def ini_spooler(option: _Option) -> Message:
    """Spooler tasks live on the dyno's ephemeral filesystem."""
    return _finding(
        option,
        f"'{option.key}' keeps tasks on the dyno's disk",
        """\
A dyno's filesystem is discarded whenever the dyno restarts (at least daily,
and at every deploy), so queued spooler tasks are lost. Use a queue that
lives outside the dyno (a Heroku Redis or Postgres add-on with a worker
process) instead.""",
    )


@_coded("uwsgi-ini::log-reopens-stdio")
def ini_log_reopens_stdio(option: _Option, path: str) -> Message:
    """The log re-opens stdout/stderr by path, which an unprivileged dyno cannot.

    `path` is the one the option names: /dev/stdout, /dev/fd/2 or alike.
    """
    return _finding(
        option,
        f"'{option.key}' opens {path} again by its path",
        f"""\
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
    """The log goes to a file on the dyno's ephemeral filesystem.

    `path` is that file: the option's value, or what follows a logger's `file:`.
    """
    return _finding(
        option,
        f"'{option.key}' writes the log to a file",
        f"""\
Heroku collects only what a dyno writes to its stdout and stderr: `heroku
logs` and log drains will not see what goes to {path}, and a dyno's
filesystem is discarded whenever it restarts (at least daily, and at every
deploy). Remove this line: uWSGI writes its log to stdout and stderr by
itself.""",
    )


@_coded("uwsgi-ini::cron")
def ini_cron(option: _Option) -> Message:
    """Cron jobs and timers on dynos that restart at any time."""
    return _finding(
        option,
        f"'{option.key}' schedules work inside the dyno",
        """\
Dynos restart at any moment (daily cycling, deploys, scaling), and every web
dyno would run its own copy of the job. Jobs are missed or run several times.
Use Heroku Scheduler or a clock process in the Procfile for scheduled work.""",
    )


@_coded("uwsgi-ini::stats-unix-socket")
def ini_stats_unix_socket(option: _Option) -> Message:
    """Stats on a unix socket is unreachable for uwsgitop run elsewhere."""
    return _stats_finding(
        option,
        f"'{option.key}' is on a unix socket",
        """\
`heroku run uwsgitop` starts a separate one-off dyno, which cannot see this
dyno's files, so the socket is unreachable from it. Bind the stats server to
loopback and reach it with `heroku ps:exec`, or set the UWSGI_STATS=1 config
var with the default uwsgi.ini:""",
    )


@_coded("uwsgi-ini::stats-public")
def ini_stats_public(option: _Option) -> Message:
    """Stats bound to every interface."""
    return _stats_finding(
        option,
        f"'{option.key}' listens on every interface",
        """\
The stats server reveals the app's internals (requests, memory, environment
of workers) without authentication. Bind it to loopback only and read it
through `heroku ps:exec`:""",
    )


@_coded("uwsgi-ini::cheaper")
def ini_cheaper(option: _Option) -> Message:
    """Adaptive process spawning on a fixed-size dyno."""
    return _finding(
        option,
        f"'{option.key}' enables adaptive process spawning",
        """\
A dyno's memory and CPU are fixed and paid for whether used or not, so
growing and shrinking the worker count saves nothing, and workers spawned
under load arrive late and can push the dyno over its memory (R14). Set a
fixed `processes` (or let WEB_CONCURRENCY decide) and remove the cheaper
options.""",
    )


@_coded("uwsgi-ini::too-many-processes")
def ini_too_many_processes(option: _Option, count: int, per_worker: int, dyno: int) -> Message:
    """More workers than the smallest dyno's memory can hold."""
    return _finding(
        option,
        f"{count} processes may not fit in a dyno's memory",
        f"""\
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


@_coded("default-ini::no-harakiri")
def harakiri_recommendation() -> Message:
    """Shown when the default config runs without UWSGI_HARAKIRI.

    A tip (output.tip): its title continues `Tip: ` and runs on into the
    body, whose first line is short to leave room for both.
    """
    return Message(
        "set a harakiri timeout.",
        """\
Heroku's router answers H12 after 30 s, but a
stuck worker keeps working on the request until harakiri kills it. What
value suits the slowest legitimate request is app-dependent, so there is no
default; below the router's 30 s, for example:
    heroku config:set UWSGI_HARAKIRI=25""",
    )
