"""The shared machinery of every message: BuildError, Message, the codes.

A function of the other modules of this package turns facts into a message,
and `_coded` gives that message its stable code and the facts it was made
from, and registers the function in CATALOGUE (tests walk it). `internal` is
here too: it is BuildError's own default code, the message for a bug in the
buildpack rather than in the app.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

# The Python a message gives as its example (`.python-version` containing it).
EXAMPLE_MINOR = "3.14"


class BuildError(Exception):
    """A failure to report as an error block, then exit 1.

    `code` is the stable failure code, `facts` what the message was made from.
    """

    def __init__(
        self, title: str, body: str, code: str = "internal", facts: dict[str, object] | None = None
    ) -> None:
        super().__init__(title)
        self.title = title
        self.body = body
        self.code = code
        self.facts = facts or {}


@dataclass(frozen=True)
class Message:
    """A warning or a uwsgi.ini finding's text: the build goes on."""

    title: str
    body: str
    code: str = ""
    facts: dict[str, object] = field(default_factory=dict, compare=False)


_Made = TypeVar("_Made", BuildError, Message)

# Every code, with the function that makes its message (tests walk it).
CATALOGUE: dict[str, Callable[..., BuildError | Message]] = {}


def _coded(code: str) -> Callable[[Callable[..., _Made]], Callable[..., _Made]]:
    """Give every message a function makes the stable `code`, and its facts."""

    def register(make: Callable[..., _Made]) -> Callable[..., _Made]:
        names = make.__code__.co_varnames[: make.__code__.co_argcount]

        def coded(*args: object, **kwargs: object) -> _Made:
            made = make(*args, **kwargs)
            facts = {**dict(zip(names, args, strict=False)), **kwargs}
            if isinstance(made, BuildError):
                made.code, made.facts = code, facts
                return made
            return Message(made.title, made.body, code, facts)  # type: ignore[return-value]

        functools.update_wrapper(coded, make)  # its name, docstring and module
        CATALOGUE[code] = coded
        return coded

    return register


def _quote(lines: Iterable[str]) -> str:
    return "\n".join(f"    {line}" for line in lines)


def _visible(text: str) -> str:
    """Show invisible and control characters so the user can see what is wrong."""
    return "".join(
        ch if ch.isprintable() or ch == " " else "\N{REPLACEMENT CHARACTER}" for ch in text
    )


@_coded("internal")
def internal(message: str) -> BuildError:
    """A bug in the buildpack rather than in the app."""
    return BuildError(
        "The buildpack hit an internal error.",
        f"""\
{message}

This is a bug in the buildpack, not in your app. Please report it with
this build log.""",
    )
