"""Making the installed Python relocatable: the slug is built in one place and run in another.

Heroku builds in a temporary directory (`/tmp/build_<hash>`) and runs the slug
at `/app`. pip writes the absolute path of the interpreter into the shebang of
every console script it installs (`#!/tmp/build_x/.heroku/python/bin/python3`),
which would point nowhere at run time.

We rewrite such shebangs to the `/bin/sh` trampoline that pip's own script
maker (distlib) emits for interpreter paths it cannot put on a shebang line,
with the absolute path replaced by "the python3 next to this script". uv writes
the same form for its relocatable environments. It works from any location, and
`python -m` style tools see the same `sys.argv[0]` as before.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_TRAMPOLINE = (
    "#!/bin/sh\n"
    '\'\'\'exec\' "$(dirname -- "$(realpath -- "$0")")/{interpreter}" "$0" "$@"\n'
    "' '''\n"
)


def rewrite_shebangs(prefix: Path) -> list[str]:
    """Rewrite scripts in `prefix/bin` whose shebang points into `prefix`.

    Returns the names of the scripts changed.
    """
    bin_dir = prefix / "bin"
    needle = str(prefix) + "/bin/"
    changed = []
    for script in sorted(bin_dir.iterdir()):
        if script.is_symlink() or not script.is_file():
            continue
        with open(script, "rb") as f:
            head = f.read(2)
            if head != b"#!":
                continue
            first = (head + f.readline()).decode("utf-8", "replace").rstrip("\n")
            rest = f.read()
        target = first[2:].strip()
        if not target.startswith(needle):
            continue
        interpreter = target[len(needle) :].split()[0]
        new = _TRAMPOLINE.format(interpreter=interpreter).encode() + rest
        mode = script.stat().st_mode
        tmp = script.with_name(f".{script.name}.tmp")
        tmp.write_bytes(new)
        os.chmod(tmp, mode & 0o755)
        os.replace(tmp, script)
        changed.append(script.name)
    return changed


def find_build_paths(prefix: Path, build_dir: Path, limit: int = 20) -> list[str]:
    """Text files in `prefix/bin` still naming the build directory (for a sanity check)."""
    found = []
    needle = str(build_dir).encode()
    for script in sorted((prefix / "bin").iterdir()):
        if script.is_symlink() or not script.is_file():
            continue
        with open(script, "rb") as f:
            head = f.read(4096)
        if head.startswith(b"#!") and needle in head.split(b"\n", 1)[0]:
            found.append(script.name)
            if len(found) >= limit:
                break
    return found


# Editable installs (`-e .`, `-e ./lib`) are recorded in site-packages with the
# absolute path of the project, that is, of the build dir, which is gone when
# the slug runs. pip and setuptools record it in two places:
# - `*.pth` files: one directory per line, added to sys.path at startup. Python
#   resolves a relative line against site-packages itself (site.addpackage), so
#   the fix is a relative path, valid wherever the slug is unpacked.
# - setuptools' `__editable___*_finder.py` modules, whose MAPPING/NAMESPACES
#   dicts hold absolute paths as string literals. Each literal becomes an
#   expression computing the same path from the finder's own location.
# Heroku's Python buildpack rewrites these paths to `/app` instead; a relative
# form also survives the slug being moved anywhere else (as in local testing)
# and needs no reverse rewrite when the cached site-packages is restored into
# the next build's directory.
_FINDER_EXPR = (
    "__import__('os').path.normpath(__import__('os').path.join("
    "__import__('os').path.dirname(__file__), {rel!r}))"
)


def make_editables_relative(site_packages: Path, build_dir: Path) -> list[str]:
    """Rewrite build-dir paths in .pth files and editable finders; return files changed."""
    if not site_packages.is_dir():
        return []
    build = str(build_dir)
    changed = []
    for path in sorted(site_packages.iterdir()):
        name = path.name
        if not path.is_file() or path.is_symlink():
            continue
        if name.endswith(".pth"):
            new = _relative_pth(path, site_packages, build)
        elif name.startswith("__editable__") and name.endswith("_finder.py"):
            new = _relative_finder(path, site_packages, build)
        else:
            continue
        if new is not None:
            _replace_text(path, new)
            changed.append(name)
    return changed


def _relative_pth(path: Path, site_packages: Path, build: str) -> str | None:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    lines = text.splitlines(keepends=True)
    out = []
    for line in lines:
        stripped = line.rstrip("\r\n")
        if stripped == build or stripped.startswith(build + "/"):
            line = os.path.relpath(stripped, site_packages) + line[len(stripped) :]
        out.append(line)
    new = "".join(out)
    return new if new != text else None


def _relative_finder(path: Path, site_packages: Path, build: str) -> str | None:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    pattern = re.compile(r"(['\"])(" + re.escape(build) + r"(?:/[^'\"]*)?)\1")

    def relative(match: re.Match[str]) -> str:
        return _FINDER_EXPR.format(rel=os.path.relpath(match.group(2), site_packages))

    new = pattern.sub(relative, text)
    return new if new != text else None


def _replace_text(path: Path, text: str) -> None:
    """Write a new file and rename it over the old one (never edit in place:
    the old one may be a hard link into the build cache)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", errors="surrogateescape")
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)
