"""Installing the buildpack's own two wheels without starting pip.

A cold build installs two wheels that the app did not ask for: the pip its
runtime carries (`ensurepip/_bundled/pip-*.whl`) and the uWSGI wheel the
build has just compiled. pip is the installer for everything the app asks
for; these two it is slow at, and on the build's critical path:

- pip cannot install itself before it exists. It has to be unpacked and run
  from a scratch directory, byte-compiling all of its thousand modules there
  and then, installing, all of them again: about 4 CPU-seconds, 8 s of wall
  time beside the uWSGI compile, before any of the app's packages start.
- uWSGI's wheel is installed after its compile, the last thing the build waits
  for: half a second of pip starting up to copy two files.

Both wheels are simple and known: pure Python with console scripts (pip), or
a binary under `.data/scripts` and one module under `.data/purelib` (ours,
see uwsgi_build._pack_wheel). Installing such a wheel is what the wheel
specification's "Installing a wheel" section says, and what pip does: unpack
it into site-packages, move each `.data/` subdirectory to its scheme path,
write a launcher script for each console entry point, then list every file
written with its hash in RECORD and name the installer in INSTALLER. That is
short enough to write here, with the standard library only (the helper runs
on the build image's Python). Anything outside it (another `.data/`
directory, GUI scripts, a project that is already installed and would need
uninstalling first) raises NotHandled, and the caller lets pip do the job.

The modules are byte-compiled as pip does it (`compileall`, run by the app's
Python: bytecode is specific to a Python version, and the helper runs on the
build image's), in one process: pip's own installs use a process pool for
that, which on two busy cores costs more than it saves. The test suite
installs the same wheels with pip and with this module and compares the
results file by file.
"""

from __future__ import annotations

import base64
import configparser
import csv
import email.parser
import hashlib
import io
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import commands

# distlib's template, which pip's script maker uses for console scripts.
SCRIPT_TEMPLATE = """# -*- coding: utf-8 -*-
import re
import sys
from {module} import {name}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({func}())
"""

# The longest shebang line Linux reads whole (BINPRM_BUF_SIZE - 1 in older kernels).
MAX_SHEBANG = 127


class NotHandled(Exception):
    """A wheel this module does not install; pip does instead. The message says why."""


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _shebang(interpreter: Path) -> str:
    """The first line(s) of a launcher script, as distlib writes them on POSIX."""
    path = str(interpreter)
    if " " not in path and len(f"#!{path}\n") <= MAX_SHEBANG:
        return f"#!{path}\n"
    # distlib's form for a path that a shebang line cannot hold.
    return f"#!/bin/sh\n'''exec' {path} \"$0\" \"$@\"\n' '''\n"


def _console_scripts(text: str, python_minor: str) -> dict[str, str]:
    """entry_points.txt's console scripts, with pip's renaming of its own.

    pip's wheel lists `pip3.11` for the Python it was built on; pip installs
    `pip`, `pip3` and `pip3.X` for the Python that installs it (and so must we).
    """
    parser = configparser.RawConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign] # names keep their case
    parser.read_string(text)
    if parser.has_section("gui_scripts") and parser.items("gui_scripts"):
        raise NotHandled("it has GUI scripts")
    if not parser.has_section("console_scripts"):
        return {}
    scripts = {name.strip(): value.strip() for name, value in parser.items("console_scripts")}
    if "pip" in scripts:
        target = scripts["pip"]
        scripts = {n: v for n, v in scripts.items() if not re.fullmatch(r"pip(\d+(\.\d+)?)?", n)}
        major = python_minor.split(".")[0]
        scripts.update({"pip": target, f"pip{major}": target, f"pip{python_minor}": target})
    return scripts


