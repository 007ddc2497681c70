"""bytecode: bin/compile's helper loads its modules through a cache of their code."""

from __future__ import annotations

import importlib.util
import marshal
import subprocess
import sys
from pathlib import Path

from uwsgi_buildpack import bytecode, cache

LIB = Path(__file__).resolve().parents[2] / "lib"
MODULE = "uwsgi_buildpack.packages.toml_subset"


def _import_as_bin_compile(cache_dir: Path, probe: str) -> str:
    """Import MODULE as bin/utils starts the helper for `compile`; print `probe`."""
    code = (
        "import sys; sys.path.insert(0, sys.argv.pop(1));"
        "from uwsgi_buildpack import bytecode; bytecode.use_build_cache(sys.argv[1:]);"
        f"import {MODULE} as m; print({probe})"
    )
    argv = [sys.executable, "-E", "-S", "-B", "-c", code, str(LIB), "compile", "/b", str(cache_dir)]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def _cached(cache_dir: Path) -> Path:
    tag = sys.implementation.cache_tag
    return cache_dir / cache.ROOT_NAME / bytecode.ENTRY / f"{MODULE}.{tag}.pyc"


def _source() -> bytes:
    return (LIB / "uwsgi_buildpack" / "packages" / "toml_subset.py").read_bytes()


def _plant(path: Path, source: bytes, python: str | bytes, filename: str = "planted") -> None:
    """A cache file for MODULE whose code is `python`, valid for `source`."""
    header = (
        importlib.util.MAGIC_NUMBER + (3).to_bytes(4, "little") + importlib.util.source_hash(source)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + marshal.dumps(compile(python, filename, "exec")))


def test_a_build_writes_each_module_once_and_the_next_loads_it(tmp_path):
    assert _import_as_bin_compile(tmp_path, "m.__name__") == MODULE
    pyc = _cached(tmp_path)
    assert pyc.read_bytes()[16:] != b""
    # Proof that the cached code is what runs: replace it by other code, valid
    # for the same source.
    _plant(pyc, _source(), "WHO = 'the cache'")
    assert _import_as_bin_compile(tmp_path, "m.WHO") == "the cache"
    # No temporary files left beside the entry.
    assert [p.name for p in pyc.parent.parent.iterdir() if p.name.startswith(".")] == []


def test_code_for_another_source_or_a_damaged_file_is_replaced_not_used(tmp_path):
    pyc = _cached(tmp_path)
    _plant(pyc, b"an older version of the module", "WHO = 'stale'")
    assert _import_as_bin_compile(tmp_path, "hasattr(m, 'WHO')") == "False"
    assert pyc.read_bytes()[8:16] == importlib.util.source_hash(_source())
    pyc.write_bytes(pyc.read_bytes()[:40])  # cut short
    assert _import_as_bin_compile(tmp_path, "hasattr(m, 'WHO')") == "False"
    assert len(pyc.read_bytes()) > 40


def test_tracebacks_name_the_current_checkout(tmp_path):
    # Code cached by a build from another checkout of the buildpack.
    _plant(
        _cached(tmp_path),
        _source(),
        _source(),
        "/elsewhere/uwsgi_buildpack/packages/toml_subset.py",
    )
    filename = _import_as_bin_compile(tmp_path, "m.loads.__code__.co_filename")
    assert filename == str(LIB / "uwsgi_buildpack" / "packages" / "toml_subset.py")


def test_only_compile_uses_the_cache(tmp_path):
    code = (
        "import sys; sys.path.insert(0, sys.argv.pop(1));"
        "from uwsgi_buildpack import bytecode; bytecode.use_build_cache(sys.argv[1:]);"
        f"import {MODULE}"
    )
    for command in (["detect", "/b"], ["report", "/b", str(tmp_path)], ["release", "/b"]):
        subprocess.run(
            [sys.executable, "-E", "-S", "-B", "-c", code, str(LIB), *command], check=True
        )
    assert not (tmp_path / cache.ROOT_NAME).exists()
