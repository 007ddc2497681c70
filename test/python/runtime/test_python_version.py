"""Specification of .python-version / runtime.txt parsing and version resolution."""

import datetime
from pathlib import Path

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.runtime import requires_python
from uwsgi_buildpack.runtime.version import (
    LATEST_PATCH,
    MISSPELLED_VERSION_FILE_NAMES,
    VersionRequest,
    decide,
    end_of_life,
    newer_patch,
    parse_python_version_file,
    parse_runtime_txt,
    pipfile_lock_request,
    read_requested_version,
    resolve,
)

AVAILABLE = {"3.11": ["3.11.2", "3.11.7"], "3.12": ["3.12.1"], "3.13": ["3.13.0"]}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("3.12\n", "3.12"),
        ("3.12.1", "3.12"),
        ("# pinned for Django 5\n\n  3.13  \n# trailing comment\n", "3.13"),
        ("3.11.7\r\n", "3.11"),
    ],
)
def test_python_version_file_accepts_minor_or_exact(tmp_path, content, expected):
    request = parse_python_version_file(write(tmp_path, ".python-version", content))
    assert request.minor_version == expected
    assert request.origin == ".python-version"


def test_exact_version_keeps_patch(tmp_path):
    request = parse_python_version_file(write(tmp_path, ".python-version", "3.12.7\n"))
    assert (request.major, request.minor, request.patch) == (3, 12, 7)


@pytest.mark.parametrize(
    ("content", "title_part", "body_part"),
    [
        ("python-3.12\n", "Invalid Python version", "line 1"),
        ("\n\n3.12.x\n", "Invalid Python version", "line 3"),
        ("", "No Python version found", "empty"),
        ("# 3.12\n", "No Python version found", "comments"),
        ("3.12\n3.13\n", "Multiple Python versions", "line 2: 3.13"),
        ("\ufeff3.12\n", "Unable to read", "byte-order mark"),
        ("3.12\n".encode("utf-16"), "Unable to read", "UTF-16"),
        (b"3.1\xff2\n", "Unable to read", "not UTF-8"),
    ],
)
def test_bad_python_version_files_name_the_problem(tmp_path, content, title_part, body_part):
    with pytest.raises(errors.BuildError) as caught:
        parse_python_version_file(write(tmp_path, ".python-version", content))
    assert title_part in caught.value.title
    assert body_part in caught.value.body


@pytest.mark.parametrize("content", ["python-3.12.1\n", "python-3.12\n"])
def test_runtime_txt(tmp_path, content):
    request = parse_runtime_txt(write(tmp_path, "runtime.txt", content))
    assert request.minor_version == "3.12"
    assert request.origin == "runtime.txt"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("python3.12\n", "runtime.txt, line 1, reads:\n    python3.12\n"),
        ("# Heroku\n3.12.1\n", "runtime.txt, line 2, reads:\n    3.12.1\n"),
        (
            "python-3.12.1 python-3.13.0\n",
            "runtime.txt, line 1, reads:\n    python-3.12.1 python-3.13.0\n",
        ),
        ("", "runtime.txt contains no version (or more than one line)."),
    ],
    ids=["no-dash", "no-prefix", "two-versions", "empty"],
)
def test_bad_runtime_txt(tmp_path, content, where):
    with pytest.raises(errors.BuildError) as caught:
        parse_runtime_txt(write(tmp_path, "runtime.txt", content))
    assert caught.value.title == "Invalid Python version in runtime.txt."
    # The message quotes the offending line (every message also quotes the
    # example python-3.14.0, so a bare "python-3." would prove nothing).
    assert caught.value.body.startswith(where)


def test_runtime_txt_wins_when_both_agree(tmp_path):
    write(tmp_path, "runtime.txt", "python-3.12.1\n")
    write(tmp_path, ".python-version", "3.12\n")
    request = read_requested_version(tmp_path)
    assert str(request) == "3.12.1"
    assert request.origin == "runtime.txt"


def test_disagreeing_files_fail(tmp_path):
    write(tmp_path, "runtime.txt", "python-3.12.1\n")
    write(tmp_path, ".python-version", "3.13\n")
    with pytest.raises(errors.BuildError, match="disagree"):
        read_requested_version(tmp_path)


def test_no_files_means_no_request(tmp_path):
    assert read_requested_version(tmp_path) is None


def test_minor_resolves_to_newest_listed_patch():
    version, _ = resolve(VersionRequest(3, 11, None, ".python-version"), AVAILABLE)
    assert version == "3.11.7"


def test_exact_version_must_be_listed():
    version, _ = resolve(VersionRequest(3, 11, 2, ".python-version"), AVAILABLE)
    assert version == "3.11.2"
    with pytest.raises(errors.BuildError, match="not available") as caught:
        resolve(VersionRequest(3, 11, 3, ".python-version"), AVAILABLE)
    assert "3.11.7" in caught.value.body


