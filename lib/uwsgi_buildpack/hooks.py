"""The app's own build hooks: `bin/pre_compile` and `bin/post_compile`.

Heroku's Python buildpack runs these scripts if the app has them, and apps
that move between buildpacks rely on them. They run from the app's directory
with the app's Python first on PATH and the config vars in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import commands, errors, output


def run(name: str, build_dir: Path, env: dict[str, str]) -> None:
    """Run `bin/<name>` if the app has it; a failure stops the build."""
    hook = build_dir / "bin" / name
    if not hook.is_file():
        return
    output.step(f"Running bin/{name}")
    argv = [str(hook)] if os.access(hook, os.X_OK) else ["bash", str(hook)]
    try:
        commands.run(argv, env=env, cwd=str(build_dir), tail_lines=20)
    except commands.CommandFailed as exc:
        raise errors.hook_failed(name, exc.returncode, exc.tail) from None
    except OSError as exc:
        raise errors.hook_failed(name, 126, [str(exc)]) from None
