"""Which package manager decides, and every way of leaving that ambiguous."""

from __future__ import annotations

from pathlib import Path

import pytest
from uwsgi_buildpack import errors, package_manager


def app(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "six==1.16.0\n"},
        {"requirements.in": "six\n"},
        {"requirements.txt": "six==1.16.0\n", "requirements.in": "six\n"},
        # A Poetry project that exports its requirements.txt: pip decides.
        {"requirements.txt": "six\n", "pyproject.toml": "[tool.poetry]\nname = 'x'\n"},
    ],
)
def test_pip_decides_with_requirements_files(tmp_path, files):
    assert package_manager.decide(app(tmp_path, files)) == package_manager.Manager("pip", None)


def test_a_plain_pyproject_keeps_the_pip_tools_behaviour(tmp_path):
    pyproject = "[project]\nname = 'x'\n# [tool.uv] in a comment\n[tool.ruff]\nline-length = 99\n"
    decided = package_manager.decide(app(tmp_path, {"pyproject.toml": pyproject}))
    assert decided.name == "none"


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"requirements.txt": "", "uv.lock": ""}, ["pip", "uv"]),
        ({"requirements.in": "", "poetry.lock": ""}, ["pip", "poetry"]),
        ({"Pipfile": "", "Pipfile.lock": "{}", "uv.lock": ""}, ["pipenv", "uv"]),
        ({"Pipfile": "", "requirements.txt": ""}, ["pip", "pipenv"]),
        ({"poetry.lock": "", "uv.lock": ""}, ["poetry", "uv"]),
    ],
)
def test_files_of_two_managers_are_refused_naming_both(tmp_path, files, named):
    with pytest.raises(errors.BuildError) as raised:
        package_manager.decide(app(tmp_path, files))
    assert raised.value.code == "package-manager::multiple"
    assert list(raised.value.facts["found"]) == named
    for name in files:
        assert name in raised.value.body


def test_a_pipfile_without_its_lock_is_refused_with_the_lock_command(tmp_path):
    with pytest.raises(errors.BuildError) as raised:
        package_manager.decide(app(tmp_path, {"Pipfile": "[packages]\n"}))
    assert raised.value.code == "package-manager::pipfile-not-locked"
    assert "    pipenv lock\n" in raised.value.body


@pytest.mark.parametrize(
    ("header", "manager", "command"),
    [
        ("[tool.poetry]", "poetry", "poetry lock"),
        ("[tool.poetry.dependencies]", "poetry", "poetry lock"),
        ("[tool.uv]", "uv", "uv lock"),
        ("[[tool.uv.index]]", "uv", "uv lock"),
        ('  [ tool . "uv" ]', "uv", "uv lock"),
    ],
)
def test_a_project_of_poetry_or_uv_without_its_lock_is_refused(tmp_path, header, manager, command):
    pyproject = f"[project]\nname = 'x'\n\n{header}\nx = 1\n"
    with pytest.raises(errors.BuildError) as raised:
        package_manager.decide(app(tmp_path, {"pyproject.toml": pyproject}))
    assert raised.value.code == "package-manager::not-locked"
    assert raised.value.facts["manager"] == manager
    assert f"    {command}\n" in raised.value.body


def test_pipenv_decides_with_a_current_lock(tmp_path):
    decided = package_manager.decide(app(tmp_path, {"Pipfile.lock": '{"default": {}}'}))
    assert decided == package_manager.Manager("pipenv", "Pipfile.lock")


def test_poetry_decides_with_its_lock(tmp_path):
    decided = package_manager.decide(app(tmp_path, {"poetry.lock": "", "pyproject.toml": ""}))
    assert decided == package_manager.Manager("poetry", "poetry.lock")


def test_uv_decides_with_its_lock(tmp_path):
    decided = package_manager.decide(app(tmp_path, {"uv.lock": "", "pyproject.toml": ""}))
    assert decided == package_manager.Manager("uv", "uv.lock")