def test_default_is_newest_minor_the_source_offers():
    version, request = resolve(None, AVAILABLE)
    assert version == "3.13.0"
    assert request.origin == "default"


def test_without_checksums_the_builtin_table_is_used():
    assert resolve(None, None)[0] == LATEST_PATCH["3.14"]
    assert resolve(VersionRequest(3, 10, None, "runtime.txt"), None)[0] == LATEST_PATCH["3.10"]
    assert resolve(VersionRequest(3, 10, 5, "runtime.txt"), None)[0] == "3.10.5"


@pytest.mark.parametrize(("major", "minor"), [(2, 7), (3, 8), (3, 9)])
def test_end_of_life_versions_are_refused(major, minor):
    with pytest.raises(errors.BuildError, match="end-of-life"):
        resolve(VersionRequest(major, minor, None, ".python-version"), AVAILABLE)


def test_unknown_future_version_is_refused():
    with pytest.raises(errors.BuildError, match="not a supported version"):
        resolve(VersionRequest(3, 99, None, ".python-version"), AVAILABLE)


# --- misspelled names, other implementations --------------------------------


@pytest.mark.parametrize("name", sorted(MISSPELLED_VERSION_FILE_NAMES) + [".PYTHON-VERSION"])
def test_a_misspelled_python_version_file_fails_naming_it_and_the_right_name(tmp_path, name):
    write(tmp_path, name, "3.12\n")
    with pytest.raises(errors.BuildError) as caught:
        read_requested_version(tmp_path)
    assert caught.value.code == "python-version-file::misspelled"
    assert f"'{name}'" in caught.value.body
    assert "git mv" in caught.value.body and ".python-version" in caught.value.body


def test_heroku_s_list_of_misspellings_is_all_there():
    assert len(MISSPELLED_VERSION_FILE_NAMES) == 20
    assert {".python_version", "python-version.txt", ".python-version.txt"} <= (
        MISSPELLED_VERSION_FILE_NAMES
    )


def test_the_right_name_beside_unrelated_files_is_fine(tmp_path):
    write(tmp_path, ".python-version", "3.12\n")
    write(tmp_path, "python_version.py", "VERSION = 1\n")  # a module, not a misspelling
    (tmp_path / "python-version").mkdir()  # a directory is not a version file
    assert str(read_requested_version(tmp_path)) == "3.12"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        (".python-version", "3.14t\n", "python-version::free-threaded"),
        (".python-version", "3.13.1t\n", "python-version::free-threaded"),
        (".python-version", "cpython-3.14+freethreaded\n", "python-version::free-threaded"),
        (".python-version", "pypy3.10\n", "python-version::pypy"),
        (".python-version", "pypy@3.10\n", "python-version::pypy"),
        ("runtime.txt", "python-3.14t\n", "python-version::free-threaded"),
        ("runtime.txt", "pypy3.10-7.3.17\n", "python-version::pypy"),
    ],
)
def test_pypy_and_free_threaded_requests_say_why_they_cannot_work(tmp_path, name, content, code):
    write(tmp_path, name, content)
    with pytest.raises(errors.BuildError) as caught:
        read_requested_version(tmp_path)
    assert caught.value.code == code
    assert name in caught.value.title
    assert "Heroku publishes" in caught.value.body and "uWSGI" in caught.value.body


# --- Pipfile.lock -------------------------------------------------------------


@pytest.mark.parametrize(
    ("requires", "expected", "field"),
    [
        ({"python_version": "3.12"}, "3.12", "python_version"),
        (
            {"python_full_version": "3.12.1", "python_version": "3.12"},
            "3.12.1",
            "python_full_version",
        ),
        ({"python_full_version": "3.13.0"}, "3.13.0", "python_full_version"),
    ],
)
def test_pipfile_lock_names_the_version(requires, expected, field):
    request = pipfile_lock_request({"_meta": {"requires": requires}, "default": {}})
    assert (str(request), request.origin, request.field) == (expected, "Pipfile.lock", field)


@pytest.mark.parametrize("lock", [None, {}, {"_meta": {}}, {"_meta": {"requires": {}}}])
def test_pipfile_lock_without_a_version_names_none(lock):
    assert pipfile_lock_request(lock) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("3.x", "pipfile-lock::invalid-version"),
        ("*", "pipfile-lock::invalid-version"),
        (3.12, "pipfile-lock::invalid-version"),
        ("3.14t", "python-version::free-threaded"),
    ],
)
def test_pipfile_lock_with_a_bad_version_fails(value, code):
    with pytest.raises(errors.BuildError) as caught:
        pipfile_lock_request({"_meta": {"requires": {"python_version": value}}})
    assert caught.value.code == code


# --- the decision: files, the cached minor, requires-python ------------------

LISTED = {"3.10": ["3.10.13"], "3.11": ["3.11.7"], "3.12": ["3.12.0", "3.12.1"], "3.13": ["3.13.0"]}


def request(text: str, origin: str = ".python-version") -> VersionRequest:
    parts = [int(part) for part in text.split(".")]
    return VersionRequest(parts[0], parts[1], parts[2] if len(parts) > 2 else None, origin)


