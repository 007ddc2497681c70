"""Specification of cache entries: atomic, self-describing, explaining reuse."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from uwsgi_buildpack.cache import CACHE_FORMAT, CacheEntry, clean_leftovers


def test_empty_cache_says_so(tmp_path):
    reusable, reason = CacheEntry(tmp_path, "python").check({"python": "3.12.1"})
    assert not reusable
    assert reason == "nothing cached yet"


def test_reuse_and_reason_for_change(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "file").write_text("x")
    entry = CacheEntry(tmp_path / "cache", "python")
    entry.store_tree(src, {"python": "3.12.1", "stack": "heroku-24"})
    assert (entry.data / "file").read_text() == "x"
    assert entry.check({"python": "3.12.1", "stack": "heroku-24"})[0]
    reusable, reason = entry.check({"python": "3.12.7", "stack": "heroku-24"})
    assert not reusable
    assert reason == "Python 3.12.1 -> 3.12.7"
    reusable, reason = entry.check({"python": "3.12.7", "stack": "heroku-26"})
    assert reason == "Python 3.12.1 -> 3.12.7, stack heroku-24 -> heroku-26"


def test_old_cache_format_is_discarded(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    entry = CacheEntry(tmp_path / "cache", "python")
    entry.store_tree(src, {"python": "3.12.1"})
    meta = json.loads(entry.metadata_path.read_text())
    meta["format"] = "0"
    entry.metadata_path.write_text(json.dumps(meta))
    reusable, reason = entry.check({"python": "3.12.1"})
    assert not reusable
    assert f"buildpack cache format 0 -> {CACHE_FORMAT}" in reason


def test_entry_without_metadata_reads_as_absent(tmp_path):
    entry = CacheEntry(tmp_path, "uwsgi")
    entry.data.mkdir(parents=True)
    (entry.data / "half-written.whl").write_bytes(b"partial")
    assert entry.metadata() is None
    entry.metadata_path.write_text("{not json")
    assert entry.check({"uwsgi": "2.0.31"}) == (False, "nothing cached yet")


def test_replacing_keeps_only_the_new_data(tmp_path):
    entry = CacheEntry(tmp_path / "cache", "uwsgi")
    first = tmp_path / "a.whl"
    first.write_bytes(b"a")
    entry.store_file(first, {"uwsgi": "1"})
    second = tmp_path / "b.whl"
    second.write_bytes(b"b")
    entry.store_file(second, {"uwsgi": "2"})
    assert sorted(p.name for p in entry.data.iterdir()) == ["b.whl"]
    assert entry.metadata()["uwsgi"] == "2"


def test_leftovers_of_a_killed_build_are_removed(tmp_path):
    base = tmp_path / "uwsgi-buildpack"
    (base / ".python.new.123" / "data").mkdir(parents=True)
    (base / "python" / "data").mkdir(parents=True)
    clean_leftovers(tmp_path)
    assert not (base / ".python.new.123").exists()
    assert (base / "python").exists()


def test_a_tree_moved_in_from_another_filesystem_is_copied(tmp_path):
    # The build's temporary files on a RAM disk, the cache on disk (or the
    # other way round): os.rename cannot cross them.
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second filesystem here to move across")
    source = Path(tempfile.mkdtemp(dir=shm)) / "tree"
    (source / "bin").mkdir(parents=True)
    (source / "bin" / "tool").write_text("#!/bin/sh\n")
    entry = CacheEntry(tmp_path / "cache", "tool")
    entry.store_tree(source, {"vendor_lock": "abc"}, move=True)
    assert (entry.data / "bin" / "tool").read_text() == "#!/bin/sh\n"
    assert entry.metadata() == {"format": CACHE_FORMAT, "vendor_lock": "abc"}
    assert not source.exists()
    shutil.rmtree(source.parent)
