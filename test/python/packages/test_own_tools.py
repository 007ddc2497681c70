"""own_tools: every tool of the table installs from its real vendor lock, runs, and is reused.

Real parts: the runtime from the offline mirror (as the build uses it), the
locks under vendor/, the packages they pin from the index pip is configured
with, and pip itself where pip does the job. Skipped without a mirror
(test/tools/make-runtime-mirror).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from test_wheel_install import ARCHIVE, MINOR, ROOT, fresh_prefix
from uwsgi_buildpack import errors
from uwsgi_buildpack.cache import CacheEntry
from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.packages import own_tools, pip_tools
from uwsgi_buildpack.packages import pip as dependencies
from uwsgi_buildpack.runtime import archives as runtime
from uwsgi_buildpack.wheels import install as wheel_install

VENDOR = ROOT / "vendor"
# The command line that prints each tool's version (pip-tools' CLI has it per command).
VERSION_ARGS = {"pip-tools": ("compile", "--version")}


@pytest.fixture(scope="module")
def app_python(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """The app's Python with its pip, as a cold build has it: (prefix, python3, env)."""
    if not ARCHIVE.is_file():
        pytest.skip(f"no runtime archive at {ARCHIVE} (test/tools/make-runtime-mirror)")
    where = tmp_path_factory.mktemp("app")
    unpacked = where / "runtime"
    runtime.extract(ARCHIVE, unpacked)
    prefix, env = fresh_prefix(unpacked, where)
    wheel_install.install(runtime.bundled_pip_wheel(prefix), prefix, MINOR, env)
    return prefix, prefix / "bin" / "python3", dependencies.pip_env(env, where / "pip-cache")


def pinned_version(tool: own_tools.Tool) -> str:
    """The version of the tool itself its lock pins (each tool is the project of its name)."""
    text = (VENDOR / tool.lock).read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(tool.name)}==(\S+)", text, re.MULTILINE)
    assert found, f"{tool.lock} pins no {tool.name}"
    return found[1]


def detail_lines(out: str, tool: own_tools.Tool) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith(tool.label + ":")]


@pytest.mark.parametrize("tool", own_tools.TOOLS, ids=lambda tool: tool.name)
def test_every_tool_installs_from_its_lock_runs_and_is_then_reused(
    app_python, tmp_path, capsys, tool
):
    prefix, python, env = app_python
    cache_dir = tmp_path / "cache"

    installed = own_tools.ensure(tool, cache_dir, VENDOR, python, MINOR, env)
    first = detail_lines(capsys.readouterr().out, tool)
    assert first[0] == f"{tool.label}: installing (nothing cached yet)"
    if tool.pure_wheels:
        assert re.fullmatch(
            rf"{tool.label}: installed \d+ pinned wheels from \S+, sha256 checked", first[1]
        ), first
    assert len(first) == (2 if tool.pure_wheels else 1), first

    version_args = VERSION_ARGS.get(tool.name, ("--version",))
    ran = subprocess.run(
        installed.argv(*version_args), env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert pinned_version(tool) in ran.stdout

    again = own_tools.ensure(tool, cache_dir, VENDOR, python, MINOR, env)
    reuse = detail_lines(capsys.readouterr().out, tool)
    assert again == installed
    assert len(reuse) == 1 and reuse[0].startswith(f"{tool.label}: reusing cache ("), reuse
    stored = CacheEntry(cache_dir, tool.name).metadata() or {}
    assert ("python_minor" in stored) is tool.per_python
    # Beside the app, never in it.
    site = prefix / "lib" / f"python{MINOR}" / "site-packages"
    assert not any(site.glob(f"{tool.name.replace('-', '_')}-*.dist-info"))


def test_a_declined_fast_path_says_why_and_pip_installs_the_lock(app_python, tmp_path, capsys):
    """A setting with which pip would fetch differently: the fast path leaves it to pip."""
    _, python, env = app_python
    env = {**env, "PIP_TRUSTED_HOST": "localhost"}
    tool = own_tools.PIP_TOOLS

    installed = own_tools.ensure(tool, tmp_path / "cache", VENDOR, python, MINOR, env)

    assert detail_lines(capsys.readouterr().out, tool) == [
        "pip-tools: installing (nothing cached yet)",
        "pip-tools: installing with pip (pip is configured with trusted-host)",
    ]
    # pip chose tomli's compiled wheel for this CPython; the fast path takes
    # only pure-Python wheels.
    wheel = next(installed.path.glob("tomli-*.dist-info")) / "WHEEL"
    assert "Root-Is-Purelib: false" in wheel.read_text()
    ran = subprocess.run(
        installed.argv(*VERSION_ARGS["pip-tools"]), env=env, capture_output=True, check=False
    )
    assert ran.returncode == 0


def test_a_hash_mismatch_in_pip_sync_is_told_apart_from_other_failures(
    app_python, tmp_path, capsys
):
    """The real pip-sync, failing on a wrong hash: its log classified as a hash mismatch."""
    _, python, env = app_python
    tools = own_tools.ensure(own_tools.PIP_TOOLS, tmp_path / "cache", VENDOR, python, MINOR, env)
    # A Python of its own: pip-sync makes the environment match the lock.
    prefix, _ = fresh_prefix(python.parent.parent, tmp_path / "synced")
    synced = own_tools.Installed(tools.tool, tools.path, prefix / "bin" / "python3")
    lock = tmp_path / "requirements.lock"
    lock.write_text("six==1.16.0 --hash=sha256:" + "0" * 64 + "\n", encoding="utf-8")

    with pytest.raises(errors.BuildError) as caught:
        pip_tools.sync(synced, tmp_path, [lock], env, "requirements.txt", package_manager.PIP)

    assert caught.value.title.startswith("A package in requirements.txt does not match its")
    assert "  six==1.16.0" in caught.value.body
    assert "Traceback" not in capsys.readouterr().out