def test_a_file_s_version_inside_requires_python_is_used():
    decision = decide(request("3.12"), LISTED, requires=requires_python.parse(">=3.12,<3.13"))
    assert (decision.version, decision.request.origin, decision.from_file) == (
        "3.12.1",
        ".python-version",
        True,
    )


def test_a_file_s_version_outside_requires_python_fails_naming_both():
    with pytest.raises(errors.BuildError) as caught:
        decide(request("3.13"), LISTED, requires=requires_python.parse(">=3.12,<3.13"))
    assert caught.value.code == "requires-python::mismatch"
    assert "Python 3.13.0" in caught.value.title
    assert ".python-version asks for Python 3.13 (3.13.0)" in caught.value.body
    assert ">=3.12,<3.13" in caught.value.body
    assert "    3.12\n" in caught.value.body  # a version inside, to use instead


def test_the_exact_release_is_checked_not_the_minor():
    with pytest.raises(errors.BuildError, match="outside"):
        decide(request("3.12"), LISTED, requires=requires_python.parse(">=3.12.3"))


def test_a_file_beats_the_cached_minor():
    assert decide(request("3.13"), LISTED, cached="3.12.1").version == "3.13.0"


def test_without_a_file_the_cached_minor_sticks():
    decision = decide(None, LISTED, cached="3.12.0")
    assert (decision.version, decision.request.origin, decision.cached) == (
        "3.12.1",
        "cached",
        "3.12.0",
    )
    assert not decision.from_file


def test_the_cached_minor_sticks_inside_requires_python():
    decision = decide(None, LISTED, cached="3.11.7", requires=requires_python.parse(">=3.10"))
    assert (decision.version, decision.request.origin) == ("3.11.7", "cached")


def test_a_cached_minor_outside_requires_python_gives_way_to_the_newest_inside():
    decision = decide(None, LISTED, cached="3.13.0", requires=requires_python.parse("<3.13"))
    assert (decision.version, decision.request.origin) == ("3.12.1", "requires-python")
    passed_over = "the cached Python 3.13.0 is outside requires-python <3.13"
    assert decision.cached_passed_over == passed_over


def test_a_cached_minor_the_source_no_longer_offers_gives_way_to_the_newest():
    decision = decide(None, {"3.13": ["3.13.0"]}, cached="3.11.7")
    assert (decision.version, decision.request.origin) == ("3.13.0", "default")
    assert "offers no Python 3.11" in (decision.cached_passed_over or "")


@pytest.mark.parametrize("cached", ["3.9.18", "3.99.0"])
def test_a_cached_minor_no_longer_supported_fails_asking_for_a_version_file(cached):
    with pytest.raises(errors.BuildError) as caught:
        decide(None, LISTED, cached=cached)
    assert caught.value.code == "python-version::cached-unsupported"
    assert ".python-version" in caught.value.body


def test_no_file_no_cache_requires_python_gives_the_newest_supported_inside():
    decision = decide(None, LISTED, requires=requires_python.parse(">=3.11,<3.13"))
    assert (decision.version, decision.request.origin) == ("3.12.1", "requires-python")
    # Without a listing, the built-in table's releases.
    decision = decide(None, None, requires=requires_python.parse("~=3.12.0"))
    assert decision.version == LATEST_PATCH["3.12"]


def test_no_file_no_cache_no_range_gives_the_newest_supported():
    decision = decide(None, LISTED)
    assert (decision.version, decision.request.origin) == ("3.13.0", "default")


def test_a_range_without_a_supported_release_fails():
    with pytest.raises(errors.BuildError) as caught:
        decide(None, LISTED, requires=requires_python.parse("<3.10"))
    assert caught.value.code == "requires-python::unsatisfiable"
    assert "<3.10" in caught.value.body


# --- what the warnings are made from -----------------------------------------


def test_end_of_life_from_its_month_on():
    eol = end_of_life("3.10", datetime.date(2026, 10, 1))
    assert eol is not None and (eol.upstream, eol.removal) == ("2026-10", "2027-01-06")
    assert end_of_life("3.10", datetime.date(2026, 9, 30)) is None
    assert end_of_life("3.11", datetime.date(2026, 12, 3)) is None
    assert end_of_life("3.11", datetime.date(2027, 10, 1)) is not None


def test_a_pinned_patch_older_than_the_newest_known_one():
    pinned = decide(request("3.12.0"), LISTED)
    assert newer_patch(pinned, LISTED) == "3.12.1"
    assert newer_patch(decide(request("3.12.1"), LISTED), LISTED) is None
    # Only a pin is told: `3.12` gets the newest by itself.
    assert newer_patch(decide(request("3.12"), LISTED), LISTED) is None
    # Without a listing, the newest Heroku publishes (the built-in table).
    assert newer_patch(decide(request("3.12.1"), None), None) == LATEST_PATCH["3.12"]
