"""Pipfile.lock read with the standard library: exported exactly, refused when stale."""

from __future__ import annotations

import json
import sys

import pytest
from pip._internal.models.index import PyPI
from uwsgi_buildpack import errors
from uwsgi_buildpack.packages import pipenv as pipfile_lock
from uwsgi_buildpack.packages import requirements, toml

SIX = {
    "hashes": ["sha256:" + "1" * 64, "sha256:" + "2" * 64],
    "markers": "python_version >= '2.7'",
    "version": "==1.16.0",
}

# A Pipfile, and the hash pipenv 2026.10.3 computes for it
# (`Project().pipfile.calculate_hash()`, what `pipenv lock` records): package
# names in PEP 503 form (MarkupSafe -> markupsafe) before hashing.
PIPENV_HASH = "3507f28512cf25b80944409de577bbff4370435e0d2cb17c6caaca477323c46f"
PIPFILE = """\
[[source]]
url = "https://index.invalid/simple"
verify_ssl = true
name = "pypi"

[packages]
six = "==1.16.0"
MarkupSafe = "*"

[dev-packages]
iniconfig = "*"

[requires]
python_version = "3.12"
"""


def lock_of(**default: object) -> dict:
    return {"_meta": {"hash": {"sha256": ""}}, "default": default, "develop": {"iniconfig": SIX}}


def test_only_the_default_section_is_exported_with_hashes_and_markers(tmp_path):
    dest = tmp_path / "requirements.lock"
    extras = {**SIX, "version": "==2.0", "extras": ["socks"]}
    names = pipfile_lock.export(lock_of(six=SIX, requests=extras), dest)
    assert names == ["requests", "six"]
    text = dest.read_text(encoding="utf-8")
    assert "iniconfig" not in text
    assert text.startswith("requests[socks]==2.0 ; python_version >= '2.7' \\\n    --hash=sha256:")
    lines = requirements.logical_lines(text)
    assert lines[1][1].split()[0] == "six==1.16.0"
    assert lines[1][1].count("--hash=sha256:") == 2
    assert requirements.pinned_names(dest) == {"requests", "six"}


@pytest.mark.parametrize(
    "entry",
    [
        {"git": "https://example.invalid/x.git", "ref": "abc"},
        {"path": ".", "editable": True},
        {"version": "==1.0"},
        "*",
    ],
)
def test_a_package_without_version_and_hashes_is_refused_by_name(tmp_path, entry):
    with pytest.raises(errors.BuildError) as raised:
        pipfile_lock.export(lock_of(six=SIX, mylib=entry), tmp_path / "out")
    assert raised.value.code == "pipfile-lock::unhashed"
    assert "  mylib" in raised.value.body
    assert "six" not in raised.value.body


def test_a_lock_that_is_not_json_is_refused_with_its_line(tmp_path):
    (tmp_path / "Pipfile.lock").write_text('{\n  "default": {\n<<<<<<< HEAD\n')
    with pytest.raises(errors.BuildError) as raised:
        pipfile_lock.load(tmp_path / "Pipfile.lock")
    assert raised.value.code == "pipfile-lock::invalid"
    assert "Pipfile.lock, line 3:" in raised.value.body


needs_tomllib = pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is 3.11+")


@needs_tomllib
def test_a_current_lock_passes_and_an_edited_pipfile_is_stale(tmp_path):
    import tomllib

    (tmp_path / "Pipfile").write_text(PIPFILE, encoding="utf-8")
    # pipenv 2024+ (PEP 503 names) and earlier (names as written) hash differently.
    current = pipfile_lock.pipfile_hashes(tomllib.loads(PIPFILE))
    assert len(current) == 2
    for recorded in current:
        lock = {"_meta": {"hash": {"sha256": recorded}}, "default": {}}
        assert pipfile_lock.check_current(tmp_path / "Pipfile", lock) is True
    (tmp_path / "Pipfile").write_text(PIPFILE.replace('"==1.16.0"', '"==1.17.0"'))
    with pytest.raises(errors.BuildError) as raised:
        pipfile_lock.check_current(tmp_path / "Pipfile", lock)
    assert raised.value.code == "pipfile-lock::outdated"
    assert "    pipenv lock\n" in raised.value.body


