"""Reading pip's output: what the user is shown when an install fails."""

from uwsgi_buildpack import errors
from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.packages import pip_tools

HASH_FAILURE = """\
Collecting six==1.16.0 (from -r /tmp/x (line 1))
ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have ...
    six==1.16.0 from https://files.example/six-1.16.0-py3-none-any.whl (from -r /tmp/x (line 1)):
        Expected sha256 0000
             Got        8abb
Traceback (most recent call last):
  File "<string>", line 1, in <module>
subprocess.CalledProcessError: Command '['python', '-m', 'pip']' returned non-zero exit status 1.
"""


def test_hash_mismatches_name_each_package():
    assert pip_tools.hash_mismatches(HASH_FAILURE) == ["six==1.16.0"]


def test_no_hash_block_no_names():
    assert pip_tools.hash_mismatches("ERROR: No matching distribution found for nope\n") == []


def test_pip_tools_traceback_is_cut_after_pips_own_message():
    lines = pip_tools._without_traceback(HASH_FAILURE)
    assert lines[-1].strip() == "Got        8abb"
    assert not any("Traceback" in line for line in lines)


def test_a_traceback_alone_is_reduced_to_the_exception():
    text = (
        "Traceback (most recent call last):\n  File 'x'\n"
        "pip._internal.exceptions.InstallationError: Invalid requirement: 'six=>1.0'\n"
    )
    assert pip_tools._without_traceback(text) == ["Invalid requirement: 'six=>1.0'"]


def test_the_output_filter_hides_chatter_and_everything_from_a_traceback_on():
    keep = pip_tools._PipOutputFilter()
    shown = [
        line
        for line in [
            "Collecting six",
            "  Using cached six.whl",
            "Successfully installed six",
            "Traceback (most recent call last):",
            "  File x",
            "Error",
        ]
        if keep(line)
    ]
    assert shown == ["Collecting six", "Successfully installed six"]


def test_a_multi_line_exception_keeps_its_following_lines():
    text = (
        "Traceback (most recent call last):\n  File 'x'\n"
        "pip._internal.exceptions.InstallationError: Invalid requirement: 'six=>1.0': "
        "Expected end or semicolon\n    six=>1.0\n       ^ (from line 2 of requirements.txt)\n"
    )
    assert pip_tools._without_traceback(text) == [
        "Invalid requirement: 'six=>1.0': Expected end or semicolon",
        "    six=>1.0",
        "       ^ (from line 2 of requirements.txt)",
    ]


def test_a_failed_sync_is_a_hash_mismatch_or_else_pips_own_words():
    mismatch = pip_tools.sync_failure("uv.lock", package_manager.UV, HASH_FAILURE)
    assert mismatch.title.startswith("A package in uv.lock does not match its")
    assert "  six==1.16.0" in mismatch.body
    other = pip_tools.sync_failure(
        "requirements.txt",
        package_manager.PIP,
        "ERROR: No matching distribution found for nope==1\n",
    )
    assert other.title == errors.pip_install_failed("requirements.txt", []).title
    assert "No matching distribution found for nope==1" in other.body


# What pip 25 says when the hash-pinned file lacks a dependency (an export of a
# Poetry 1.8 lock by poetry-plugin-export 1.10.1, which dropped uvloop).
UNPINNED = """\
Processing ./uvloop-0.23.0-cp312-cp312-manylinux2014_x86_64.whl (from uvicorn[standard]==0.32.0->-r /tmp/x (line 20))
ERROR: In --require-hashes mode, all requirements must have their versions pinned with ==. These do not:
    uvloop!=0.15.0,!=0.15.1,>=0.14.0 from https://files.example/uvloop-0.23.0.whl#sha256=ab17 (from uvicorn[standard]==0.32.0->-r /tmp/x (line 20))
Traceback (most recent call last):
subprocess.CalledProcessError: Command '['python', '-m', 'pip']' returned non-zero exit status 1.
"""  # noqa: E501 - pip's own lines


def test_unpinned_requirements_are_named_with_what_requires_them():
    assert pip_tools.not_pinned(UNPINNED) == [("uvloop", "uvicorn[standard]==0.32.0")]
    assert pip_tools.not_pinned(HASH_FAILURE) == []


def test_a_package_the_lock_records_but_the_export_dropped_is_blamed_on_the_export(tmp_path):
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "uvicorn"\nversion = "0.32.0"\n\n'
        '[[package]]\nname = "UVLoop"\nversion = "0.23.0"\n\n'
        '[metadata]\nlock-version = "2.0"\n'
    )
    error = pip_tools.sync_failure("poetry.lock", package_manager.POETRY, UNPINNED, tmp_path)
    assert error.code == "requirements::not-all-pinned"
    assert error.title == "pip needs packages the export of poetry.lock does not pin."
    assert "  uvloop  (required by uvicorn[standard]==0.32.0)" in error.body
    assert "poetry.lock does lock uvloop: the export left it out" in error.body
    assert "typos" not in error.body


def test_a_package_the_lock_lacks_is_blamed_on_the_lock(tmp_path):
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "uvicorn"\nversion = "0.32.0"\n')
    error = pip_tools.sync_failure("poetry.lock", package_manager.POETRY, UNPINNED, tmp_path)
    assert "poetry.lock does not lock it" in error.body
    assert "\n    poetry lock" in error.body


def test_a_hash_pinned_requirements_txt_missing_a_dependency_says_how_to_lock_it():
    error = pip_tools.sync_failure("requirements.txt", package_manager.PIP, UNPINNED)
    assert error.title == "requirements.txt pins hashes but not every package it needs."
    assert "pip-compile --generate-hashes requirements.in" in error.body
