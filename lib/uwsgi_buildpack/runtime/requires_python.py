"""`requires-python` (pyproject.toml's `[project]` table): which Python versions a project allows.

The value is a PEP 440 version specifier set, such as `>=3.12,<3.13` or
`~=3.11`. The helper runs on the build image's own python3 with the standard
library only, which has no PEP 440 implementation (that is `packaging`, which
the build image lacks), so this module reads the part of PEP 440 that a
Python version range uses: the operators `==`, `!=`, `<=`, `>=`, `<`, `>`,
`~=` and `===`, `==X.Y.*` and `!=X.Y.*` wildcards, comma-joined, with
release numbers and an optional pre-release (`3.13.0rc1`). Epochs, post,
dev and local versions, which no Python release carries, are refused by
name rather than guessed at; so is anything that is not PEP 440 at all
(Poetry's `^3.12`, npm's `||`).

The versions tested against a range are always final CPython releases
(`3.12.1`, exactly as Heroku publishes them), which keeps the rules short:
release numbers compare padded with zeros (`==3.12` is `==3.12.0`), and a
pre-release in a specifier sorts before its final release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPERATORS = ("===", "~=", "==", "!=", "<=", ">=", "<", ">")
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_PRE = r"(a|b|c|rc|alpha|beta|pre|preview)"
_VERSION_RE = re.compile(rf"^v?({_RELEASE})(?:[-_.]?{_PRE}[-_.]?([0-9]*))?$")
_PRE_ORDER = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


class InvalidSpecifier(ValueError):
    """A `requires-python` that is not a PEP 440 specifier set this module reads."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


# A version as compared here: the release numbers, then the pre-release
# ((kind, number), or (3, 0) for a final release, which sorts after them).
_Key = tuple[tuple[int, ...], tuple[int, int]]


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _parse_version(text: str, clause: str) -> _Key:
    match = _VERSION_RE.match(text.lower())
    if not match:
        if re.search(r"(post|dev|\+|!)", text.lower()):
            raise InvalidSpecifier(
                f"'{clause}' uses an epoch, a post, dev or local version,"
                " which no Python release has"
            )
        raise InvalidSpecifier(f"'{clause}': '{text}' is not a version")
    pre = match.group(2)
    kind = (_PRE_ORDER[pre], int(match.group(3) or 0)) if pre else (3, 0)
    return _release(match.group(1)), kind


def _pad(release: tuple[int, ...], length: int) -> tuple[int, ...]:
    return release + (0,) * (length - len(release))


def _compare(a: _Key, b: _Key) -> int:
    length = max(len(a[0]), len(b[0]))
    left, right = (_pad(a[0], length), a[1]), (_pad(b[0], length), b[1])
    return (left > right) - (left < right)


@dataclass(frozen=True)
class _Clause:
    """One comma-separated part: `>=3.12`, `==3.12.*`."""

    operator: str
    version: str  # as written, without the wildcard
    wildcard: bool
    text: str

    def contains(self, candidate: str) -> bool:
        """Whether the final release `candidate` (`3.12.1`) satisfies this clause."""
        if self.operator == "===":
            return candidate == self.version
        got = (_release(candidate), (3, 0))
        if self.wildcard:
            prefix = _release(self.version)
            matches = _pad(got[0], len(prefix))[: len(prefix)] == prefix
            return matches if self.operator == "==" else not matches
        wanted = _parse_version(self.version, self.text)
        order = _compare(got, wanted)
        if self.operator == "~=":
            # ~=X.Y means >=X.Y, ==X.*; ~=X.Y.Z means >=X.Y.Z, ==X.Y.*
            prefix = wanted[0][:-1]
            return order >= 0 and _pad(got[0], len(prefix))[: len(prefix)] == prefix
        return {
            "==": order == 0,
            "!=": order != 0,
            "<=": order <= 0,
            ">=": order >= 0,
            "<": order < 0,
            ">": order > 0,
        }[self.operator]


def _parse_clause(text: str) -> _Clause:
    operator = next((op for op in _OPERATORS if text.startswith(op)), None)
    if operator is None:
        if text[:1] in "^~":
            raise InvalidSpecifier(
                f"'{text}' is Poetry's or npm's range syntax, not PEP 440 (write '>=' and '<')"
            )
        raise InvalidSpecifier(f"'{text}' does not start with a comparison (>=, <, ==, ~=, ...)")
    version = text[len(operator) :].strip()
    if not version:
        raise InvalidSpecifier(f"'{text}' has no version after '{operator}'")
    if operator == "===":
        return _Clause(operator, version, False, text)
    wildcard = version.endswith(".*")
    if wildcard:
        if operator not in ("==", "!="):
            raise InvalidSpecifier(f"'{text}': a '.*' wildcard is allowed only with == and !=")
        version = version[:-2]
        if not re.fullmatch(_RELEASE, version):
            raise InvalidSpecifier(f"'{text}': '{version}.*' is not a version prefix")
        return _Clause(operator, version, True, text)
    key = _parse_version(version, text)
    if operator == "~=" and len(key[0]) < 2:
        raise InvalidSpecifier(f"'{text}': '~=' needs at least two release numbers (~=3.12)")
    return _Clause(operator, version, False, text)


@dataclass(frozen=True)
class SpecifierSet:
    """A parsed `requires-python`: every clause must hold (`parse`)."""

    text: str  # as written in pyproject.toml
    clauses: tuple[_Clause, ...]

    def contains(self, version: str) -> bool:
        """Whether the final release `version` (`3.12.1`) is inside the range."""
        return all(clause.contains(version) for clause in self.clauses)

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> SpecifierSet:
    """Parse a `requires-python` value; raise InvalidSpecifier saying what is wrong."""
    parts = [part.strip() for part in text.split(",")]
    if not text.strip():
        raise InvalidSpecifier("it is empty")
    if any(not part for part in parts):
        raise InvalidSpecifier("it has an empty part between commas")
    if "||" in text or " or " in text:
        raise InvalidSpecifier("PEP 440 has no 'or' ('||'): a range is comma-joined limits")
    return SpecifierSet(text.strip(), tuple(_parse_clause(part) for part in parts))