@needs_tomllib
def test_the_hash_is_pipenvs(tmp_path):
    import tomllib

    assert pipfile_lock.pipfile_hashes(tomllib.loads(PIPFILE)) >= {PIPENV_HASH}


def test_without_a_pipfile_the_lock_is_taken_as_is(tmp_path):
    lock = {"_meta": {"hash": {"sha256": "0" * 64}}, "default": {}}
    assert pipfile_lock.check_current(tmp_path / "Pipfile", lock) is False


# A Pipfile without [[source]], and the hash pipenv 2026.10.3 records for it on
# a machine whose pip configuration names no index (PIP_CONFIG_FILE=/dev/null):
# Pipenv hashes it with the PyPI source it makes up, which the lock records.
NO_SOURCE_HASH = "e59ced8678c6e1c617bf7d81a034aed85a14869b0a4d7ac0673341398fb43797"
NO_SOURCE_PIPFILE = """\
[packages]
six = "==1.16.0"
MarkupSafe = {version = "*", extras = ["x"]}

[dev-packages]
iniconfig = "*"

[requires]
python_version = "3.12"
"""
# Pipenv's made-up source is PyPI's simple API, whose address pip knows (asked of
# pip, not written here).
PYPI_SOURCE = [{"name": "pypi", "url": PyPI.simple_url, "verify_ssl": True}]


@pytest.fixture(params=["tomllib", "toml_subset"])
def toml_reader(request, monkeypatch):
    """Each test runs with tomllib (3.11+) and as on Python 3.10 (no tomllib)."""
    if request.param == "toml_subset":
        monkeypatch.setattr(toml, "_tomllib", None)  # as on Python 3.10
    elif sys.version_info < (3, 11):
        pytest.skip("tomllib is 3.11+")
    return request.param


def test_a_pipfile_without_source_is_checked_with_the_source_the_lock_records(
    tmp_path, toml_reader
):
    (tmp_path / "Pipfile").write_text(NO_SOURCE_PIPFILE, encoding="utf-8")
    lock = {"_meta": {"hash": {"sha256": NO_SOURCE_HASH}, "sources": PYPI_SOURCE}}
    assert pipfile_lock.check_current(tmp_path / "Pipfile", lock) is True
    # A mismatch proves nothing here: the locking machine's pip configuration
    # may have added indexes to what Pipenv hashed.
    (tmp_path / "Pipfile").write_text(NO_SOURCE_PIPFILE.replace("1.16.0", "1.17.0"))
    assert pipfile_lock.check_current(tmp_path / "Pipfile", lock) is False


def test_the_check_works_without_tomllib(tmp_path, toml_reader):
    (tmp_path / "Pipfile").write_text(PIPFILE, encoding="utf-8")
    lock = {"_meta": {"hash": {"sha256": PIPENV_HASH}}, "default": {}}
    assert pipfile_lock.check_current(tmp_path / "Pipfile", lock) is True
    (tmp_path / "Pipfile").write_text(PIPFILE.replace('"==1.16.0"', '"==1.17.0"'))
    with pytest.raises(errors.BuildError) as raised:
        pipfile_lock.check_current(tmp_path / "Pipfile", lock)
    assert raised.value.code == "pipfile-lock::outdated"


def test_without_tomllib_a_pipfile_beyond_the_subset_is_left_unchecked(tmp_path, monkeypatch):
    monkeypatch.setattr(toml, "_tomllib", None)
    (tmp_path / "Pipfile").write_text(PIPFILE + "locked = 1979-05-27\n")
    lock = {"_meta": {"hash": {"sha256": "0" * 64}}, "default": {}}
    assert pipfile_lock.check_current(tmp_path / "Pipfile", lock) is False


def test_the_lock_is_read_as_json(tmp_path):
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock_of(six=SIX)), encoding="utf-8")
    assert pipfile_lock.load(tmp_path / "Pipfile.lock")["default"]["six"]["version"] == "==1.16.0"
