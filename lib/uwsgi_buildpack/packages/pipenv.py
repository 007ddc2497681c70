"""Pipenv's Pipfile.lock, turned into a hash-pinned requirements file.

Pipfile.lock is JSON: its `default` section holds every package the app
needs at run time, each with its exact version, environment markers and the
sha256 of every file the index offered for it (`develop` holds the
development-only packages, which a slug never gets). The standard library
reads it, so the build needs no Pipenv: the lock becomes a requirements file
of `name==version; markers --hash=...` lines, which pip-sync installs in
pip's hash-checking mode, the way a hash-pinned requirements.txt is
installed, keeping the buildpack's own packages.

A lock made before its Pipfile last changed would install something else
than the Pipfile says. Pipenv records a sha256 of the Pipfile's contents in
`_meta.hash.sha256`, and `pipenv install --deploy` (what Heroku's own
buildpack runs) refuses a lock whose hash differs. The same hash is computed
here, as Pipenv computes it (`Pipfile.calculate_hash` in its
`utils/pipfile.py`, after plette's `Pipfile.get_hash`): the JSON of
`{"_meta": {"sources", "requires"}, "default": packages, "develop":
dev-packages, <custom categories>}` with sorted keys and no spaces. Pipenv
2024 and later put package names in their PEP 503 form first; earlier
versions did not. A lock matching either is current.

A Pipfile without `[[source]]` is hashed by Pipenv with the sources it
makes up for it: PyPI, or the `index-url` of the locking machine's pip
configuration, plus every `extra-index-url` there. Pipfile.lock records only
the first of them (`_meta.sources`), so the hash can be recomputed here only
when the locking machine's pip named no other index, which is the usual case
(no pip configuration at all): a match then proves the lock current, and a
mismatch is left unjudged (it may be that configuration, not a stale lock).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from .. import app_files, errors
from . import toml

# Pipfile sections that are not package categories (Pipenv's own list).
_NOT_CATEGORIES = frozenset(
    ("source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv")
)


def load(path: Path) -> dict[str, Any]:
    """Pipfile.lock's JSON; BuildError when it does not parse."""
    try:
        data = json.loads(app_files.read_text(path) or "")
    except UnicodeDecodeError as exc:
        raise errors.pipfile_lock_invalid(0, str(exc)) from None
    except json.JSONDecodeError as exc:
        raise errors.pipfile_lock_invalid(exc.lineno, exc.msg) from None
    if not isinstance(data, dict) or not isinstance(data.get("default", {}), dict):
        raise errors.pipfile_lock_invalid(0, "it is not a JSON object with a 'default' section")
    return data


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pipfile_hashes(pipfile: dict[str, Any]) -> set[str]:
    """The sha256 values Pipenv (old and new) would record for this parsed Pipfile."""
    found = set()
    for rename in (lambda name: name, _canonical):

        def section(values: object, rename: Any = rename) -> object:
            if not isinstance(values, dict):
                return values
            return {rename(name): value for name, value in values.items()}

        data: dict[str, Any] = {
            "_meta": {
                "sources": pipfile.get("source", {}),
                "requires": pipfile.get("requires", {}),
            },
            "default": section(pipfile.get("packages", {})),
            "develop": section(pipfile.get("dev-packages", {})),
        }
        for category, values in pipfile.items():
            if category not in _NOT_CATEGORIES and category not in ("default", "develop"):
                data[category] = section(values)
        content = json.dumps(data, sort_keys=True, separators=(",", ":"))
        found.add(hashlib.sha256(content.encode("utf-8")).hexdigest())
    return found


def check_current(path: Path, lock: dict[str, Any]) -> bool:
    """Refuse a lock older than its Pipfile; False when that cannot be checked here.

    Not checked: an app without a Pipfile (the lock alone is installed, as
    Pipenv's `install --ignore-pipfile` does); a Pipfile this module cannot
    read without tomllib (Python 3.10, and TOML beyond what `toml_subset`
    reads); a Pipfile without `[[source]]` whose lock was made where pip's
    configuration named indexes of its own (see `_sources`). `path` is the
    Pipfile's.
    """
    if not path.is_file():
        return False
    pipfile = _read_pipfile(path)
    if pipfile is None:
        return False
    recorded = lock.get("_meta", {}).get("hash", {}).get("sha256", "")
    if "source" in pipfile:
        if recorded not in pipfile_hashes(pipfile):
            raise errors.pipfile_lock_outdated(recorded[:12] or "none")
        return True
    # Without [[source]], the hash depends on the locking machine's pip
    # configuration (see the module's docstring): a match proves the lock
    # current, a mismatch proves nothing.
    sources = lock.get("_meta", {}).get("sources")
    return bool(sources) and recorded in pipfile_hashes({**pipfile, "source": sources})


def _read_pipfile(path: Path) -> dict[str, Any] | None:
    """The Pipfile's TOML; None when this Python cannot read it (3.10, unusual TOML)."""
    try:
        return toml.load(path)
    except toml.Unreadable as exc:
        # On Python 3.10, TOML the small reader does not know (or no TOML
        # at all, which it cannot tell apart): the check is left out rather
        # than guessed.
        if not exc.supported:
            return None
        raise errors.pipfile_invalid(exc.problem) from None


def export(lock: dict[str, Any], dest: Path) -> list[str]:
    """Write the `default` packages as hash-pinned requirements; return their names.

    Packages locked from a VCS, a path or a URL carry no hashes pip could
    check: refused, with the names, rather than installed unchecked.
    """
    lines, names, unsupported = [], [], []
    for name, entry in sorted(lock.get("default", {}).items()):
        if not isinstance(entry, dict):
            unsupported.append(name)
            continue
        version, hashes = entry.get("version", ""), entry.get("hashes") or []
        if not str(version).startswith("==") or not hashes:
            unsupported.append(name)
            continue
        extras = entry.get("extras") or []
        requirement = f"{name}[{','.join(extras)}]" if extras else name
        markers = entry.get("markers")
        line = f"{requirement}{version}" + (f" ; {markers}" if markers else "")
        lines.append(line + "".join(f" \\\n    --hash={h}" for h in hashes) + "\n")
        names.append(name)
    if unsupported:
        raise errors.pipfile_lock_unhashed(unsupported)
    dest.write_text("".join(lines), encoding="utf-8")
    return names
