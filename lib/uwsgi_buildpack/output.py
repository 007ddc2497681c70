"""Build log output in Heroku's style.

Everything the buildpack prints goes to stdout. Heroku shows stdout and stderr
interleaved in the build log, but heroku-buildpack-testrunner's
`assertCapturedSuccess` and `assertCapturedError` insist that stderr stays empty,
and a user reading a log cannot tell the two apart anyway. So tools we run
(pip, the uWSGI compiler) have their stderr folded into stdout and indented like
any other detail line (commands.run does that).

Heroku's conventions, which the platform's own buildpacks follow:

    -----> A step
           detail, indented seven spaces
     !     An error or warning block, every line prefixed like this

A warning or a tip is given as the message itself (an errors.Message, a
uwsgi.ini finding), not as loose strings: what to print is decided once, where
the message is made, and its code goes with it (the caller records a warning's
code in the build report). This module imports no other module of the
buildpack, so it reads messages through the `Titled` protocol.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol

INDENT = " " * 7
ERROR_PREFIX = " !     "


class Titled(Protocol):
    """A message to print: errors.Message, a uwsgi.ini finding, or alike."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def code(self) -> str: ...


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def step(message: str) -> None:
    """Start a new build step: `-----> message`."""
    _write(f"-----> {message}\n")


def detail(message: str = "") -> None:
    """Print detail lines under the current step, indented seven spaces."""
    for line in message.splitlines() or [""]:
        _write(f"{INDENT}{line}".rstrip() + "\n")


def _block(title: str, body: str) -> None:
    _write("\n")
    lines = [title, "", *body.strip("\n").splitlines()]
    for line in lines:
        _write(f"{ERROR_PREFIX}{line}".rstrip() + "\n")
    _write("\n")


def warning(message: Titled) -> None:
    """Print a warning block (the build goes on).

    Printing records nothing: the caller notes `message` in the build report
    too (`BuildReport.warned`), so that `bin/report` lists its code.
    """
    _block(f"Warning: {message.title}", message.body)


def tip(message: Titled) -> None:
    """Print a tip as detail lines: `Tip: ` then its title, running on into its body."""
    detail(f"Tip: {message.title} {message.body}")


def error(title: str, body: str) -> None:
    """Print an error block (the caller then exits 1)."""
    _block(f"Error: {title}", body)


class Timer:
    """Measures a step so the log (and later `bin/report`) can quote durations."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the timer started."""
        return time.monotonic() - self.started

    def __str__(self) -> str:
        return f"{self.elapsed:.1f}s"
