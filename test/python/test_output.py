"""The build log (output.py), commands.run and stopping what it started when a build fails."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest
from uwsgi_buildpack import commands, errors, output
from uwsgi_buildpack.app import ini_check as uwsgi_ini_check

# --- output: messages printed from the message itself -------------------------

# The fallback app's warning as the build log has always shown it.
FALLBACK_WARNING_BLOCK = """
 !     Warning: No WSGI app found; serving werkzeug's test app.
 !
 !     The app has no uwsgi.ini, no UWSGI_MODULE config var, and no Python file that
 !     defines a WSGI app, so the dyno will serve werkzeug.testapp:test_app, a demo
 !     page (uWSGI's guide's example), instead of your app.
 !
 !     To serve your app, do one of:
 !       - set the entry point (module:callable):
 !             heroku config:set UWSGI_MODULE=myapp.wsgi:application
 !       - add a wsgi.py that defines `application`, or
 !       - commit a uwsgi.ini with a `module = ...` line.

"""

# The harakiri tip as the build log has always shown it (detail lines).
HARAKIRI_TIP_LINES = """\
       Tip: set a harakiri timeout. Heroku's router answers H12 after 30 s, but a
       stuck worker keeps working on the request until harakiri kills it. What
       value suits the slowest legitimate request is app-dependent, so there is no
       default; below the router's 30 s, for example:
           heroku config:set UWSGI_HARAKIRI=25
"""


def test_a_warning_prints_the_same_block_as_ever(capsys):
    output.warning(errors.fallback_app_warning())
    assert capsys.readouterr().out == FALLBACK_WARNING_BLOCK


def test_a_warning_is_printed_from_any_titled_message_alike(capsys):
    # A uwsgi.ini finding carries the same title, body and code as its Message.
    message = errors.lock_generated_notice(3)
    output.warning(message)
    printed = capsys.readouterr().out
    output.warning(uwsgi_ini_check.Finding("warning", message.title, message.body, message.code))
    assert capsys.readouterr().out == printed
    assert printed.startswith("\n !     Warning: requirements.in is not locked.\n !\n !     The ")
    assert all(line.startswith(" !") for line in printed.strip("\n").splitlines())


def test_the_harakiri_tip_is_a_coded_message_printed_as_before(capsys):
    tip = errors.harakiri_recommendation()
    assert tip.code == "default-ini::no-harakiri"
    assert errors.CATALOGUE[tip.code] is errors.harakiri_recommendation
    output.tip(tip)
    assert capsys.readouterr().out == HARAKIRI_TIP_LINES


def test_output_imports_no_module_of_the_buildpack():
    # Messages reach it as objects with a title, body and code, never by importing errors.
    tree = ast.parse(Path(output.__file__).read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert all(n.level == 0 and "uwsgi_buildpack" not in (n.module or "") for n in imports)


# --- commands.run -------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def test_a_failed_build_stops_the_commands_children_too(tmp_path: Path) -> None:
    # Like `pip wheel`, whose build backend and compilers are its children and
    # grandchildren: killing only the command would leave them running.
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 300 & echo $! > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; wait"
    failures: list[commands.CommandFailed] = []

    def build() -> None:
        try:
            commands.run(["sh", "-c", script], echo=False)
        except commands.CommandFailed as exc:
            failures.append(exc)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not pid_file.exists():
        assert time.monotonic() < deadline, "the command never started its child"
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    assert _alive(grandchild)

    commands.stop_running_commands()

    thread.join(10)
    assert not thread.is_alive(), "run() still waits: a child still holds its output"
    assert failures and failures[0].returncode != 0
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_no_command_starts_once_the_build_is_stopping():
    commands.stop_running_commands()
    with pytest.raises(commands.CommandFailed) as caught:
        commands.run(["true"], echo=False)
    assert caught.value.tail == ["(not started: the build is stopping)"]


def test_a_stop_waits_for_the_background_compile_to_clean_up(tmp_path):
    """The background thread may be unpacking files between two commands: the
    stop lets it finish and remove them before the build's TMPDIR goes."""
    from uwsgi_buildpack.uwsgi import compile as uwsgi_build

    started = threading.Event()

    def compile_() -> uwsgi_build.Compiled:
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        started.set()
        try:
            while not commands.stopping():
                time.sleep(0.05)
            time.sleep(0.5)  # the rest of an unpack
            commands.run(["true"], echo=False)  # refused: the build is stopping
        finally:
            scratch.rmdir()
        raise AssertionError("not reached")

    compiling = uwsgi_build.BackgroundCompile(compile_)
    assert started.wait(5)
    commands.stop_running_commands()
    assert not (tmp_path / "scratch").exists()
    assert isinstance(compiling.error_within(0), commands.CommandFailed)
