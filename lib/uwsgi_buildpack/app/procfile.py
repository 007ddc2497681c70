"""The app's web process: its Procfile's `web:` line, what that runs, and whether the dyno has it.

Heroku runs the Procfile's `web:` command with bash on the run image, after
`.profile.d` has put `.heroku/python/bin` first on PATH; without a `web:` line
(or without a Procfile) the web process is the one `bin/release` declares,
`uwsgi uwsgi.ini`. Read once, at build time, the line says three things the
build acts on:

- whether the web process runs uWSGI with the app's `uwsgi.ini` (the default
  one or the app's own). Only then is the default config, its static files
  and its entry point what serves the app; an ASGI app or no app at all is
  then a build failure (entrypoint.py);
- which programs it starts, so the build can refuse one the dyno will not
  have: `web: gunicorn mysite.wsgi` on an app whose requirements lack
  gunicorn crashes at boot with "command not found" (H10), and the official
  Python buildpack's users often have such a line;
- what to say in the log when uWSGI is not the web server.

The command is split as the shell would split it (shlex, with `&&`, `;`,
`|` separating commands); each command's program is its first word after
`VAR=value` assignments and the prefixes that run another program (`exec`,
`env`, `nice`, `nohup`, `time`, `command`, `ddtrace-run`,
`newrelic-admin run-program`). A program given by a `$VARIABLE`, a shell
builtin, or anything after a `cd` that is a path cannot be checked here and is
left alone.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from .. import app_files

PROCFILE = "Procfile"
DEFAULT_COMMAND = "uwsgi uwsgi.ini"

# A Procfile line: `name: command` (Heroku's process type names).
_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*?)\s*$")
# The directories of a dyno's PATH besides the app's own: the run image's.
STACK_DIRS = ("/usr/local/bin", "/usr/bin", "/bin")
# Programs of the build image that the run image lacks (no compiler, no
# system Python: ../shared/reference/heroku-environment.md, "Stack images").
_BUILD_IMAGE_ONLY = re.compile(
    r"^(python|pip)[0-9.]*$|^(gcc|g\+\+|cc|c\+\+|clang|make)(-[0-9.]+)?$"
)
# Shell builtins and keywords: no program to look for.
_BUILTINS = frozenset(
    {
        *("!", ".", ":", "[", "{", "}", "alias", "bg", "break", "builtin", "case", "cd"),
        *("command", "continue", "declare", "do", "done", "echo", "elif", "else", "esac"),
        *("eval", "exec", "exit", "export", "false", "fg", "fi", "for", "function", "getopts"),
        *("hash", "if", "in", "jobs", "kill", "let", "local", "printf", "pwd", "read"),
        *("readonly", "return", "select", "set", "shift", "shopt", "source", "test", "then"),
        *("time", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset"),
        *("until", "wait", "while"),
    }
)
# Words that separate one command from the next.
_SEPARATORS = frozenset({";", "&&", "||", "|", "|&", "&", "(", ")", ";;", "\n"})
_REDIRECTS = frozenset({">", ">>", "<", "<<", "<<<", ">&", "<&", "&>", "&>>", ">|", "<>"})
# Programs that run the program named after them (after their own options);
# the shell's own are builtins, the others programs that must be there too.
_RUNNERS = frozenset({"exec", "command", "time", "nohup", "env", "nice", "ddtrace-run"})
_SHELL_RUNNERS = frozenset({"exec", "command", "time"})
_OPTIONS_WITH_VALUES = frozenset({"-n", "-u", "-C", "-S", "--unset", "--chdir", "--adjustment"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Console scripts whose package has another name, for the message's fix.
PACKAGES = {
    "waitress-serve": "waitress",
    "newrelic-admin": "newrelic",
    "ddtrace-run": "ddtrace",
    "fastapi": "fastapi[standard]",
    "flask": "Flask",
}


@dataclass(frozen=True)
class Program:
    """A program the web process starts: a name looked up on PATH, or a path in the app.

    `is_path`: the Procfile names it with a slash (`bin/start`, `./run`).
    """

    name: str
    is_path: bool


@dataclass(frozen=True)
class WebProcess:
    """The web process the dyno runs, as decided from the Procfile at build time.

    `command` is the Procfile's `web:` command, None when the web process is
    the buildpack's default (`bin/release`'s `uwsgi uwsgi.ini`).
    """

    command: str | None
    runs_uwsgi: bool
    runs_uwsgi_ini: bool
    programs: tuple[Program, ...] = ()

    @property
    def shown(self) -> str:
        """The command as the log quotes it."""
        return self.command if self.command is not None else DEFAULT_COMMAND

    @property
    def program(self) -> str:
        """The first program it starts, for the log (`gunicorn`)."""
        return self.programs[0].name if self.programs else self.shown.split(" ", 1)[0]


DEFAULT = WebProcess(None, runs_uwsgi=True, runs_uwsgi_ini=True)


def lines(build_dir: Path) -> tuple[tuple[str, str], ...]:
    """(process type, command) of every line of the app's Procfile; none without one."""
    try:
        text = app_files.read_text(build_dir / PROCFILE, build_dir, errors_="replace")
    except OSError:
        return ()
    if text is None:
        return ()
    found = []
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match and match[2]:
            found.append((match[1], match[2]))
    return tuple(found)


