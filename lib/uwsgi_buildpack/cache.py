"""Build cache entries that carry metadata and explain themselves.

CACHE_DIR survives between builds of an app, but Heroku may purge it at any
moment and a build may be killed at any moment (a new push, a timeout). So each
entry is a directory holding `data/` and `metadata.json`, replaced as a whole:
the new entry is written beside the old one, its metadata written last, and then
swapped in with renames. An entry without readable metadata is treated as absent.
A reader therefore sees the old entry, the new one, or none: never half of one.

Every reuse or discard is reported in one log line with the reason, e.g.
`uWSGI binary: rebuilding (Python 3.12.1 -> 3.12.7)`, in the spirit of
heroku/buildpacks-python's cache layers.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import TypeVar

# Bump when the layout of any entry changes: older entries are then discarded.
CACHE_FORMAT = "1"

ROOT_NAME = "uwsgi-buildpack"

# How the log names each metadata field, for every entry (one table).
LABELS = {
    "format": "buildpack cache format",
    "stack": "stack",
    "arch": "architecture",
    "python": "Python",
    "python_minor": "Python",
    "uwsgi": "uWSGI",
    "uwsgi_sha256": "uWSGI source",
    "build_options": "build options",
    "plugins": "uWSGI plugins",
    "requirements": "requirements",
    "tools": "buildpack-installed packages",
    "pip_settings": "PIP_* settings",
    "buildpack": "buildpack version",
    "uwsgi_wheel_sha256": "uWSGI binary",
}


@dataclass(frozen=True)
class Metadata:
    """An entry's metadata as a typed record; each entry subclasses it.

    `changes` walks every field of the record, so a field added later takes
    part in invalidation without anyone having to remember to compare it
    (Heroku's Rust buildpack destructures its layer metadata for the same
    reason). Stored with `asdict`: the field names are the JSON keys.
    """

    def as_dict(self) -> dict[str, str]:
        """The fields as stored in metadata.json."""
        return {name: str(value) for name, value in asdict(self).items()}

    def changes(self, old: Metadata | None) -> list[str]:
        """Names of the fields whose value in `old` differs (in field order); all without one."""
        stored = old.as_dict() if old is not None else {}
        return [name for name, value in self.as_dict().items() if stored.get(name) != value]

    def __contains__(self, name: object) -> bool:
        return name in self.as_dict()

    @classmethod
    def from_stored(cls: type[_M], stored: Mapping[str, str]) -> _M | None:
        """The record read back from stored metadata, or None if a field of it is missing.

        Every field is stored as text (`as_dict`), so the record is typed with
        text fields; a field with a default may be missing (an entry written
        before the field was added). Other keys of the same metadata (another
        record's) are left alone: one entry may hold several records.
        """
        values = {}
        for field in fields(cls):  # type: ignore[arg-type]
            if field.name in stored:
                values[field.name] = stored[field.name]
            elif field.default is MISSING:
                return None
        return cls(**values)


_M = TypeVar("_M", bound=Metadata)


class CacheEntry:
    """One named, self-describing entry under `CACHE_DIR/uwsgi-buildpack/`."""

    def __init__(self, cache_dir: Path, name: str) -> None:
        self.name = name
        self.base = cache_dir / ROOT_NAME
        self.root = self.base / name
        self.data = self.root / "data"
        self.metadata_path = self.root / "metadata.json"

    def read(self, record: type[_M]) -> _M | None:
        """The stored metadata as the typed `record` it was written as.

        None if the entry is absent or incomplete, of another cache format,
        or lacks a field of the record (written by an older buildpack).
        """
        stored = self.metadata()
        if stored is None or stored.get("format") != CACHE_FORMAT:
            return None
        return record.from_stored(stored)

    def metadata(self) -> dict[str, str] | None:
        """The stored metadata as text, or None if the entry is absent or incomplete."""
        try:
            loaded = json.loads(self.metadata_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(loaded, dict) or not self.data.exists():
            return None
        return {str(k): str(v) for k, v in loaded.items()}

    def check(self, key: Metadata | Mapping[str, str]) -> tuple[bool, str]:
        """Whether the stored entry matches every field of `key`, and why (not)."""
        stored = self.metadata()
        if stored is None:
            return False, "nothing cached yet"
        wanted = {"format": CACHE_FORMAT, **_as_dict(key)}
        changes = []
        for name, value in wanted.items():
            old = stored.get(name)
            if old != value:
                label = LABELS.get(name, name)
                changes.append(f"{label} {old or 'unknown'} -> {value}")
        if changes:
            return False, ", ".join(changes)
        return True, describe(wanted)

    def _scratch(self, suffix: str) -> Path:
        return self.base / f".{self.name}.{suffix}.{os.getpid()}"

    def store_tree(
        self,
        source: Path,
        metadata: Metadata | Mapping[str, str],
        *,
        move: bool = False,
        link: bool = False,
    ) -> None:
        """Replace the entry with a copy of (or, with `move`, the) directory `source`.

        With `link`, the copy is made of hard links where possible (see link_tree).
        """
        self.base.mkdir(parents=True, exist_ok=True)
        new = self._scratch("new")
        shutil.rmtree(new, ignore_errors=True)
        new.mkdir()
        if move:
            try:
                os.rename(source, new / "data")
            except OSError as exc:
                # The build's temporary files and the cache on two filesystems
                # (a cache volume of its own, as Dokku mounts it): no rename
                # crosses them, a copy does.
                if exc.errno != errno.EXDEV:
                    raise
                copy_tree(source, new / "data")
                shutil.rmtree(source, ignore_errors=True)
        elif link:
            link_tree(source, new / "data")
        else:
            copy_tree(source, new / "data")
        self._commit(new, metadata)

    def store_file(self, source: Path, metadata: Metadata | Mapping[str, str]) -> None:
        """Replace the entry with `data/<name of source>`, a copy of one file."""
        self.base.mkdir(parents=True, exist_ok=True)
        new = self._scratch("new")
        shutil.rmtree(new, ignore_errors=True)
        (new / "data").mkdir(parents=True)
        shutil.copy2(source, new / "data" / source.name)
        self._commit(new, metadata)

    def _commit(self, new: Path, fields: Metadata | Mapping[str, str]) -> None:
        metadata = {"format": CACHE_FORMAT, **_as_dict(fields)}
        tmp_meta = new / "metadata.json.tmp"
        with open(tmp_meta, "w", encoding="utf-8") as f:
            json.dump(metadata, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp_meta, new / "metadata.json")
        old = self._scratch("old")
        shutil.rmtree(old, ignore_errors=True)
        if self.root.exists():
            os.rename(self.root, old)
        os.rename(new, self.root)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove the entry (metadata first, so a half-removed entry reads as absent)."""
        self.metadata_path.unlink(missing_ok=True)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_dict(metadata: Metadata | Mapping[str, str]) -> dict[str, str]:
    return metadata.as_dict() if isinstance(metadata, Metadata) else dict(metadata)


def clean_leftovers(cache_dir: Path) -> None:
    """Remove scratch directories a killed build may have left behind."""
    base = cache_dir / ROOT_NAME
    if not base.is_dir():
        return
    for child in base.iterdir():
        if child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)


