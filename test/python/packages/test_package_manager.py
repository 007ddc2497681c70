"""Which package manager decides, and every way of leaving that ambiguous."""

from __future__ import annotations

from pathlib import Path

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.packages import manager as package_manager


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
    assert package_manager.decide(app(tmp_path, files)).manager is package_manager.PIP


def test_a_plain_pyproject_keeps_the_pip_tools_behaviour(tmp_path):
    pyproject = "[project]\nname = 'x'\n# [tool.uv] in a comment\n[tool.ruff]\nline-length = 99\n"
    decided = package_manager.decide(app(tmp_path, {"pyproject.toml": pyproject}))
    assert decided.manager is None
    assert decided.installs_project


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
    assert [manager.name for manager, _ in raised.value.facts["found"]] == named
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
    assert raised.value.facts["manager"].name == manager
    assert f"    {command}\n" in raised.value.body


def test_pipenv_decides_with_a_current_lock(tmp_path):
    decided = package_manager.decide(app(tmp_path, {"Pipfile.lock": '{"default": {}}'}))
    assert decided.manager is package_manager.PIPENV
    # Parsed once, here: the lock step exports this very data.
    assert decided.pipfile_lock == {"default": {}}
    assert decided.inputs.kind == "Pipfile.lock" and decided.inputs.hashed


def test_poetry_decides_with_its_lock(tmp_path):
    decided = package_manager.decide(app(tmp_path, {"poetry.lock": "", "pyproject.toml": ""}))
    assert decided.manager is package_manager.POETRY
    assert decided.inputs.files == ("poetry.lock", "pyproject.toml")


def test_uv_decides_with_its_lock(tmp_path):
    decided = package_manager.decide(app(tmp_path, {"uv.lock": "", "pyproject.toml": ""}))
    assert decided.manager is package_manager.UV
    assert decided.inputs.files == ("uv.lock", "pyproject.toml")


def test_each_manager_is_one_record_naming_its_files_and_commands():
    names = [m.name for m in package_manager.MANAGERS]
    assert names == ["pip", "pipenv", "poetry", "uv"]
    locks = {m.name: m.lock for m in package_manager.MANAGERS}
    assert locks == {
        "pip": None,
        "pipenv": "Pipfile.lock",
        "poetry": "poetry.lock",
        "uv": "uv.lock",
    }
    for manager in package_manager.MANAGERS:
        if manager.lock:
            assert manager.lock in manager.files


BUILD_SYSTEM = "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"


@pytest.mark.parametrize(
    ("lock", "pyproject", "installed"),
    [
        ("uv.lock", "[project]\nname = 'x'\n", False),
        ("uv.lock", "[project]\nname = 'x'\n" + BUILD_SYSTEM, True),
        ("uv.lock", "[project]\nname = 'x'\n[tool.uv]\npackage = false\n" + BUILD_SYSTEM, False),
        ("uv.lock", "[project]\nname = 'x'\n[tool.uv]\npackage = true\n" + BUILD_SYSTEM, True),
        ("poetry.lock", "[project]\nname = 'x'\n", False),
        ("poetry.lock", "[project]\nname = 'x'\n" + BUILD_SYSTEM, True),
        (
            "poetry.lock",
            "[project]\nname = 'x'\n[tool.poetry]\npackage-mode = false\n" + BUILD_SYSTEM,
            False,
        ),
        # The flags count only in their own tool's table: a `package = false`
        # of another tool's (here a made-up one's) changes nothing.
        (
            "uv.lock",
            "[project]\nname = 'x'\n[tool.other]\npackage = false\n" + BUILD_SYSTEM,
            True,
        ),
        (
            "poetry.lock",
            "[tool.custom]\npackage-mode = false\n[project]\nname = 'x'\n" + BUILD_SYSTEM,
            True,
        ),
        ("uv.lock", "[project]\nname = 'x'\npackage = false\n" + BUILD_SYSTEM, True),
        # Poetry's flag is no uv flag, and the other way round.
        (
            "uv.lock",
            "[tool.uv]\npackage-mode = false\n[project]\nname = 'x'\n" + BUILD_SYSTEM,
            True,
        ),
    ],
)
def test_the_project_is_installed_only_when_its_tool_would_install_it(
    tmp_path, lock, pyproject, installed
):
    decided = package_manager.decide(app(tmp_path, {lock: "", "pyproject.toml": pyproject}))
    assert decided.installs_project is installed


def test_a_pyproject_that_is_not_toml_is_refused_naming_the_line(tmp_path):
    with pytest.raises(errors.BuildError) as raised:
        package_manager.decide(app(tmp_path, {"uv.lock": "", "pyproject.toml": "[project\n"}))
    assert raised.value.code == "package-manager::pyproject-unreadable"
    assert "line 1" in raised.value.body


def test_a_requirements_app_never_reads_its_pyproject(tmp_path):
    # Tool configuration only (ruff's, say): pip decides from requirements.txt.
    files = {"requirements.txt": "six==1.16.0\n", "pyproject.toml": "not = [toml\n"}
    decided = package_manager.decide(app(tmp_path, files))
    assert decided.manager is package_manager.PIP and not decided.installs_project


_RANGE = '[project]\nname = "x"\nrequires-python = ">=3.12,<3.13"\n'


@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": _RANGE},  # a plain project, installed with pip install .
        {"pyproject.toml": _RANGE + "[tool.uv]\n", "uv.lock": ""},
        {"pyproject.toml": _RANGE + "[tool.poetry]\n", "poetry.lock": ""},
    ],
    ids=["project", "uv", "poetry"],
)
def test_requires_python_goes_with_the_decision_where_pyproject_decides(tmp_path, files):
    decided = package_manager.decide(app(tmp_path, files))
    assert decided.requires_python == ">=3.12,<3.13"


def test_requires_python_is_not_read_where_requirements_files_decide(tmp_path):
    files = {"requirements.txt": "six\n", "pyproject.toml": _RANGE}
    assert package_manager.decide(app(tmp_path, files)).requires_python is None


def test_a_requires_python_that_is_not_a_string_is_refused(tmp_path):
    pyproject = '[project]\nname = "x"\nrequires-python = 3.12\n'
    with pytest.raises(errors.BuildError) as caught:
        package_manager.decide(app(tmp_path, {"pyproject.toml": pyproject}))
    assert caught.value.code == "requires-python::invalid"
    assert "not a string" in caught.value.body
