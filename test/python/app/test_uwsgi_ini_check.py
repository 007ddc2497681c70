"""Specification of the build-time check of an app's own uwsgi.ini."""

from pathlib import Path

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.app import default_config as uwsgi_config
from uwsgi_buildpack.app.entrypoint import EntryPoint
from uwsgi_buildpack.app.ini_check import check, parse

SEED_INI = """\
[uwsgi]
http-socket = :$(PORT)
master = true
processes = 4
die-on-term = true
module = werkzeug.testapp:test_app
memory-report = true
"""


def findings(tmp_path: Path, text: str, files: dict[str, str] | None = None):
    (tmp_path / "uwsgi.ini").write_text(text)
    for name, content in (files or {}).items():
        (tmp_path / name).write_text(content)
    return check(parse(tmp_path / "uwsgi.ini", tmp_path))


def titles(found) -> list[str]:
    return [f"{f.severity}: {f.title}" for f in found]


def test_the_seed_config_gets_the_graceful_shutdown_warning_and_harakiri_hint(tmp_path):
    assert titles(findings(tmp_path, SEED_INI)) == [
        "warning: uwsgi.ini lets SIGTERM cut requests in flight.",
        "hint: uwsgi.ini sets no harakiri.",
    ]


GRACEFUL = (
    "die-on-term = true\nhook-accepting = unix_signal:15 gracefully_kill\n"
    "hook-accepting = unix_signal:2 gracefully_kill\nworker-reload-mercy = 20\n"
)


SHUTDOWN_KEYS = ("die-on-term", "hook-accepting", "worker-reload-mercy")


def test_the_default_shutdown_lines_satisfy_the_check(tmp_path):
    # The shutdown lines of the default uwsgi.ini as the build renders it, not
    # a copy of them: a change to the default must still pass the check.
    rendered = uwsgi_config.render_default_ini(EntryPoint("wsgi:application", "test"), [])
    shutdown = [
        line for line in rendered.splitlines() if line.split("=", 1)[0].strip() in SHUTDOWN_KEYS
    ]
    assert len(shutdown) == 4, rendered
    text = "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 20\n" + "\n".join(shutdown) + "\n"
    assert findings(tmp_path, text) == []
    # The check's GRACEFUL stand-in, used by the other tests, is the same.
    assert sorted(shutdown) == sorted(GRACEFUL.splitlines())


def test_every_problem_of_a_bad_ini_is_named(tmp_path):
    found = findings(
        tmp_path,
        """\
[uwsgi]
http-socket = :8000
master = true
spooler = /app/tasks
cron = 0 -1 -1 -1 -1 /usr/bin/backup
stats = /tmp/stats.sock
module = app:app
""",
    )
    text = "\n".join(titles(found))
    assert "error: uwsgi.ini does not bind Heroku's $PORT." in text
    assert "warning: uwsgi.ini does not make SIGTERM shut uWSGI down." in text
    assert "warning: 'spooler' keeps tasks on the dyno's disk (uwsgi.ini, line 4)." in text
    assert "warning: 'cron' schedules work inside the dyno (uwsgi.ini, line 5)." in text
    assert "warning: 'stats' is on a unix socket (uwsgi.ini, line 6)." in text
    assert found[0].severity == "error"
    assert "http-socket = :8000   (uwsgi.ini, line 2)" in found[0].body
    assert "R10" in found[0].body


def test_port_from_if_env_block_counts(tmp_path):
    found = findings(
        tmp_path,
        "[uwsgi]\nif-env = PORT\nhttp-socket = :%(_)\nendif =\nharakiri = 20\n" + GRACEFUL,
    )
    assert found == []


def test_graceful_hook_counts_as_sigterm_handling(tmp_path):
    found = findings(
        tmp_path,
        "[uwsgi]\nhttp-socket = :$(PORT)\n"
        "hook-master-start = unix_signal:15 gracefully_kill_them_all\nharakiri = 20\n",
    )
    # The master-side recipe covers Dokku's master-only SIGTERM, not Heroku's
    # SIGTERM to the workers themselves.
    assert titles(found) == ["warning: uwsgi.ini lets SIGTERM cut requests in flight."]
    assert "on Heroku" in found[0].body
    assert "under Dokku" not in found[0].body


CUT = "warning: uwsgi.ini lets SIGTERM cut requests in flight."