def read(build_dir: Path) -> WebProcess:
    """The app's web process: its Procfile's `web:` line, else the buildpack's default."""
    for process, command in lines(build_dir):
        if process == "web":
            return parse(command)
    return DEFAULT


def parse(command: str) -> WebProcess:
    """What a web command runs: uWSGI with uwsgi.ini or not, and the programs it starts."""
    try:
        words = _words(command)
    except ValueError:
        # Unbalanced quotes: bash would refuse it too, but that is for the
        # dyno to say; the build does not guess which program it meant.
        return WebProcess(command, "uwsgi" in command, "uwsgi.ini" in command)
    uwsgi = any(os.path.basename(word) == "uwsgi" for word in words)
    ini = uwsgi and any(os.path.basename(word.rpartition("=")[2]) == "uwsgi.ini" for word in words)
    return WebProcess(command, uwsgi, ini, tuple(_programs(words)))


def _words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def _programs(words: list[str]) -> list[Program]:
    """The program of each command in `words`, as far as the words show it."""
    found: list[Program] = []
    at_start = True  # the next word may be a command's program
    after_runner = False  # ... after a runner, whose options come first
    skip = 0  # words to pass over (a redirection's target, an option's value)
    changed_dir = False
    for word in words:
        if skip:
            skip -= 1
            continue
        if word in _SEPARATORS:
            at_start, after_runner = True, False
            continue
        if word in _REDIRECTS:
            skip = 1
            continue
        if not at_start:
            continue
        if _ASSIGNMENT.match(word):
            continue
        if after_runner and word.startswith("-"):
            skip = 1 if word in _OPTIONS_WITH_VALUES else 0
            continue
        after_runner = False
        if word == "run-program" and found and found[-1].name == "newrelic-admin":
            after_runner = True
            continue
        if word in _RUNNERS:
            after_runner = True
            if word in _SHELL_RUNNERS:
                continue
        elif word in _BUILTINS or "$" in word or "`" in word:
            # A builtin, or a program only the dyno's environment names.
            changed_dir = changed_dir or word == "cd"
            at_start = False
            continue
        is_path = "/" in word
        # A relative path after a `cd` is relative to a directory the build
        # does not follow.
        if not (is_path and changed_dir and not word.startswith("/")):
            program = Program(word, is_path)
            if program not in found:
                found.append(program)
        at_start = after_runner or word == "newrelic-admin"
    return found


def missing(web: WebProcess, build_dir: Path, search_path: str) -> Program | None:
    """The first program of the web process the dyno will not have, if any.

    A name is there when it is in the app's Python (`.heroku/python/bin`, put
    first on PATH by .profile.d), in a directory of `search_path` inside the
    build dir (an earlier buildpack's, such as `.heroku/node/bin`), or in the
    run image's own directories (STACK_DIRS) and not one of the build image's
    alone. A path is there when it is a file of the app (`/app/...` is the
    build dir on the dyno).
    """
    own_dirs = [build_dir / ".heroku" / "python" / "bin"]
    own_dirs += [
        Path(entry)
        for entry in search_path.split(os.pathsep)
        if entry and Path(entry).is_relative_to(build_dir)
    ]
    for program in web.programs:
        if program.is_path:
            name = program.name
            if name.startswith("/app/"):
                path = build_dir / name[len("/app/") :]
            elif name.startswith("/"):
                path = Path(name)
            else:
                path = build_dir / name
            if not path.is_file():
                return program
            continue
        if any(_executable(directory / program.name) for directory in own_dirs):
            continue
        if not _BUILD_IMAGE_ONLY.match(program.name) and any(
            _executable(Path(directory) / program.name) for directory in STACK_DIRS
        ):
            continue
        return program
    return None


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def package_of(program: str) -> str:
    """The package to require for a console script (`waitress-serve` -> waitress)."""
    return PACKAGES.get(program, program)
