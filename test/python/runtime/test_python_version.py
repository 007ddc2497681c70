"""Specification of .python-version / runtime.txt parsing and version resolution."""

from pathlib import Path

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.runtime.version import (
    LATEST_PATCH,
    VersionRequest,
    parse_python_version_file,
    parse_runtime_txt,
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