@pytest.mark.parametrize(
    ("shutdown", "heroku", "dokku"),
    [
        # die-on-term alone (uWSGI's guide): cut on both platforms.
        ("die-on-term = true\n", True, True),
        # A SIGTERM hook alone: Heroku's SIGTERM to the workers is graceful,
        # but the SIGINT that die-on-term's master sends them under Dokku is not.
        ("die-on-term = true\nhook-accepting = unix_signal:15 gracefully_kill\n", False, True),
        ("die-on-term = true\nhook-accepting = unix_signal:2 gracefully_kill\n", True, False),
        # A hook for signal 20 or 25 is no hook for 2 or 15.
        (
            "die-on-term = true\nhook-accepting = unix_signal:20 gracefully_kill\n"
            "hook-accepting = unix_signal:150 gracefully_kill\n",
            True,
            True,
        ),
        # The master-side recipe instead of the SIGINT hook.
        (
            "hook-master-start = unix_signal:15 gracefully_kill_them_all\n"
            "hook-accepting = unix_signal:15 gracefully_kill\n",
            False,
            False,
        ),
        (GRACEFUL, False, False),
    ],
)
def test_workers_must_finish_their_requests_on_heroku_and_under_dokku(
    tmp_path, shutdown, heroku, dokku
):
    found = findings(tmp_path, "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 20\n" + shutdown)
    if not (heroku or dokku):
        assert found == []
        return
    assert titles(found) == [CUT]
    assert found[0].code == "uwsgi-ini::workers-die-on-sigterm"
    body = found[0].body
    assert ("on Heroku" in body) is heroku
    assert ("no `hook-accepting = unix_signal:15 gracefully_kill`" in body) is heroku
    assert ("under Dokku" in body) is dokku
    assert ("no `hook-accepting = unix_signal:2 gracefully_kill`" in body) is dokku
    # The fix is the default uwsgi.ini's, which satisfies both.
    assert body.endswith(GRACEFUL.rstrip("\n").replace("\n", "\n    ").join(["    ", ""]))


def test_uwsgi_protocol_socket_on_port_is_an_error(tmp_path):
    found = findings(tmp_path, "[uwsgi]\nsocket = :$(PORT)\nharakiri = 5\n" + GRACEFUL)
    assert titles(found) == [
        "error: 'socket' on $PORT speaks the uwsgi protocol (uwsgi.ini, line 2)."
    ]


def test_cheaper_public_stats_and_too_many_processes(tmp_path):
    found = findings(
        tmp_path,
        "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 20\n"
        + GRACEFUL
        + "processes = 32\ncheaper = 2\nstats = :1717\n",
    )
    text = "\n".join(titles(found))
    assert "32 processes may not fit in a dyno's memory (uwsgi.ini, line 8)" in text
    assert "'cheaper' enables adaptive process spawning (uwsgi.ini, line 9)" in text
    assert "'stats' listens on every interface (uwsgi.ini, line 10)" in text


def test_included_files_are_checked_with_their_own_name(tmp_path):
    found = findings(
        tmp_path,
        "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 20\nini = extra.ini\n" + GRACEFUL,
        {"extra.ini": "[uwsgi]\n\nspooler = tasks\n"},
    )
    expected = "warning: 'spooler' keeps tasks on the dyno's disk (extra.ini, line 3)."
    assert titles(found) == [expected]


def test_other_sections_are_ignored(tmp_path):
    found = findings(
        tmp_path,
        "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 9\n" + GRACEFUL + "[local]\nspooler = x\n",
    )
    assert found == []


@pytest.mark.parametrize(
    ("text", "message", "body_part"),
    [
        (
            "http-socket = :$(PORT)\n",
            r"has no \[uwsgi\] section",
            "a line reading exactly:\n    [uwsgi]",
        ),
        (
            "[uwsgi\nmaster = true\n",
            "does not parse",
            "uwsgi.ini, line 1: a section header must end with ']':\n    [uwsgi\n",
        ),
        (
            "[uwsgi]\nmaster true\n",
            "does not parse",
            "uwsgi.ini, line 2: expected 'option = value':\n    master true\n",
        ),
    ],
    ids=["no-section", "unclosed-header", "no-equals"],
)
def test_files_uwsgi_cannot_use_are_errors(tmp_path, text, message, body_part):
    (tmp_path / "uwsgi.ini").write_text(text)
    with pytest.raises(errors.BuildError, match=message) as caught:
        parse(tmp_path / "uwsgi.ini", tmp_path)
    assert body_part in caught.value.body


@pytest.mark.parametrize(
    "line",
    ["logto = /dev/stdout", "logto2 = /dev/stderr", "logger = file:/proc/self/fd/1"],
)
def test_a_log_that_reopens_stdout_by_path_is_named_with_the_fix(tmp_path, line):
    key, _, value = (part.strip() for part in line.partition("="))
    path = value.removeprefix("file:")
    found = findings(tmp_path, "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 20\n" + GRACEFUL + line)
    warnings = [f for f in found if f.severity == "warning"]
    line_no = 4 + len(GRACEFUL.splitlines())
    assert titles(warnings) == [
        f"warning: '{key}' opens {path} again by its path (uwsgi.ini, line {line_no})."
    ]
    assert f'open("{path}"): Permission denied' in warnings[0].body
    assert "remove this line" in warnings[0].body


def test_a_log_file_on_the_dyno_is_named(tmp_path):
    found = findings(
        tmp_path,
        "[uwsgi]\nhttp-socket = :$(PORT)\nharakiri = 20\n" + GRACEFUL + "logto = /app/uwsgi.log\n"
        "logger = syslog\nreq-logger = file:requests.log\n",
    )
    first = 4 + len(GRACEFUL.splitlines())
    assert titles(found) == [
        f"warning: 'logto' writes the log to a file (uwsgi.ini, line {first}).",
        f"warning: 'req-logger' writes the log to a file (uwsgi.ini, line {first + 2}).",
    ]
    assert "heroku\nlogs` and log drains will not see what goes to /app/uwsgi.log" in found[0].body
