"""Installing the app's packages with pip into the app's Python.

pip runs with the environment it was given: proxies, certificates, extra
indexes and any `PIP_*` setting from the machine or the app's config vars
reach it. We never pass `--isolated`, which would drop them (and with them a
corporate user's only way to reach an index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import commands, errors
from ..runtime import archives as runtime
from ..wheels import install as wheel_install
from . import requirements

# pip without questions, progress bars or advice, in every pip run.
_QUIET = {
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "PIP_PROGRESS_BAR": "off",
    "PIP_ROOT_USER_ACTION": "ignore",
}


def pip_env(env: dict[str, str], pip_cache: Path) -> dict[str, str]:
    """The environment for every pip run: the given one, plus quiet defaults."""
    return {**env, "PIP_CACHE_DIR": str(pip_cache), **_QUIET}


# pip's per-file chatter, hidden from the build log wherever pip's output is shown.
PIP_CHATTER = ("  Using cached", "  Downloading", "  Obtaining dependency", "Location '")


def shows_pip_line(line: str) -> bool:
    """Keep the log readable: hide pip's per-file chatter, keep what matters."""
    return not any(marker in line for marker in PIP_CHATTER)


def install_wheel(prefix: Path, wheel: Path, env: dict[str, str], python_minor: str) -> None:
    """Install one wheel file, replacing an installed copy of the same project.

    Into a Python that does not have the project yet (a cold build), the
    wheel is unpacked directly (wheel_install: pip's start-up is half a
    second at the end of the build); otherwise pip replaces the old copy.
    """
    try:
        wheel_install.install(wheel, prefix, python_minor, env)
        return
    except wheel_install.NotHandled:
        pass
    commands.run(
        [
            str(prefix / "bin" / "python3"),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--force-reinstall",
            "--no-index",
            str(wheel),
        ],
        env=env,
        echo=False,
    )
    runtime.forget_wheel_origin(prefix, wheel.name.split("-", 1)[0])


def install_requirements(
    prefix: Path, requirements: Path, build_dir: Path, env: dict[str, str]
) -> None:
    """`pip install -r requirements.txt`, run from the app's directory."""
    argv = [
        str(prefix / "bin" / "python3"),
        "-m",
        "pip",
        "install",
        "--requirement",
        str(requirements.relative_to(build_dir)),
        "--exists-action=w",
        "--src",
        str(build_dir / ".heroku" / "src"),
    ]
    try:
        commands.run(argv, env=env, cwd=str(build_dir), filter_line=shows_pip_line, tail_lines=40)
    except commands.CommandFailed as exc:
        raise errors.pip_install_failed(requirements.name, exc.tail) from None


def install_project(prefix: Path, build_dir: Path, env: dict[str, str]) -> None:
    """`pip install .` of the app itself (its dependencies are synced already)."""
    argv = [str(prefix / "bin" / "python3"), "-m", "pip", "install", "--no-deps"]
    argv += ["--force-reinstall", "."]
    try:
        commands.run(argv, env=env, cwd=str(build_dir), echo=False, tail_lines=40)
    except commands.CommandFailed as exc:
        name = "pyproject.toml" if (build_dir / "pyproject.toml").is_file() else "setup.py"
        raise errors.pip_install_failed(name, exc.tail) from None


def install_locked(prefix: Path, lock: Path, env: dict[str, str]) -> None:
    """Install a hash-pinned lock shipped with the buildpack (vendor/*.txt)."""
    argv = [
        str(prefix / "bin" / "python3"),
        "-m",
        "pip",
        "install",
        "--require-hashes",
        "--no-deps",
        "--requirement",
        str(lock),
    ]
    try:
        commands.run(argv, env=env, echo=False, tail_lines=40)
    except commands.CommandFailed as exc:
        raise errors.pip_install_failed(lock.name, exc.tail) from None


def is_installed(prefix: Path, minor: str, project: str) -> bool:
    """Whether a distribution is installed in the app's site-packages."""
    site = prefix / "lib" / f"python{minor}" / "site-packages"
    wanted = requirements.normalise(project)
    for info in site.glob("*.dist-info"):
        name = info.name[: -len(".dist-info")].rsplit("-", 1)[0]
        if requirements.normalise(name) == wanted:
            return True
    return False


# pip check's lines: "flask 3.1.3 requires werkzeug, which is not installed." and
# "flask 3.1.3 has requirement werkzeug>=3.1, but you have werkzeug 2.0.0."
_MISSING_RE = re.compile(r"^(\S+) (\S+) requires (\S+), which is not installed\.$")


@dataclass(frozen=True)
class Check:
    """What `pip check` found: dependencies not installed, and every other problem."""

    missing: tuple[tuple[str, str], ...]  # (dependency, "package version" that requires it)
    other: tuple[str, ...]  # pip's own lines: a pin another package does not accept, ...


def check(prefix: Path, env: dict[str, str]) -> Check:
    """`pip check` of the app's Python: are the installed packages' dependencies all there?"""
    argv = [str(prefix / "bin" / "python3"), "-m", "pip", "check"]
    try:
        commands.run(argv, env=env, echo=False, tail_lines=200)
        return Check((), ())
    except commands.CommandFailed as exc:
        lines = [line.strip() for line in exc.tail if line.strip()]
    missing: list[tuple[str, str]] = []
    other: list[str] = []
    for line in lines:
        found = _MISSING_RE.match(line)
        if found:
            missing.append((found[3], f"{found[1]} {found[2]}"))
        else:
            other.append(line)
    return Check(tuple(missing), tuple(other))
