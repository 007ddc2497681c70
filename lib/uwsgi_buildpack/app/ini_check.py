"""Checking an app's own uwsgi.ini against what Heroku needs, at build time.

The uWSGI guide to Heroku lists what matters on a dyno: bind `$PORT`, treat
SIGTERM as "shut down", set harakiri, and avoid what a dyno cannot keep (a
spooler's files, cron jobs, a stats socket nobody can reach, adaptive process
spawning). Users who bring their own uwsgi.ini get each of these checked before
the slug ships, with the option, its file and line, why it matters and the fix.

We read the ini the way uWSGI does (it is not a strict INI dialect: keys repeat,
`;` and `#` start comments, other sections are ignored) and follow `ini =` and
`include =` lines into other files of the app. uWSGI's own `if-env`/`for`
blocks are read as if every branch applied, which can only add findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import app_files, errors

SOCKET_OPTIONS = (
    "http-socket",
    "http",
    "https",
    "https-socket",
    "socket",
    "uwsgi-socket",
    "http11-socket",
    "shared-socket",
)
HTTP_SOCKET_OPTIONS = ("http-socket", "http", "https", "https-socket", "http11-socket")
CRON_OPTIONS = (
    "cron",
    "cron2",
    "unique-cron",
    "legion-cron",
    "cron-harakiri",
    "timer",
    "rbtimer",
    "signal-timer",
    "add-cron",
    "add-timer",
    "add-rb-timer",
)
SPOOLER_OPTIONS = ("spooler", "spooler-external", "spooler-ordered")
CHEAPER_OPTIONS = (
    "cheaper",
    "cheaper-algo",
    "cheaper-initial",
    "cheaper-step",
    "cheap",
    "cheaper-rss-limit-soft",
    "idle",
)
# Where uWSGI writes its log: `logto`/`logto2` take a path, `logger` and
# `req-logger` a plugin, of which `file:PATH` writes to a path.
LOG_PATH_OPTIONS = ("logto", "logto2")
LOGGER_OPTIONS = ("logger", "req-logger")
# Paths that re-open the process's own stdout or stderr instead of using it.
STDIO_PATHS = (
    "/dev/stdout",
    "/dev/stderr",
    "/dev/fd/1",
    "/dev/fd/2",
    "/proc/self/fd/1",
    "/proc/self/fd/2",
)
# How a dyno's shutdown reaches the workers. Heroku sends SIGTERM (15) to every
# process, workers included; Dokku (docker stop) sends it to the process it
# started, uWSGI's master, alone, and die-on-term's master passes SIGINT (2) on
# to the workers. A uWSGI 2.0 worker exits at once on either, mid-request,
# unless a hook remaps it to `gracefully_kill`. The master-side recipe
# (`gracefully_kill_them_all` on SIGTERM) sends the workers SIGHUP instead,
# which they take gracefully by default: it covers the master-only signal.
GRACEFUL_HOOK_RE = re.compile(r"unix_signal:15\s+gracefully_kill_them_all\b")
WORKER_GRACEFUL_RE = {
    signal: re.compile(rf"unix_signal:{signal}\s+gracefully_kill\b") for signal in (15, 2)
}
PORT_RE = re.compile(r"\$\(PORT\)|\$\{PORT\}|%\(env\.PORT\)")

# Measured with test/tools/benchmark-workers (test/fixtures/bench-app, a tiny
# werkzeug app): a loaded worker's RSS is about 21 MB. Real apps are
# bigger, often 50-150 MB with Django; this floor keeps the warning to counts
# that cannot fit whatever the app.
EXPECTED_WORKER_MB = 21
# The smallest web dyno (Basic, Standard-1X).
DYNO_MEMORY_MB = 512


@dataclass(frozen=True)
class Finding:
    """Something the user should know about their uwsgi.ini.

    The checker decides how much it matters (`severity`: "error", "warning" or
    "hint"); errors/ words it (`title`, `body`) and gives it a stable `code`.
    """

    severity: str
    title: str
    body: str
    code: str = ""


def _finding(severity: str, message: errors.Message) -> Finding:
    return Finding(severity, message.title, message.body, message.code)


@dataclass(frozen=True)
class Option:
    """One `key = value` line of the [uwsgi] section."""

    key: str
    value: str
    file: str
    line: int

    @property
    def where(self) -> str:
        """`uwsgi.ini, line 3`."""
        return f"{self.file}, line {self.line}"


def parse(path: Path, app_dir: Path) -> list[Option]:
    """Read the [uwsgi] section of `path` and the app files it includes."""
    options, has_section = _parse_file(path, app_dir.resolve(), set())
    if not has_section:
        raise errors.uwsgi_ini_no_section(path.name)
    return options


def _parse_file(path: Path, app_dir: Path, seen: set[Path]) -> tuple[list[Option], bool]:
    resolved = path.resolve()
    name = str(resolved.relative_to(app_dir)) if resolved.is_relative_to(app_dir) else path.name
    if resolved in seen:
        return [], True
    seen.add(resolved)
    try:
        data = app_files.read_bytes(path, app_dir)
        if data is None:
            raise FileNotFoundError(2, "No such file or directory")
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.uwsgi_ini_unreadable(name, "it is not UTF-8 text") from None
    except OSError as exc:
        raise errors.uwsgi_ini_unreadable(name, exc.strerror or str(exc)) from None
    options: list[Option] = []
    section: str | None = None
    has_section = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                problem = "a section header must end with ']'"
                raise errors.uwsgi_ini_syntax(name, number, raw, problem)
            section = line[1:-1].strip()
            has_section = has_section or section == "uwsgi"
            continue
        if "=" not in line:
            raise errors.uwsgi_ini_syntax(name, number, raw, "expected 'option = value'")
        if section != "uwsgi":
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        option = Option(key.lower().replace("_", "-"), value, name, number)
        options.append(option)
        if option.key in ("ini", "include") and value and "://" not in value:
            included = (path.parent / value.split(":", 1)[0]).resolve()
            if included.is_file() and included.is_relative_to(app_dir):
                options.extend(_parse_file(included, app_dir, seen)[0])
    return options, has_section


def _truthy(value: str) -> bool:
    return value.strip().lower() not in ("false", "0", "no", "off")


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _from_port_env(options: list[Option]) -> list[Option]:
    """Options inside an `if-env = PORT` block that use its value, `%(_)`."""
    found, in_port_block = [], False
    for option in options:
        if option.key in ("if-env", "if-not-env", "endif", "end-if"):
            in_port_block = option.key == "if-env" and option.value.strip() == "PORT"
        elif in_port_block and "%(_)" in option.value:
            found.append(option)
    return found


def check(options: list[Option], main_file: str = "uwsgi.ini") -> list[Finding]:
    """Every finding for these options, errors first."""
    findings: list[Finding] = []
    by_key: dict[str, list[Option]] = {}
    for option in options:
        by_key.setdefault(option.key, []).append(option)

    sockets = [o for o in options if o.key in SOCKET_OPTIONS]
    port_sockets = [o for o in sockets if PORT_RE.search(o.value) or o in _from_port_env(options)]
    if not port_sockets:
        findings.append(_finding("error", errors.ini_no_port_socket(main_file, sockets)))
    else:
        for option in port_sockets:
            if option.key in ("socket", "uwsgi-socket"):
                findings.append(_finding("error", errors.ini_uwsgi_protocol_socket(option)))

    graceful = any(GRACEFUL_HOOK_RE.search(o.value) for o in by_key.get("hook-master-start", []))
    die_on_term = [o for o in by_key.get("die-on-term", []) if _truthy(o.value)]
    if not die_on_term and not graceful:
        findings.append(_finding("warning", errors.ini_no_die_on_term(main_file)))
    else:
        hooks = [o.value for o in by_key.get("hook-accepting", [])]
        remapped = {
            signal: any(pattern.search(value) for value in hooks)
            for signal, pattern in WORKER_GRACEFUL_RE.items()
        }
        cut_on_heroku = not remapped[15]
        cut_on_dokku = not (remapped[2] or graceful)
        if cut_on_heroku or cut_on_dokku:
            message = errors.ini_workers_die_on_sigterm(main_file, cut_on_heroku, cut_on_dokku)
            findings.append(_finding("warning", message))

    for key in SPOOLER_OPTIONS:
        for option in by_key.get(key, []):
            findings.append(_finding("warning", errors.ini_spooler(option)))
    for key in CRON_OPTIONS:
        for option in by_key.get(key, []):
            findings.append(_finding("warning", errors.ini_cron(option)))
    for option in by_key.get("stats", []) + by_key.get("stats-server", []):
        value = option.value.strip()
        if value in ("%(_)", "$(_)"):
            # Inside if-env/if-exists blocks, `%(_)` is the value found at boot
            # (the default ini's stats line takes it from BP_UWSGI_STATS):
            # nothing the build can judge.
            continue
        if value.startswith(("/", "@", "./")) or ":" not in value:
            findings.append(_finding("warning", errors.ini_stats_unix_socket(option)))
        elif not value.startswith(("127.", "localhost:", "[::1]")):
            findings.append(_finding("warning", errors.ini_stats_public(option)))
    findings.extend(_log_findings(by_key))
    for key in CHEAPER_OPTIONS:
        for option in by_key.get(key, []):
            findings.append(_finding("warning", errors.ini_cheaper(option)))

    processes = [o for key in ("processes", "workers", "p") for o in by_key.get(key, [])]
    for option in processes:
        count = _int(option.value)
        if count is not None and count * EXPECTED_WORKER_MB > DYNO_MEMORY_MB:
            message = errors.ini_too_many_processes(
                option, count, EXPECTED_WORKER_MB, DYNO_MEMORY_MB
            )
            findings.append(_finding("warning", message))

    if not by_key.get("harakiri"):
        findings.append(_finding("hint", errors.ini_no_harakiri(main_file)))

    order = {"error": 0, "warning": 1, "hint": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _log_findings(by_key: dict[str, list[Option]]) -> list[Finding]:
    """Logs written by path: to a re-opened stdout/stderr, or to a file.

    Heroku collects what a dyno's processes write to the stdout and stderr
    they were started with. Re-opening them by path fails for an unprivileged
    user when the platform made the pipe (the dyno then never boots), and a
    file on the dyno's disk is never seen by `heroku logs` and is lost at the
    next restart.
    """
    found = []
    for key in LOG_PATH_OPTIONS + LOGGER_OPTIONS:
        for option in by_key.get(key, []):
            value = option.value.strip()
            if key in LOGGER_OPTIONS:
                target = value.split()[-1] if value else ""
                if not target.startswith("file:"):
                    continue
                value = target[len("file:") :]
            if not value or value in ("%(_)", "$(_)"):
                continue
            if value in STDIO_PATHS:
                found.append(_finding("warning", errors.ini_log_reopens_stdio(option, value)))
            else:
                found.append(_finding("warning", errors.ini_log_to_file(option, value)))
    return found
