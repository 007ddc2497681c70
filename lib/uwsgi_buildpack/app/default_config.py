"""The default `uwsgi.ini` and `Procfile`, for apps that bring none.

The generated ini is the seed recipe (uWSGI's "Running python webapps on Heroku
with uWSGI") with nothing for the user to fill in: bound to `$PORT`, a master
process, SIGTERM meaning "shut down", memory reporting, and a process count
taken from `WEB_CONCURRENCY` at boot.

Two things are read from the environment *at boot*, not baked in at build time:
`WEB_CONCURRENCY` and `UWSGI_MODULE`. On Heroku, changing a config var restarts
the dynos without a rebuild, so a value frozen into the slug would silently
stop following the config var. uWSGI's own `if-env` logic does the lookup.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .entrypoint import EntryPoint
from .static_files import StaticMapping

PROCFILE_WEB = "uwsgi uwsgi.ini"

# The default ini's WSGI wrapper (dyno/wsgi.py), copied into the slug here.
WRAPPER_DIR = ".heroku/uwsgi-buildpack"
WRAPPER_MODULE = "uwsgi_buildpack_wsgi"
# Chunked request bodies above this are refused (CHUNKED_BODY_LIMIT_MB). The
# .profile.d script (dyno/profile.sh) has the same default; a test checks.
DEFAULT_BODY_LIMIT_MB = 100

# What the default ini needs on the dyno: its template and the WSGI wrapper,
# files of their own, read when a build writes them (found next to the
# helper's modules, whether those come from the bytecode cache or not).
_DYNO = Path(__file__).parents[1] / "dyno"
_TEMPLATE = _DYNO / "uwsgi.ini.template"
_WRAPPER = _DYNO / "wsgi.py"
# The template's placeholders (see its header): `@{name}` as a line of its own
# stands for whole lines, anywhere else for text within a line.
# A control character (a second line) or uWSGI's $(VAR), %(option), @(file).
_EXPANDED = re.compile(r"[\x00-\x1f\x7f]|[$%@]\(")
_PLACEHOLDER = re.compile(r"^@\{(?P<lines>\w+)\}\n|@\{(?P<text>\w+)\}", re.MULTILINE)


def render_default_ini(entry: EntryPoint, statics: list[StaticMapping]) -> str:
    """The text of the default uwsgi.ini for this entry point and static mappings."""
    static = [
        line
        for mapping in statics
        for line in (
            f"# {_comment(mapping.reason)}",
            f"static-map = {mapping.url}=%d{mapping.directory}",
        )
    ]
    offload = (
        ["offload-threads = 1"]
        if statics
        else ["if-env = UWSGI_STATIC_MAP", "offload-threads = 1", "endif ="]
    )
    app_env = [
        line
        for name, value in sorted(entry.env.items())
        for line in (
            "# Found in the app's source; a config var of the same name wins.",
            f"if-not-env = {name}",
            f"env = {name}={value}",
            "endif =",
        )
    ]
    # What the build found in the app's source is written into options: it
    # must be one line that uWSGI does not expand (config vars were checked
    # where they were read; this keeps any other value from becoming an ini
    # line of its own or an @(exec://...)).
    for value in (entry.module, *entry.env.values(), *(m.url for m in statics)):
        if _EXPANDED.search(value):
            raise ValueError(f"not a value for the default uwsgi.ini: {value!r}")
    for mapping in statics:
        if _EXPANDED.search(mapping.directory):
            raise ValueError(f"not a value for the default uwsgi.ini: {mapping.directory!r}")
    return fill_template(
        _TEMPLATE.read_text(encoding="utf-8"),
        lines={"app_env": app_env, "offload": offload, "static": static},
        text={
            "module": entry.module,
            "reason": _comment(entry.reason[:1].upper() + entry.reason[1:]),
            "body_limit": str(DEFAULT_BODY_LIMIT_MB * 1024 * 1024),
            "wrapper_dir": WRAPPER_DIR,
        },
    )


def _comment(text: str) -> str:
    """`text` as the rest of a `#` comment line: control characters (a newline) shown as `?`."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def fill_template(template: str, lines: dict[str, list[str]], text: dict[str, str]) -> str:
    """`template` with its notes left out and its placeholders filled in.

    The syntax is the one dyno/uwsgi.ini.template describes: lines starting
    with ";;" are notes; a line that is nothing but `@{name}` is replaced by
    the lines `lines[name]` (none, one or more); `@{name}` anywhere else by
    `text[name]`. Each value is inserted as it is, once: a value that itself
    contains `@{` is not expanded again. A placeholder without a value, or a
    value without a placeholder, is a mistake in the caller: ValueError.
    """
    body = "".join(line for line in template.splitlines(keepends=True) if not line.startswith(";;"))
    used: set[str] = set()

    def value(match: re.Match[str]) -> str:
        if match["lines"] is not None:
            name = match["lines"]
            found = lines.get(name)
            filled = None if found is None else "".join(f"{line}\n" for line in found)
        else:
            name = match["text"]
            filled = text.get(name)
        if filled is None:
            raise ValueError(f"no value for the template's @{{{name}}}")
        used.add(name)
        return filled

    result = _PLACEHOLDER.sub(value, body)
    unused = (set(lines) | set(text)) - used
    if unused:
        raise ValueError(f"the template has no placeholder for {sorted(unused)}")
    return result


def write_default_ini(build_dir: Path, entry: EntryPoint, statics: list[StaticMapping]) -> Path:
    """Write `uwsgi.ini` into the app (the caller checked there is none)."""
    path = build_dir / "uwsgi.ini"
    wrapper_dir = build_dir / WRAPPER_DIR
    wrapper_dir.mkdir(parents=True, exist_ok=True)
    wrapper = _WRAPPER.read_text(encoding="utf-8")
    _write_private(wrapper_dir / f"{WRAPPER_MODULE}.py", wrapper)
    _write_private(path, render_default_ini(entry, statics))
    return path


def write_default_procfile(build_dir: Path) -> Path:
    """Write `Procfile` with the web process (the caller checked there is none)."""
    path = build_dir / "Procfile"
    _write_private(path, f"web: {PROCFILE_WEB}\n")
    return path


def release_yaml() -> str:
    """What `bin/release` prints: the same web process as the default Procfile."""
    return f"---\ndefault_process_types:\n  web: {PROCFILE_WEB}\n"


def _write_private(path: Path, text: str) -> None:
    """Write a generated file readable by all, writable by the owner only."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
