"""Every message of errors.CATALOGUE, made from sample facts.

test_failure_reasons makes a real build fail for some codes; this makes every
message, with each kind of fact it takes, so that a message no build of the
tests reaches still renders (and the helpers that build several messages keep
their words where they belong).
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from uwsgi_buildpack import errors

OPTION = SimpleNamespace(key="stats", value="/tmp/stats.sock", where="uwsgi.ini, line 3")
UV = SimpleNamespace(
    name="uv", label="uv", lock="uv.lock", lock_command="uv lock", rehash_command="uv lock"
)
PIP = SimpleNamespace(
    name="pip", label="pip", lock=None, lock_command="pip-compile", rehash_command="pip-compile"
)


class _Request(SimpleNamespace):
    def __str__(self) -> str:
        return "3.8"


TAIL = [f"output line {n}" for n in range(30)]

# A parameter's annotation: the samples of it that a message is made from.
SAMPLES: dict[str, list[object]] = {
    "str": ["<text>"],
    "int": [9],
    "bool": [True, False],
    "Sequence[str]": [TAIL, []],
    "_Option": [OPTION],
    "Sequence[_Option]": [[], [OPTION]],
    "_Manager": [UV, PIP],
    "_Request": [_Request(origin=".python-version", minor_version="3.8")],
    "Sequence[tuple[int, str, str]]": [[(1, "flask", "is not pinned")]],
    "Sequence[tuple[int, str]]": [[(1, "3.12"), (2, "3.13")]],
    "tuple[int, str] | None": [(1, "3.x"), None],
    "Sequence[tuple[_Manager, Sequence[str]]]": [[(UV, ["uv.lock"]), (PIP, ["requirements.txt"])]],
    "Sequence[tuple[str, str]]": [[("uvloop", "uvicorn[standard]==0.32.0")], []],
    "Sequence[str] | None": [["uvloop"], [], None],
}


# Messages whose text is made from values of a form (a date, a non-empty list
# of versions): their arguments, as the build gives them.
ARGUMENTS: dict[str, list[tuple]] = {
    "python-version::cached-unsupported": [("3.9", ["3.10", "3.11", "3.12", "3.13", "3.14"])],
    "python-version::deprecated": [
        ("3.10", "2026-10", "2027-01-06", False, ".python-version"),
        ("3.10", "2026-10", None, True, "the cached Python"),
    ],
    "requires-python::mismatch": [
        (SAMPLES["_Request"][0], "3.13.0", ">=3.12,<3.13", "3.12"),
        (SAMPLES["_Request"][0], "3.13.0", ">=3.12,<3.13", None),
    ],
    "requires-python::unsatisfiable": [(">=3.15", ["3.10", "3.11", "3.12", "3.13", "3.14"])],
}


def _made(make: Callable[..., errors.BuildError | errors.Message]) -> Iterator[tuple]:
    if make.__name__ in _BY_NAME:
        for args in ARGUMENTS[_BY_NAME[make.__name__]]:
            yield args, make(*args)
        return
    parameters = inspect.signature(inspect.unwrap(make)).parameters.values()
    for args in itertools.product(*(SAMPLES[p.annotation] for p in parameters)):
        yield args, make(*args)


_BY_NAME = {errors.CATALOGUE[code].__name__: code for code in ARGUMENTS}


@pytest.mark.parametrize("code", sorted(errors.CATALOGUE))
def test_every_message_renders_with_its_code_and_facts(code):
    make = errors.CATALOGUE[code]
    for args, made in _made(make):
        assert isinstance(made, errors.BuildError | errors.Message)
        assert made.code == code
        assert list(made.facts.values()) == list(args)
        assert made.title.strip() == made.title != ""
        assert made.body.strip("\n") == made.body != ""
        for text in (made.title, made.body):
            assert "{" not in text and "}" not in text, text
            assert all(line == line.rstrip() for line in text.splitlines()), text


def test_an_option_finding_names_the_line_then_says_why():
    spooler = errors.ini_spooler(OPTION)
    assert spooler.title == "'stats' keeps tasks on the dyno's disk (uwsgi.ini, line 3)."
    assert spooler.body.startswith(
        "uwsgi.ini, line 3: stats = /tmp/stats.sock\n\nA dyno's filesystem is discarded"
    )
    for finding in (errors.ini_stats_public(OPTION), errors.ini_stats_unix_socket(OPTION)):
        assert finding.body.endswith(":\n    stats = 127.0.0.1:1717")
    processes = errors.ini_too_many_processes(OPTION, 9, 60, 512)
    assert processes.title == "9 processes may not fit in a dyno's memory (uwsgi.ini, line 3)."


@pytest.mark.parametrize(
    ("make", "lock", "command"),
    [
        (errors.uv_lock_outdated, "uv.lock", "uv lock"),
        (errors.poetry_lock_outdated, "poetry.lock", "poetry lock"),
    ],
)
def test_a_lock_outdated_message_quotes_the_tool_then_says_how_to_lock_again(make, lock, command):
    made = make(TAIL)
    assert made.title == f"{lock} is out of date with pyproject.toml."
    assert made.body.startswith(f"pyproject.toml changed after {lock} was made (")
    assert "    output line 19\n" not in made.body and "    output line 20\n" in made.body
    assert made.body.endswith(f"commit the lock:\n    {command}\n    git add {lock}")
