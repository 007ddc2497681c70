"""A reader of the part of TOML that Pipfiles use, for Pythons without tomllib (3.10).

The helper runs on the build image's own python3 with the standard library
only, and Python 3.10 has no TOML parser. Checking that a Pipfile.lock is
current needs the Pipfile's values exactly as a TOML parser gives them
(Pipenv hashes their JSON), and deciding how a pyproject.toml's project is
installed needs its tables. Both are plain: tables, arrays of tables
(`[[source]]`), strings (multi-line ones too: a pyproject's description),
booleans, numbers, arrays and inline tables (`requests = {version = "*",
extras = ["socks"]}`). This module reads exactly that and raises
`Unsupported` for anything else (dates, special floats, redefined tables);
the caller (lib/uwsgi_buildpack/packages/toml.py, the one TOML policy) then says so
rather than guess. On Python 3.11 and later tomllib is used instead, and the
tests compare the two on the same documents.
"""

from __future__ import annotations

import re
from typing import Any

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER_RE = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9]+)?")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class Unsupported(ValueError):
    """The document uses TOML this reader does not handle, or is not TOML."""


def loads(text: str) -> dict[str, Any]:
    """The document's tables and values, as tomllib.loads would return them."""
    return _Parser(text).document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.root: dict[str, Any] = {}
        self.defined: set[tuple[str, ...]] = set()

    def fail(self, what: str) -> Unsupported:
        line = self.text.count("\n", 0, self.pos) + 1
        return Unsupported(f"line {line}: {what}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_space(self, *, newlines: bool = False) -> None:
        """Skip blanks (and comments, and newlines when asked)."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def end_of_line(self) -> None:
        self.skip_space()
        if self.pos < len(self.text) and self.peek() not in "\r\n":
            raise self.fail("expected the end of the line")

    def document(self) -> dict[str, Any]:
        table = self.root
        while True:
            self.skip_space(newlines=True)
            if self.pos >= len(self.text):
                return self.root
            if self.peek(2) == "[[":
                self.pos += 2
                path = self.key()
                if self.peek(2) != "]]":
                    raise self.fail("expected ]]")
                self.pos += 2
                parent = self.walk(path[:-1])
                items = parent.setdefault(path[-1], [])
                if not isinstance(items, list):
                    raise self.fail("a key defined twice")
                table = {}
                items.append(table)
            elif self.peek() == "[":
                self.pos += 1
                path = self.key()
                if self.peek() != "]":
                    raise self.fail("expected ]")
                self.pos += 1
                if path in self.defined:
                    raise self.fail("a table defined twice")
                self.defined.add(path)
                table = self.walk(path)
            else:
                self.key_value(table)
            self.end_of_line()

    def walk(self, path: tuple[str, ...]) -> dict[str, Any]:
        """The table at `path`, made on the way; into an array's last table, as TOML does."""
        table = self.root
        for part in path:
            found = table.setdefault(part, {})
            if isinstance(found, list) and found and isinstance(found[-1], dict):
                found = found[-1]
            if not isinstance(found, dict):
                raise self.fail("a key defined twice")
            table = found
        return table

    def assign(self, table: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
        for part in path[:-1]:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise self.fail("a key defined twice")
        if path[-1] in table:
            raise self.fail("a key defined twice")
        table[path[-1]] = value

    def key_value(self, table: dict[str, Any]) -> None:
        """`key = value`, into `table`."""
        path = self.key()
        if self.peek() != "=":
            raise self.fail("expected =")
        self.pos += 1
        self.skip_space()
        self.assign(table, path, self.value())

    def key(self) -> tuple[str, ...]:
        """A bare, quoted or dotted key."""
        parts = []
        while True:
            self.skip_space()
            char = self.peek()
            if char == '"':
                parts.append(self.basic_string())
            elif char == "'":
                parts.append(self.literal_string())
            else:
                match = _BARE_KEY_RE.match(self.text, self.pos)
                if not match:
                    raise self.fail("expected a key")
                parts.append(match.group())
                self.pos = match.end()
            self.skip_space()
            if self.peek() != ".":
                return tuple(parts)
            self.pos += 1

    def value(self) -> Any:
        char = self.peek()
        if self.peek(3) == '"""':
            return self.multiline_string('"', escapes=True)
        if self.peek(3) == "'''":
            return self.multiline_string("'", escapes=False)
        if char == '"':
            return self.basic_string()
        if char == "'":
            return self.literal_string()
        if char == "[":
            return self.array()
        if char == "{":
            return self.inline_table()
        for word, meaning in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return meaning
        match = _NUMBER_RE.match(self.text, self.pos)
        if match:
            end = match.end()
            if end < len(self.text) and self.text[end] not in " \t\r\n,]}#":
                raise self.fail("dates and special numbers are not read here")
            self.pos = end
            number = match.group().replace("_", "")
            return float(number) if any(c in number for c in ".eE") else int(number)
        raise self.fail("a value this reader does not know")

    def basic_string(self) -> str:
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text) or self.peek() in "\r\n":
                raise self.fail("an unterminated string")
            char = self.text[self.pos]
            self.pos += 1
            if char < " " and char != "\t" or char == "\x7f":
                raise self.fail("a control character in a string")
            if char == '"':
                return "".join(out)
            if char != "\\":
                out.append(char)
                continue
            out.append(self.escape())

    def escape(self) -> str:
        """The character a backslash escape (its backslash read) stands for."""
        code = self.peek()
        self.pos += 1
        if code in _ESCAPES:
            return _ESCAPES[code]
        if code in "uU":
            size = 4 if code == "u" else 8
            digits = self.text[self.pos : self.pos + size]
            if len(digits) != size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise self.fail("a bad \\u escape")
            point = int(digits, 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                raise self.fail("an escape that is not a Unicode scalar value")
            self.pos += size
            return chr(point)
        raise self.fail("an escape this reader does not know")

    def multiline_string(self, quote: str, *, escapes: bool) -> str:
        """A `\"\"\"` (escapes) or `\'\'\'` (literal) string, as TOML 1.0 defines them."""
        self.pos += 3
        # A newline right after the opening delimiter is not part of the string.
        if self.peek(2) == "\r\n":
            self.pos += 2
        elif self.peek() == "\n":
            self.pos += 1
        out = []
        closing = quote * 3
        while True:
            if self.pos >= len(self.text):
                raise self.fail("an unterminated string")
            if self.text.startswith(closing, self.pos):
                # Up to two more quotes just before the delimiter are content.
                extra = 0
                while extra < 2 and self.text.startswith(quote, self.pos + 3 + extra):
                    extra += 1
                self.pos += 3 + extra
                return "".join(out) + quote * extra
            char = self.text[self.pos]
            self.pos += 1
            if char == "\r" and self.peek() == "\n":
                # tomllib gives a CRLF line ending as "\n".
                self.pos += 1
                out.append("\n")
            elif char == "\\" and escapes:
                rest = self.pos
                while rest < len(self.text) and self.text[rest] in " \t":
                    rest += 1
                if self.text.startswith(("\n", "\r\n"), rest):
                    # A line-ending backslash: the newline and the blanks after it go.
                    while rest < len(self.text) and self.text[rest] in " \t\r\n":
                        rest += 1
                    self.pos = rest
                else:
                    out.append(self.escape())
            elif char < " " and char not in "\t\n" or char == "\x7f":
                raise self.fail("a control character in a string")
            else:
                out.append(char)

    def literal_string(self) -> str:
        end = self.text.find("'", self.pos + 1)
        newline = self.text.find("\n", self.pos + 1)
        if end < 0 or 0 <= newline < end:
            raise self.fail("an unterminated string")
        value = self.text[self.pos + 1 : end]
        if any(c < " " and c != "\t" or c == "\x7f" for c in value):
            raise self.fail("a control character in a string")
        self.pos = end + 1
        return value

    def array(self) -> list[Any]:
        self.pos += 1
        items = []
        while True:
            self.skip_space(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return items
            items.append(self.value())
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "]":
                raise self.fail("expected , or ] in an array")

    def inline_table(self) -> dict[str, Any]:
        self.pos += 1
        table: dict[str, Any] = {}
        self.skip_space()
        if self.peek() == "}":
            self.pos += 1
            return table
        while True:
            self.key_value(table)
            self.skip_space()
            if self.peek() == "}":
                self.pos += 1
                return table
            if self.peek() != ",":
                raise self.fail("expected , or } in an inline table")
            self.pos += 1
