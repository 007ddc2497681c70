"""uv.lock: which projects are packages, and the files that key the installed packages."""

from __future__ import annotations

from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.packages import uv as uv_lock


def test_the_lock_and_pyproject_are_the_inputs_and_hash_checked(tmp_path):
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    inputs = package_manager.decide(tmp_path).inputs
    assert (inputs.kind, inputs.files, inputs.hashed) == (
        "uv.lock",
        ("uv.lock", "pyproject.toml"),
        True,
    )
    before = inputs.digest
    (tmp_path / "uv.lock").write_text("version = 1\n# changed\n", encoding="utf-8")
    assert package_manager.decide(tmp_path).inputs.digest != before


def test_uv_never_downloads_a_python_of_its_own(tmp_path):
    env = uv_lock.uv_env({"PIP_INDEX_URL": "x"}, tmp_path / "python3", tmp_path / "cache")
    assert env["UV_PYTHON_DOWNLOADS"] == "never"
    assert env["UV_PYTHON"] == str(tmp_path / "python3")
