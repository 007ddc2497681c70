"""Installing the app's packages with pip into the app's Python.

pip runs with the environment it was given: proxies, certificates, extra
indexes and any `PIP_*` setting from the machine or the app's config vars
reach it. We never pass `--isolated`, which would drop them (and with them a
corporate user's only way to reach an index).
"""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import tempfile
from pathlib import Path

from . import commands, errors, output, package_index, requirements, runtime, wheel_install
from .cache import CacheEntry, Metadata


def pip_env(env: dict[str, str], pip_cache: Path) -> dict[str, str]:
    """The environment for every pip run: the given one, plus quiet defaults."""
    return {
        **env,
        "PIP_CACHE_DIR": str(pip_cache),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_PROGRESS_BAR": "off",
        "PIP_ROOT_USER_ACTION": "ignore",
    }


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


def ensure_tool(
    entry: CacheEntry,
    key: Metadata,
    label: str,
    probe: str,
    python: Path,
    lock: Path,
    env: dict[str, str],
    *,
    python_minor: str | None = None,
) -> Path:
    """A tool the buildpack runs itself (pip-tools, uv), kept in its own cache entry.

    Installed from its hash-pinned vendor lock into the entry's directory (as
    `pip install --target` lays it out), never into the app's Python; reused
    while the key matches and the installed tool (`probe`, a path in the
    entry) is there. Returns the entry's data directory. With `python_minor`,
    a lock of pure-Python wheels only is installed without pip
    (install_pinned_wheels); otherwise, or when that declines, pip does it.
    """
    reusable, reason = entry.check(key)
    if reusable and (entry.data / probe).exists():
        output.detail(f"{label}: reusing cache ({reason})")
        return entry.data
    output.detail(f"{label}: installing ({reason})")
    with tempfile.TemporaryDirectory(prefix=f"uwsgi-bp-{entry.name}-") as tmp:
        target = Path(tmp) / "target"
        how = "pip is not skipped for this tool"
        if python_minor is not None:
            how = install_pinned_wheels(lock, target, python, python_minor, env, Path(tmp))
        if how.startswith("installed "):
            output.detail(f"{label}: {how}")
        else:
            shutil.rmtree(target, ignore_errors=True)
            argv = [str(python), "-m", "pip", "install", "--no-deps", "--require-hashes"]
            argv += ["--target", str(target), "--requirement", str(lock)]
            try:
                commands.run(argv, env=env, echo=False, tail_lines=30)
            except commands.CommandFailed as exc:
                raise errors.pip_install_failed(lock.name, exc.tail) from None
        entry.store_tree(target, key, move=True)
    return entry.data


_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)")


def pinned(lock_text: str) -> list[tuple[str, str, frozenset[str]]] | None:
    """(name, version, sha256s) of each line of a hash-pinned lock of plain pins.

    None if any requirement is more than `name==version --hash=sha256:...`
    (markers, extras, URLs, options): then pip reads the lock.
    """
    pins = []
    for _, line in requirements.logical_lines(lock_text):
        words = line.split()
        if not words:
            continue
        match = _PIN.fullmatch(words[0])
        hashes = frozenset(
            w[len("--hash=sha256:") :] for w in words[1:] if w.startswith("--hash=sha256:")
        )
        if match is None or not hashes or len(hashes) != len(words) - 1:
            return None
        pins.append((match[1], match[2], hashes))
    return pins


def install_pinned_wheels(
    lock: Path, target: Path, python: Path, python_minor: str, env: dict[str, str], tmp: Path
) -> str:
    """Install a lock's pure-Python wheels into `target`, as `pip install --target` would.

    Fetched from pip's index (package_index.fetch_wheel, all at once: each is
    two requests, and the round trips are most of the time) and unpacked by
    wheel_install. Saves the second and a half of CPU that pip takes, beside
    a cold build's uWSGI compile. Returns "installed ..." when done, else why
    not (pip then installs the lock, into an empty `target`).

    Each project gets its pure-Python wheel of the pinned version. Where the
    lock also pins compiled wheels (tomli's mypyc builds), pip would pick the
    one for the running CPython: the same version and API, in the tool's own
    directory, never the app's Python; choosing among platform tags as pip
    does is not worth writing for that.
    """
    pins = pinned(lock.read_text(encoding="utf-8"))
    if not pins:
        return "the lock is not plain pins"
    downloads = tmp / "wheels"
    downloads.mkdir()
    site_prefix = python.parent.parent
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(pins)) as pool:
        fetched = list(
            pool.map(lambda pin: package_index.fetch_wheel(*pin, downloads, env, site_prefix), pins)
        )
    for result in fetched:
        if result.path is None:
            return result.reason
    try:
        wheel_install.install_many(
            [f.path for f in fetched if f.path], target, target / "bin", python, python_minor, env
        )
    except wheel_install.NotHandled as exc:
        return str(exc)
    hosts = sorted({f.reason.rsplit(" from ", 1)[-1] for f in fetched})
    return f"installed {len(pins)} pinned wheels from {', '.join(hosts)}, sha256 checked"
