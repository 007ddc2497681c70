"""Running the build's commands: start, stream, track, stop.

Every command the build runs (pip, pip-tools, the uWSGI compile, the app's
hooks) goes through `run`: its stderr is folded into stdout and shown as
indented detail lines (see output.py for why stdout only), its last lines are
kept for the error message if it fails, and while it runs it is tracked, so
that a failing or interrupted build can stop it instead of leaving it to write
into the build cache after the build has exited.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import output

# Commands running right now (a background uWSGI compile may run beside a pip
# install), so that a failing build can stop them instead of leaving them to
# write into the build cache after it has exited.
_RUNNING: set[subprocess.Popen[bytes]] = set()
# Set once the build is stopping: no command starts after that. Taken with
# _START_LOCK, so that a command is either refused or seen by the stop.
_STOPPING = threading.Event()
_START_LOCK = threading.Lock()
# Threads working in the background (the uWSGI compile), waited for by a stop.
_BACKGROUND: list[threading.Thread] = []


# Whether commands started from the main thread yield the CPU to a background
# compile (see yield_to_background). A counter: compiles may overlap.
_YIELDING = 0
_YIELD_LOCK = threading.Lock()

# How much the main thread's commands yield: nice 5 gives a process about a
# third of the CPU share of a nice 0 one when both want it.
YIELD_NICENESS = 5


@contextlib.contextmanager
def yield_to_background():
    """While in this block, commands started from the main thread run at a lower priority.

    A cold build compiles uWSGI in a background thread while the main thread
    installs the app's packages. The compile is the longer of the two, so the
    build ends when it ends: every second of CPU pip takes from it is a
    second added to the build, while pip finishing a little later costs
    nothing (it waits for the compile anyway). `nice` says exactly that to
    the kernel's scheduler, and only when both want the CPU at once. The
    compile keeps the build's own priority (an unprivileged process can
    lower its priority, never raise it).
    """
    global _YIELDING
    with _YIELD_LOCK:
        _YIELDING += 1
    try:
        yield
    finally:
        with _YIELD_LOCK:
            _YIELDING -= 1


def _niced(argv: Sequence[str]) -> list[str]:
    if _YIELDING and threading.current_thread() is threading.main_thread():
        nice = shutil.which("nice")
        if nice:
            return [nice, "-n", str(YIELD_NICENESS), *argv]
    return list(argv)


def stop_running_commands() -> None:
    """Kill every command started by `run` that is still running, with its children.

    Killing `pip wheel` alone would leave the build backend it started, and the
    compilers that backend started, running on after the build has failed: they
    are reparented to init the moment their parent dies. So the whole tree is
    stopped first (no new children while we look), found again, then killed.
    The commands share the buildpack's process group on purpose: when Heroku
    interrupts a build, its signal must reach them as well.
    """
    with _START_LOCK:
        _STOPPING.set()
        roots = [proc.pid for proc in list(_RUNNING)]
    tree = _process_tree(roots)
    _signal_all(tree, signal.SIGSTOP)
    tree = _process_tree(roots)
    _signal_all(tree, signal.SIGKILL)
    # A background thread may be between commands, unpacking files into the
    # build's temporary directory: let it see the stop and clean up after
    # itself before that directory is removed.
    for thread in list(_BACKGROUND):
        thread.join(BACKGROUND_STOP_SECONDS)


BACKGROUND_STOP_SECONDS = 30


def stopping() -> bool:
    """Whether the build is stopping (stop_running_commands was called)."""
    return _STOPPING.is_set()


def reset() -> None:
    """Forget a stop and the background threads: a new build in the same process (tests)."""
    _STOPPING.clear()
    _BACKGROUND.clear()


def track_background(thread: threading.Thread) -> None:
    """A thread that starts commands in the background, for stop_running_commands to wait for."""
    _BACKGROUND.append(thread)


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)


def _process_tree(roots: list[int]) -> list[int]:
    """`roots` and all their descendants, from the parent pids in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = text[text.rfind(")") + 2 :].split()
        if len(fields) > 1 and fields[1].isdigit():
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    pending = list(roots)
    while pending:
        pid = pending.pop()
        if pid not in found:
            found.append(pid)
            pending.extend(children.get(pid, []))
    return found


class CommandFailed(Exception):
    """A command run by `run` exited non-zero. `tail` holds its last lines."""

    def __init__(self, argv: Sequence[str], returncode: int, tail: list[str]) -> None:
        super().__init__(f"{argv[0]} exited with status {returncode}")
        self.argv = list(argv)
        self.returncode = returncode
        self.tail = tail


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    echo: bool = True,
    log_path: str | None = None,
    filter_line: Callable[[str], bool] | None = None,
    tail_lines: int = 30,
) -> list[str]:
    """Run a command, streaming its combined output as indented detail lines.

    With `echo=False` the output is not shown (only kept for error messages and
    in `log_path`). Returns the last `tail_lines` lines; raises `CommandFailed`
    with them when the command fails, so the caller can show the user the part
    of the log that matters.
    """
    tail: deque[str] = deque(maxlen=tail_lines)
    log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
    proc: subprocess.Popen[bytes] | None = None
    try:
        with _START_LOCK:
            if _STOPPING.is_set():
                refused = "(not started: the build is stopping)"
                if log:
                    log.write(refused + "\n")  # a reader of the log learns why too
                raise CommandFailed(argv, -signal.SIGKILL, [refused])
            proc = subprocess.Popen(
                _niced(argv),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                cwd=cwd,
            )
            _RUNNING.add(proc)
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if log:
                log.write(line + "\n")
            tail.append(line)
            if echo and (filter_line is None or filter_line(line)):
                output.detail(line)
        returncode = proc.wait()
    finally:
        if log:
            log.close()
        if proc is not None:
            _RUNNING.discard(proc)
    if returncode != 0:
        raise CommandFailed(argv, returncode, list(tail))
    return list(tail)


def run_logged(
    argv: Sequence[str],
    classify: Callable[[str], Exception],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    echo: bool = False,
    filter_line: Callable[[str], bool] | None = None,
    tail_lines: int = 30,
) -> list[str]:
    """`run`, with the whole output kept in a temporary log for `classify` if it fails.

    What a failure means is often said far above the last lines (pip's hash
    block, Poetry's "lock is outdated", the compiler's first error), so the
    caller's `classify` gets the log's whole text and returns the error to
    raise (a BuildError, with the part of the log the user should see). The
    output is not shown unless `echo`; returns the last `tail_lines` lines.
    """
    with tempfile.NamedTemporaryFile(prefix="uwsgi-bp-command-", suffix=".log") as log:
        try:
            return run(
                argv,
                env=env,
                cwd=cwd,
                echo=echo,
                log_path=log.name,
                filter_line=filter_line,
                tail_lines=tail_lines,
            )
        except CommandFailed:
            text = Path(log.name).read_text(encoding="utf-8", errors="replace")
            raise classify(text) from None