def describe(metadata: Mapping[str, str]) -> str:
    """`Python 3.12.7, stack heroku-24, ...` for log lines."""
    parts = []
    for key, value in metadata.items():
        if key in ("format", "uwsgi_sha256", "wheel_sha256"):
            continue
        parts.append(f"{LABELS.get(key, key)} {value}")
    return ", ".join(parts)


def copy_tree(source: Path, dest: Path) -> None:
    """Copy a directory tree keeping symlinks, modes and times.

    `cp -a` is several times faster than shutil.copytree on the ~100 MB Python
    prefix, and is on every Heroku image.
    """
    _cp("-a", source, dest, stderr=subprocess.PIPE)


def link_tree(source: Path, dest: Path) -> None:
    """Copy a directory tree as hard links, or as a plain copy where that fails.

    Restoring the ~100 MB Python prefix by copying takes most of a warm build;
    linking its few thousand files is several times faster and takes no space.
    It is safe because nothing the build does rewrites a file in place: pip
    replaces files by writing new ones (and moves old ones aside when it
    uninstalls), Python writes .pyc files atomically, and the buildpack's own
    rewrites (shebangs, editable paths) write a new file and rename it over the
    old. A hard link never crosses filesystems, so a cache on another
    filesystem than the build dir falls back to a copy.
    """
    try:
        _cp("-al", source, dest, stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        shutil.rmtree(dest, ignore_errors=True)
        copy_tree(source, dest)


def _cp(flags: str, source: Path, dest: Path, *, stderr: int) -> None:
    subprocess.run(
        ["cp", flags, "--", str(source), str(dest)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
