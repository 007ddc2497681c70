"""poetry.lock: the export pip gets, which projects are packages, what keys the packages."""

from __future__ import annotations

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.packages import poetry as poetry_lock

# What `poetry export --only main --format requirements.txt` writes for a
# project with a primary and a supplemental source (Poetry 2.5, export 1.10).
EXPORT = """\
--index-url https://primary.invalid/simple
--extra-index-url https://supplemental.invalid/simple
--trusted-host supplemental.invalid

six==1.16.0 ; python_version >= "3.11" \\
    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926 \\
    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254
"""


def test_the_export_keeps_no_index_of_its_own_so_pips_configuration_applies():
    kept = poetry_lock.without_index_options(EXPORT)
    assert "invalid" not in kept
    assert kept.startswith('six==1.16.0 ; python_version >= "3.11" \\\n    --hash=sha256:1e61')
    assert kept.count("--hash=") == 2


def test_the_lock_and_pyproject_are_the_inputs_and_hash_checked(tmp_path):
    (tmp_path / "poetry.lock").write_text("[[package]]\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    inputs = package_manager.decide(tmp_path).inputs
    assert (inputs.kind, inputs.files, inputs.hashed) == (
        "poetry.lock",
        ("poetry.lock", "pyproject.toml"),
        True,
    )
    before = inputs.digest
    (tmp_path / "poetry.lock").write_text("[[package]]\n# changed\n", encoding="utf-8")
    assert package_manager.decide(tmp_path).inputs.digest != before


def test_poetry_gets_no_prompt_no_virtualenv_and_no_keyring(tmp_path):
    env = poetry_lock.poetry_env({"PIP_INDEX_URL": "x"}, tmp_path)
    assert env["POETRY_NO_INTERACTION"] == "1"
    assert env["POETRY_VIRTUALENVS_CREATE"] == "false"
    assert env["PYTHON_KEYRING_BACKEND"] == "keyring.backends.null.Keyring"
    assert env["PIP_INDEX_URL"] == "x"


@pytest.mark.parametrize(
    ("source", "command"),
    [
        ("requirements.txt", "pip-compile --generate-hashes requirements.in"),
        ("Pipfile.lock", "pipenv lock"),
        ("uv.lock", "uv lock --refresh"),
        ("poetry.lock", "poetry lock"),
    ],
)
def test_a_hash_mismatch_names_the_lock_and_the_command_that_hashes_it_again(source, command):
    manager = next(m for m in package_manager.MANAGERS if source in m.files)
    error = errors.hash_mismatch(source, ["six==1.16.0"], manager)
    assert error.title.startswith(f"A package in {source} does not match its")
    assert f"\n    {command}\nand commit {source}." in error.body
    assert "  six==1.16.0" in error.body
    if source != "requirements.txt":
        assert "pip-compile" not in error.body


def test_a_failed_export_is_an_outdated_lock_or_else_poetrys_own_words():
    outdated = poetry_lock.export_failure(
        "\npyproject.toml changed significantly since poetry.lock was last generated. "
        "Run `poetry lock` to fix the lock file.\n"
    )
    assert outdated.title == errors.poetry_lock_outdated([]).title
    assert "Run `poetry lock` to fix the lock file." in outdated.body
    other = poetry_lock.export_failure('The command "export" does not exist.\n')
    assert other.title == errors.poetry_export_failed([]).title
    assert 'The command "export" does not exist.' in other.body
