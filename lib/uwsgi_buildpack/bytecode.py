"""The helper's own bytecode, kept in the build cache between builds.

The helper runs with `python3 -B` (bin/utils): Heroku checks the buildpack out
afresh for builds, and nothing may be written into it. So every build used to
compile the helper's ~8,000 lines from source before its first line of output:
0.4 to 0.5 s of CPU, most of a warm build that otherwise takes a few tenths of a
second.

Python's own .pyc caching cannot help here: a .pyc found through
`sys.pycache_prefix` is looked up by the source's full path, and the checkout's
path and modification times are not the same from one build to the next. So
bin/compile's helper imports its modules through the loader below, which keeps
one code object per module in the build cache (`helper-bytecode/`), keyed by the
module's name and validated by a hash of its source (the scheme of PEP 552's
"checked" hash-based .pyc files, in the same file format): an edited or updated
buildpack compiles what changed, and a stale or damaged file is never used, only
replaced. Files are written whole (temporary name, then rename; a killed build's
leftover `.helper-bytecode.*` file is removed by cache.clean_leftovers).

Standard library only, and imported before anything else of the helper.
"""

from __future__ import annotations

import _imp
import importlib.machinery
import importlib.util
import marshal
import os
import sys
from pathlib import Path

# The name of the entry under the build cache's uwsgi-buildpack/ directory.
ENTRY = "helper-bytecode"
_PACKAGE = __name__.rpartition(".")[0]
# PEP 552 flags: hash-based, checked against the source on every import.
_CHECKED_HASH = (0b11).to_bytes(4, "little")


def _pyc_header(source: bytes) -> bytes:
    return importlib.util.MAGIC_NUMBER + _CHECKED_HASH + importlib.util.source_hash(source)


class _CachedLoader(importlib.machinery.SourceFileLoader):
    """A source loader whose code objects come from (and go to) the cache directory."""

    cache_dir: Path

    def get_code(self, fullname: str):  # noqa: ANN201 - a code object; typeshed's own signature
        """The module's code: from the cache when its source hash matches, else compiled."""
        source = self.get_data(self.path)
        header = _pyc_header(source)
        cached = self.cache_dir / f"{fullname}.{sys.implementation.cache_tag}.pyc"
        try:
            data = cached.read_bytes()
            if data[:16] == header:
                code = marshal.loads(data[16:])
                # As importlib does for a .pyc: tracebacks name this checkout's file.
                _imp._fix_co_filename(code, self.path)
                return code
        except (OSError, ValueError, EOFError, TypeError):
            pass
        code = self.source_to_code(source, self.path)
        _write_whole(cached, header + marshal.dumps(code))
        return code


def _write_whole(path: Path, data: bytes) -> None:
    """Write `path` under a temporary name, then rename it; never fail the build."""
    tmp = path.parent.parent / f".{ENTRY}.{os.getpid()}.{path.name}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


class _Finder:
    """Finds the helper's submodules where Python would, and loads them through the cache.

    A meta path finder by its `find_spec` method alone: subclassing
    importlib.abc.MetaPathFinder would import importlib.resources (30 ms).
    """

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir

    def find_spec(self, fullname: str, path, target=None):  # noqa: ANN001, ANN201 - importlib's API
        """The usual spec for a helper module, with the caching loader."""
        if not fullname.startswith(_PACKAGE + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        loader = _CachedLoader(fullname, spec.loader.path)
        loader.cache_dir = self.cache_dir
        spec.loader = loader
        return spec


def use_build_cache(argv: list[str]) -> None:
    """For `compile`/`test-compile BUILD_DIR CACHE_DIR ...`, load the helper through the cache.

    Any other command (detect, release, report) compiles from source as before:
    it has no cache to keep bytecode in, or must not write to it.
    """
    if len(argv) < 3 or argv[0] not in ("compile", "test-compile") or not argv[2]:
        return
    cache_dir = Path(os.path.abspath(argv[2])) / "uwsgi-buildpack" / ENTRY
    sys.meta_path.insert(0, _Finder(cache_dir))
