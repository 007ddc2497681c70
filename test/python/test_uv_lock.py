"""uv.lock: which projects are packages, and the files that key the installed packages."""

from __future__ import annotations

import pytest
from uwsgi_buildpack import requirements, uv_lock


@pytest.mark.parametrize(
    ("pyproject", "package"),
    [
        ("[project]\nname = 'x'\n", False),
        ("[project]\nname = 'x'\n[build-system]\nrequires = ['hatchling']\n", True),
        (
            "[project]\nname = 'x'\n[build-system]\nrequires = ['hatchling']\n"
            "[tool.uv]\npackage = false\n",
            False,
        ),
    ],
)
def test_a_project_is_installed_only_when_uv_would_build_it(tmp_path, pyproject, package):
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    assert uv_lock.is_package(tmp_path) is package


def test_the_lock_and_pyproject_are_the_inputs_and_hash_checked(tmp_path):
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    inputs = requirements.find(tmp_path)
    assert (inputs.kind, inputs.files, inputs.hashed) == (
        "uv.lock",
        ("uv.lock", "pyproject.toml"),
        True,
    )
    before = inputs.digest
    (tmp_path / "uv.lock").write_text("version = 1\n# changed\n", encoding="utf-8")
    assert requirements.find(tmp_path).digest != before


def test_uv_never_downloads_a_python_of_its_own(tmp_path):
    env = uv_lock.uv_env({"PIP_INDEX_URL": "x"}, tmp_path / "python3", tmp_path / "cache")
    assert env["UV_PYTHON_DOWNLOADS"] == "never"
    assert env["UV_PYTHON"] == str(tmp_path / "python3")