def _launcher(spec: str, shebang: str) -> bytes:
    module, _, attr = spec.partition(":")
    attr = attr.split("[")[0].strip()  # extras do not change the script
    if not module.strip() or not attr:
        raise NotHandled(f"an entry point it cannot read: {spec}")
    return (
        shebang + SCRIPT_TEMPLATE.format(module=module.strip(), name=attr.split(".")[0], func=attr)
    ).encode()


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise NotHandled(f"it holds an unsafe path: {name}")
    return path


def install(wheel: Path, prefix: Path, python_minor: str, env: Mapping[str, str]) -> list[str]:
    """Install `wheel` into the Python at `prefix` (lib/pythonX.Y/site-packages, bin/).

    Console scripts start `prefix/bin/python3`, as pip's would when run with
    that interpreter; `env` runs that interpreter to byte-compile the modules.
    Returns the RECORD rows' paths. Raises NotHandled, having written
    nothing, for a wheel it does not install.
    """
    site = prefix / "lib" / f"python{python_minor}" / "site-packages"
    python = prefix / "bin" / "python3"
    return install_many([wheel], site, prefix / "bin", python, python_minor, env)[0]


def install_many(
    wheels: Sequence[Path],
    site: Path,
    bin_dir: Path,
    python: Path,
    python_minor: str,
    env: Mapping[str, str],
) -> list[list[str]]:
    """Install `wheels` with their modules in `site` and their scripts in `bin_dir`.

    As `install`, for any layout (`pip install --target DIR` puts modules in
    DIR and scripts in DIR/bin), and for several wheels at once: each is
    checked before any file is written, and one process byte-compiles the
    modules of all. `python` is the interpreter the scripts start and the
    modules are compiled for (Python `python_minor`).
    """
    plans = [_plan(wheel, site, bin_dir, python, python_minor) for wheel in wheels]
    umask = os.umask(0)
    os.umask(umask)
    plain_mode, exec_mode = 0o666 & ~umask, (0o777 & ~umask) | 0o111
    installed = [_unpack(plan, site, plain_mode, exec_mode) for plan in plans]

    # Paths compared as strings: Path.parents and os.path.relpath cost a
    # tenth of a second of CPU over pip's thousand files.
    under_site = str(site) + os.sep
    modules = [
        [d for d in written if d.suffix == ".py" and str(d).startswith(under_site)]
        for written in installed
    ]
    sources = sorted(str(dest) for group in modules for dest in group)
    if sources:
        # -i: the file names from a list (pip has about five hundred).
        with tempfile.NamedTemporaryFile("w", prefix="uwsgi-bp-pyc-", suffix=".txt") as listing:
            listing.write("\n".join(sources) + "\n")
            listing.flush()
            commands.run(
                [str(python), "-m", "compileall", "-q", "-i", listing.name], env=env, echo=False
            )
    tag = "cpython-" + python_minor.replace(".", "")
    listed = []
    for plan, written, group in zip(plans, installed, modules, strict=True):
        for source in group:
            pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
            if pyc.is_file():
                written[pyc] = pyc.read_bytes()
        rows = [
            (_relative(str(dest), under_site, site), _digest(content), str(len(content)))
            for dest, content in written.items()
        ]
        # As pip writes it: sorted, RECORD's own row among the others, csv's \r\n.
        rows = sorted([*rows, (f"{plan.info}/RECORD", "", "")])
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        _write(site / plan.info / "RECORD", out.getvalue().encode(), plain_mode)
        listed.append([row[0] for row in rows])
    return listed


def _relative(dest: str, under_site: str, site: Path) -> str:
    """A RECORD path: relative to site-packages, with / (`../../../bin/pip` for a script)."""
    if dest.startswith(under_site):
        return dest[len(under_site) :].replace(os.sep, "/")
    return os.path.relpath(dest, site).replace(os.sep, "/")


@dataclass(frozen=True)
class _Plan:
    """Where each file of a wheel goes, decided before anything is written."""

    wheel: Path
    info: str  # NAME-VERSION.dist-info
    members: list[tuple[str, Path, bool]]  # (name in the wheel, destination, is a script)
    launchers: dict[Path, bytes]
    shebang: str


