"""Build metadata for `bin/report`, which Heroku runs after every build.

Heroku's buildpack API lets a buildpack print YAML metadata about the build it
just did (successful or not); Heroku collects it for the build's record. We
note what the build decided as it goes (Python version and where it came from,
uWSGI version, which cache entries were reused and why, how long each step
took, the codes of the warnings it printed) into a small JSON file in the
cache dir, and `bin/report` prints it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from .cache import ROOT_NAME

FILE_NAME = "build-report.json"


class _Coded(Protocol):
    """What the report needs of a warning (errors.Message, a uwsgi.ini finding)."""

    @property
    def code(self) -> str: ...


class BuildReport:
    """What one build did, saved for `bin/report`."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / ROOT_NAME / FILE_NAME
        self.data: dict[str, object] = {"outcome": "success"}
        self.timings: dict[str, float] = {}
        self.caches: dict[str, str] = {}
        self.warnings: list[str] = []
        self.startup_seconds = 0.0

    def startup(self, started_at: str) -> None:
        """Record the time from bin/compile's start to now (interpreter start, imports).

        `started_at` is the epoch time bin/utils noted (empty if unknown).
        """
        try:
            seconds = max(0.0, time.time() - float(started_at.replace(",", ".")))
        except ValueError:
            return
        self.startup_seconds = round(seconds, 3)
        self.timings["startup"] = self.startup_seconds

    def set(self, key: str, value: object) -> None:
        """Record one fact."""
        self.data[key] = value

    def warned(self, message: _Coded) -> None:
        """Record a warning the build printed (output.warning) by its stable code.

        `warnings` lists each code once, in the order first printed, as
        `failure_reason` gives a failure's, so that warnings can be counted too.
        """
        if message.code not in self.warnings:
            self.warnings.append(message.code)

    def cache(self, name: str, outcome: str, reason: str) -> None:
        """Record what happened to a cache entry and why."""
        self.caches[name] = f"{outcome} ({reason})" if reason else outcome

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Time a build step."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[step] = round(time.monotonic() - started, 3)

    def timings_text(self) -> str:
        """`python 0.12s, uwsgi 0.01s, ...` for the build log."""
        return ", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.timings.items())

    def failed(self, exc: BaseException) -> None:
        """Record a failed build: the error's title and stable code, never a traceback.

        `failure_reason` is the code (errors/) a BuildError carries, as
        Heroku's own Python buildpack records one for every failure, so that
        failures can be counted; `interrupted` and `internal` otherwise.
        """
        self.data["outcome"] = "failure"
        self.data["failure"] = getattr(exc, "title", type(exc).__name__)
        code = getattr(exc, "code", None)
        if not isinstance(code, str):
            code = "interrupted" if isinstance(exc, KeyboardInterrupt) else "internal"
        self.data["failure_reason"] = code

    def save(self) -> None:
        """Write the report; a failure to write it never fails the build."""
        data = {
            **self.data,
            "warnings": self.warnings,
            "cache": self.caches,
            "step_seconds": self.timings,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}")
            tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass


def to_yaml(cache_dir: Path) -> str:
    """The saved report as YAML (flat keys, nested maps and lists one level deep)."""
    try:
        data = json.loads((cache_dir / ROOT_NAME / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "---\n{}\n"
    lines = ["---"]
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{key}:" + ("" if value else " {}"))
            lines += [f"  {k}: {_scalar(v)}" for k, v in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key}:" + ("" if value else " []"))
            lines += [f"  - {_scalar(item)}" for item in value]
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a valid YAML double-quoted scalar
