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