def _plan(wheel: Path, site: Path, bin_dir: Path, python: Path, python_minor: str) -> _Plan:
    name, version = wheel.name.split("-")[:2]
    info = f"{name}-{version}.dist-info"
    data = f"{name}-{version}.data"
    wanted = name.lower().replace("_", "-").replace(".", "-")
    for installed in site.glob("*.dist-info"):
        project = installed.name[: -len(".dist-info")].rsplit("-", 1)[0]
        if project.lower().replace("_", "-").replace(".", "-") == wanted:
            raise NotHandled(f"{installed.name} is installed already")
    with zipfile.ZipFile(wheel) as archive:
        wheel_meta = email.parser.Parser().parsestr(archive.read(f"{info}/WHEEL").decode())
        if wheel_meta.get("Wheel-Version", "").split(".")[0] != "1":
            raise NotHandled(f"Wheel-Version {wheel_meta.get('Wheel-Version')}")
        members: list[tuple[str, Path, bool]] = []
        for member in archive.infolist():
            if member.is_dir():
                continue
            path = _safe_name(member.filename)
            if path.parts[0] == data:
                kind = path.parts[1] if len(path.parts) > 2 else ""
                rest = PurePosixPath(*path.parts[2:])
                if kind in ("purelib", "platlib"):
                    members.append((member.filename, site / rest, False))
                elif kind == "scripts" and len(rest.parts) == 1:
                    members.append((member.filename, bin_dir / rest, True))
                else:
                    raise NotHandled(f"it has {member.filename}")
            elif member.filename in (f"{info}/RECORD", f"{info}/INSTALLER", f"{info}/REQUESTED"):
                continue  # written below, for what is installed
            else:
                members.append((member.filename, site / path, False))
        entry_points = f"{info}/entry_points.txt"
        scripts = (
            _console_scripts(archive.read(entry_points).decode(), python_minor)
            if entry_points in archive.namelist()
            else {}
        )
    shebang = _shebang(python)
    launchers = {bin_dir / n: _launcher(spec, shebang) for n, spec in scripts.items()}
    return _Plan(wheel, info, members, launchers, shebang)


def _unpack(plan: _Plan, site: Path, plain_mode: int, exec_mode: int) -> dict[Path, bytes]:
    """Write a planned wheel's files; return each file written with its content."""
    written: dict[Path, bytes] = {}
    with zipfile.ZipFile(plan.wheel) as archive:
        for name, dest, is_script in plan.members:
            member = archive.getinfo(name)
            content = archive.read(member)
            if is_script and content.startswith(b"#!python"):
                content = plan.shebang.encode() + content.split(b"\n", 1)[1]
            mode = member.external_attr >> 16
            executable = is_script or (stat.S_ISREG(mode) and bool(mode & 0o111))
            _write(dest, content, exec_mode if executable else plain_mode)
            written[dest] = content
    for dest, content in plan.launchers.items():
        _write(dest, content, exec_mode)
        written[dest] = content
    # INSTALLER says "pip": the package is laid out as pip lays it out, and
    # pip (pip-sync, `pip uninstall`) manages it from here on. REQUESTED, as
    # pip writes for a wheel named on its command line.
    for extra, content in (("INSTALLER", b"pip\n"), ("REQUESTED", b"")):
        _write(site / plan.info / extra, content, plain_mode)
        written[site / plan.info / extra] = content
    return written


def _write(dest: Path, content: bytes, mode: int) -> None:
    """Write a new file; replace an existing one by renaming a new file over it.

    An existing path may be a hard link into the build cache (cache.link_tree
    restores the prefix that way), which must never be written through.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        tmp = dest.with_name(f".{dest.name}.wheel-tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            os.fchmod(f.fileno(), mode)
        os.replace(tmp, dest)
        return
    with os.fdopen(fd, "wb") as f:
        f.write(content)
        os.fchmod(f.fileno(), mode)  # as asked, whatever the umask
