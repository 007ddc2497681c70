"""wheel_install installs a wheel exactly as pip would, or declines.

The comparison runs on a real runtime from the offline mirror (as the build
does): one copy gets the runtime's bundled pip installed by that pip itself,
run from its own wheel the way ensurepip runs it; another copy gets it from
wheel_install. Then the same for the uWSGI wheel the build packs. Skipped
without a mirror (test/tools/make-runtime-mirror).
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_steps import MIRROR
from test_uwsgi_build import compiled_tree
from uwsgi_buildpack.packages import own_tools
from uwsgi_buildpack.runtime import archives as runtime
from uwsgi_buildpack.uwsgi.compile import _pack_wheel
from uwsgi_buildpack.wheels import install as wheel_install

ARCHIVE = MIRROR / "python-3.12.1-ubuntu-24.04-amd64.tar.zst"
MINOR = "3.12"


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory) -> Path:
    if not ARCHIVE.is_file():
        pytest.skip(f"no runtime archive at {ARCHIVE} (test/tools/make-runtime-mirror)")
    unpacked = tmp_path_factory.mktemp("runtime") / "python"
    runtime.extract(ARCHIVE, unpacked)
    return unpacked


def fresh_prefix(runtime_dir: Path, where: Path) -> tuple[Path, dict[str, str]]:
    prefix = where / ".heroku" / "python"
    # Hard links: nothing here writes into the runtime's own files (an install
    # adds files; a replaced one is renamed over, see wheel_install._write).
    shutil.copytree(runtime_dir, prefix, symlinks=True, copy_function=os.link)
    return prefix, runtime.python_env(prefix)


def tree(prefix: Path) -> dict[str, Path]:
    """Every file under site-packages and bin/ that an install may write."""
    site = prefix / "lib" / f"python{MINOR}" / "site-packages"
    found = {}
    for base, label in ((site, "site"), (prefix / "bin", "bin")):
        for path in base.rglob("*"):
            if path.is_file() and not path.is_symlink():
                found[f"{label}/{path.relative_to(base)}"] = path
    return found


def record(prefix: Path, project: str) -> dict[str, tuple[str, str]]:
    site = prefix / "lib" / f"python{MINOR}" / "site-packages"
    (info,) = site.glob(f"{project}-*.dist-info")
    with open(info / "RECORD", newline="") as f:
        return {row[0]: (row[1], row[2]) for row in csv.reader(f)}


def pyc_identity(data: bytes) -> bytes:
    """What two compiles of the same source share: the magic number, the
    flags and the source's size (the mtime differs, and marshal's output
    with the interning history of the compiling process)."""
    return data[:8] + data[12:16]


def pip_install(prefix: Path, env: dict[str, str], wheel: Path, pip_wheel: Path) -> None:
    """pip installing `wheel`, run from the bundled pip wheel (as ensurepip runs it)."""
    python = str(prefix / "bin" / "python3")
    argv = [python, str(pip_wheel / "pip"), "install", "--no-deps", "--no-index"]
    subprocess.run([*argv, "--no-cache-dir", "-q", str(wheel)], env=env, check=True)


def assert_same_install(ours: Path, pips: Path, project: str) -> None:
    """Same files, modes, contents and RECORD, up to the prefix in shebangs and pyc headers."""
    mine, theirs = tree(ours), tree(pips)
    # pip notes where it installed a wheel file from; the buildpack drops that
    # note (runtime.forget_wheel_origin) and never writes it.
    theirs = {k: v for k, v in theirs.items() if not k.endswith("/direct_url.json")}
    assert sorted(mine) == sorted(theirs)
    for name, path in theirs.items():
        if name.endswith(".dist-info/RECORD"):
            continue  # below: the pyc's hashes differ with their headers
        a, b = mine[name].read_bytes(), path.read_bytes()
        if name.endswith(".pyc"):
            a, b = pyc_identity(a), pyc_identity(b)
        a = a.replace(str(ours).encode(), b"PREFIX")
        b = b.replace(str(pips).encode(), b"PREFIX")
        assert a == b, name
        assert stat.S_IMODE(mine[name].stat().st_mode) == stat.S_IMODE(path.stat().st_mode), name
    ours_record, pips_record = record(ours, project), record(pips, project)
    pips_record = {k: v for k, v in pips_record.items() if not k.endswith("/direct_url.json")}
    assert list(ours_record) == list(pips_record)  # the same rows, in the same order
    for name, (digest, size) in pips_record.items():
        if not name.endswith(".pyc") and not name.startswith("../../../bin/"):
            assert ours_record[name] == (digest, size), name


def test_pip_is_installed_as_pip_installs_itself(runtime_dir, tmp_path):
    ours, env = fresh_prefix(runtime_dir, tmp_path / "ours")
    pips, pip_env = fresh_prefix(runtime_dir, tmp_path / "pips")
    pip_wheel = runtime.bundled_pip_wheel(ours)

    pip_install(pips, pip_env, pip_wheel, pip_wheel)
    listed = wheel_install.install(pip_wheel, ours, MINOR, env)

    assert {"../../../bin/pip", "../../../bin/pip3", "../../../bin/pip3.12"} <= set(listed)
    assert_same_install(ours, pips, "pip")
    # Every module has its bytecode, as pip leaves it: no pip run compiles any.
    site = ours / "lib" / f"python{MINOR}" / "site-packages"
    sources = list((site / "pip").rglob("*.py"))
    assert len(sources) > 300
    assert all((s.parent / "__pycache__" / f"{s.stem}.cpython-312.pyc").is_file() for s in sources)

    # And it is a working pip, which can remove itself without a trace.
    shown = subprocess.run(
        [str(ours / "bin" / "pip"), "show", "pip"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert f"Version: {pip_wheel.name.split('-')[1]}" in shown.stdout
    subprocess.run(
        [str(ours / "bin" / "python3"), "-m", "pip", "uninstall", "-y", "-q", "pip"],
        env=env,
        check=True,
    )
    assert tree(ours).keys() == tree(runtime_dir).keys()  # the runtime as it came


def test_the_compiled_uwsgi_wheel_is_installed_as_pip_installs_it(runtime_dir, tmp_path):
    source = compiled_tree(tmp_path, b"\x7fELF stands for the binary\n")
    wheel = _pack_wheel(source, "2.0.31", "cp312-cp312-linux_x86_64", tmp_path)
    ours, env = fresh_prefix(runtime_dir, tmp_path / "ours")
    pips, pip_env = fresh_prefix(runtime_dir, tmp_path / "pips")
    pip_wheel = runtime.bundled_pip_wheel(ours)

    pip_install(pips, pip_env, wheel, pip_wheel)
    wheel_install.install(wheel, ours, MINOR, env)

    assert_same_install(ours, pips, "uwsgi")
    assert (ours / "bin" / "uwsgi").read_bytes() == (source / "uwsgi").read_bytes()
    assert os.access(ours / "bin" / "uwsgi", os.X_OK)


def test_a_project_already_installed_is_left_to_pip(runtime_dir, tmp_path):
    ours, env = fresh_prefix(runtime_dir, tmp_path / "ours")
    pip_wheel = runtime.bundled_pip_wheel(ours)
    wheel_install.install(pip_wheel, ours, MINOR, env)
    before = {p: p.stat().st_mtime_ns for p in tree(ours).values()}
    with pytest.raises(wheel_install.NotHandled, match="installed already"):
        wheel_install.install(pip_wheel, ours, MINOR, env)
    assert {p: p.stat().st_mtime_ns for p in tree(ours).values()} == before


@pytest.mark.parametrize(
    ("member", "why"),
    [
        ("demo-1.0.data/headers/demo.h", "demo-1.0.data/headers/demo.h"),
        ("demo-1.0.data/data/share/x", "demo-1.0.data/data/share/x"),
        ("../evil.py", "unsafe path"),
        ("/etc/evil.py", "unsafe path"),
    ],
)
def test_a_wheel_it_does_not_handle_writes_nothing(tmp_path, member, why):
    wheel = demo_wheel(
        tmp_path, {"demo/__init__.py": "", member: "x", "demo-1.0.dist-info/RECORD": ""}
    )
    prefix = tmp_path / "prefix"
    (prefix / "lib" / f"python{MINOR}" / "site-packages").mkdir(parents=True)
    with pytest.raises(wheel_install.NotHandled, match=why.replace(".", r"\.")):
        wheel_install.install(wheel, prefix, MINOR, {})
    assert not [p for p in prefix.rglob("*") if p.is_file()]
    assert not (tmp_path / "evil.py").exists()


def demo_wheel(tmp_path: Path, files: dict[str, str]) -> Path:
    """A pure wheel of `demo` 1.0 holding `files` (name: text) and its WHEEL."""
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
    return wheel


def test_gui_scripts_are_left_to_pip(tmp_path):
    wheel = demo_wheel(
        tmp_path,
        {
            "demo/__init__.py": "def main(): pass\n",
            "demo-1.0.dist-info/entry_points.txt": "[gui_scripts]\ndemo = demo:main\n",
        },
    )
    prefix = tmp_path / "prefix"
    (prefix / "lib" / f"python{MINOR}" / "site-packages").mkdir(parents=True)
    with pytest.raises(wheel_install.NotHandled, match="GUI scripts"):
        wheel_install.install(wheel, prefix, MINOR, {})


# --- the tools' locks: own_tools.install_pinned_wheels ---------------------------

ROOT = Path(__file__).resolve().parents[3]


def files_under(top: Path) -> dict[str, Path]:
    return {str(p.relative_to(top)): p for p in top.rglob("*") if p.is_file()}


def test_a_tools_lock_is_installed_as_pip_install_target_installs_it(runtime_dir, tmp_path):
    """pip-tools' lock, from the index pip is configured with: the same tree as pip's."""
    prefix, env = fresh_prefix(runtime_dir, tmp_path / "app")
    wheel_install.install(runtime.bundled_pip_wheel(prefix), prefix, MINOR, env)
    python = prefix / "bin" / "python3"
    lock = ROOT / "vendor" / "pip-tools.txt"
    pips, ours = tmp_path / "pips", tmp_path / "ours"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--require-hashes"]
        + ["--no-cache-dir", "--target", str(pips), "--requirement", str(lock)],
        env=env,
        check=True,
    )
    (tmp_path / "scratch").mkdir()
    how = own_tools.install_pinned_wheels(lock, ours, python, MINOR, env, tmp_path / "scratch")

    assert how.startswith("installed 8 pinned wheels from "), how
    mine, theirs = files_under(ours), files_under(pips)
    # The one difference: for tomli the lock also pins mypyc-compiled wheels,
    # which pip prefers on CPython; we take its pure-Python wheel of the same
    # version (install_pinned_wheels' docstring says why).
    assert "Root-Is-Purelib: true" in (ours / "tomli-2.5.0.dist-info" / "WHEEL").read_text()
    for tree_ in (mine, theirs):
        for name in [n for n in tree_ if n.startswith("tomli") or "__mypyc" in n]:
            del tree_[name]
    assert sorted(mine) == sorted(theirs)
    for name, path in theirs.items():
        if name.endswith(".dist-info/RECORD"):
            # pip --target installs into a temporary home (lib/python, bin)
            # and moves it; its RECORD keeps the scripts' paths from there.
            theirs_rows = path.read_text().replace("../../bin/", "bin/").splitlines()
            mine_rows = mine[name].read_text().splitlines()
            assert sorted(r.split(",")[0] for r in mine_rows) == sorted(
                r.split(",")[0] for r in theirs_rows
            )
            continue
        a, b = mine[name].read_bytes(), path.read_bytes()
        if name.endswith(".pyc"):
            a, b = pyc_identity(a), pyc_identity(b)
        assert a == b, name
    ran = subprocess.run(
        [str(python), "-c", "import sys; sys.path.insert(0, sys.argv[1]); import piptools", ours],
        env=env,
    )
    assert ran.returncode == 0


def test_a_lock_that_is_not_plain_pins_is_left_to_pip(tmp_path):
    assert own_tools.pinned((ROOT / "vendor" / "poetry.txt").read_text()) is None  # markers
    assert own_tools.pinned("click[extra]==8.0 --hash=sha256:" + "a" * 64) is None
    assert own_tools.pinned("click==8.0\n") is None  # no hash
    assert own_tools.pinned("click==8.0 --hash=sha256:" + "a" * 64 + " --pre") is None
    pins = own_tools.pinned((ROOT / "vendor" / "pip-tools.txt").read_text())
    assert pins is not None and ("pip-tools", "7.6.2") in [(n, v) for n, v, _ in pins]
    assert all(len(h) == 64 for _, _, hashes in pins for h in hashes)
    lock = tmp_path / "lock.txt"
    lock.write_text("click==8.0\n")
    with pytest.raises(wheel_install.NotHandled, match="^the lock is not plain pins$"):
        own_tools.install_pinned_wheels(lock, tmp_path / "t", tmp_path, MINOR, {}, tmp_path)
    assert not (tmp_path / "t").exists()


def test_a_path_that_is_a_hard_link_into_the_cache_is_replaced_not_written_through(tmp_path):
    """A restored prefix is hard links into the build cache (cache.link_tree)."""
    wheel = demo_wheel(tmp_path, {"demo.py": "NEW = True\n"})
    site = tmp_path / "prefix" / "lib" / f"python{MINOR}" / "site-packages"
    site.mkdir(parents=True)
    cached = tmp_path / "cache-demo.py"
    cached.write_text("OLD = True\n")
    os.link(cached, site / "demo.py")
    bin_dir = tmp_path / "prefix" / "bin"
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"  # compiles with this Python
    wheel_install.install_many([wheel], site, bin_dir, Path(sys.executable), here, dict(os.environ))
    assert (site / "demo.py").read_text() == "NEW = True\n"
    assert cached.read_text() == "OLD = True\n"
