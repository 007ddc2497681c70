"""build.compile: the steps in order, and each decision made once and passed down.

The steps themselves are tested one by one (test_steps.py) and together in
real builds (the shunit2 suites); here the steps that download, compile or
install are replaced by recorders, so that what is counted is build.py's own
flow: how often the package manager is decided, and which decision reaches
the packages step.
"""

from __future__ import annotations

import stat

import pytest
from test_steps import META, make_ctx, python_result
from uwsgi_buildpack import build
from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.steps import configure as configure_step
from uwsgi_buildpack.steps import packages as packages_step
from uwsgi_buildpack.steps import python as python_step
from uwsgi_buildpack.steps import slug as slug_step
from uwsgi_buildpack.steps import uwsgi as uwsgi_step


@pytest.fixture
def recorded(monkeypatch):
    """Count package_manager.decide; record the Dependencies the packages step gets."""
    seen: dict[str, list] = {"decide": [], "installed_from": []}
    real_decide = package_manager.decide

    def decide(*args, **kwargs):
        decided = real_decide(*args, **kwargs)
        seen["decide"].append(decided)
        return decided

    def install_packages(ctx, python, app, uwsgi):
        seen["installed_from"].append(app.dependencies)
        return packages_step.Packages(META, synced=False)

    class Choice:
        fresh = False
        version = "3.12.1"

    monkeypatch.setattr(package_manager, "decide", decide)
    monkeypatch.setattr(python_step, "choose", lambda ctx, dependencies: Choice())
    monkeypatch.setattr(python_step, "install", lambda ctx, choice: python_result(META))
    monkeypatch.setattr(python_step, "bootstrap_pip", lambda ctx, python, scratch: None)
    monkeypatch.setattr(uwsgi_step, "install", lambda ctx, python, planned, compiling: None)
    monkeypatch.setattr(uwsgi_step, "finish", lambda ctx, python, uwsgi: None)
    monkeypatch.setattr(packages_step, "install", install_packages)
    monkeypatch.setattr(configure_step, "configure", lambda ctx, app: None)
    monkeypatch.setattr(slug_step, "finish", lambda *args: None)
    return seen


def test_the_package_manager_is_decided_once_and_passed_down(tmp_path, recorded, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "requirements.txt").write_text("six==1.16.0\n")
    (ctx.build_dir / "wsgi.py").write_text("def application(environ, start_response): pass\n")
    build.compile(ctx, tmp_path)
    assert len(recorded["decide"]) == 1
    # The very decision made before any download reached the packages step.
    assert recorded["installed_from"] == recorded["decide"]
    assert recorded["installed_from"][0].manager is package_manager.PIP


def test_a_pre_compile_hook_that_ran_makes_the_build_decide_again(tmp_path, recorded, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "requirements.txt").write_text("six==1.16.0\n")
    (ctx.build_dir / "wsgi.py").write_text("def application(environ, start_response): pass\n")
    hook = ctx.build_dir / "bin" / "pre_compile"
    hook.parent.mkdir()
    # The hook swaps pip's requirements for a uv lock: the second decision sees it.
    hook.write_text(
        "#!/bin/sh\nrm requirements.txt\n: > uv.lock\n"
        "printf '[project]\\nname = \"x\"\\n' > pyproject.toml\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    build.compile(ctx, tmp_path)
    first, second = recorded["decide"]
    assert first.manager is package_manager.PIP and first.redecided_because is None
    assert second.manager is package_manager.UV
    assert second.redecided_because == "bin/pre_compile ran"
    assert recorded["installed_from"] == [second]
