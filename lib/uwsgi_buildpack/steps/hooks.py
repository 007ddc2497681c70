"""The app's own build hooks: `bin/pre_compile` and `bin/post_compile`.

Heroku's Python buildpack runs these scripts if the app has them, and apps
that move between buildpacks rely on them. They run from the app's directory
with the app's Python first on PATH and the config vars in the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import commands, errors, output
from ..context import BuildContext


@dataclass(frozen=True)
class Hook:
    """Whether the app's `bin/<name>` ran (a failure stops the build instead)."""

    name: str
    ran: bool


def path(ctx: BuildContext, name: str) -> Path:
    """Where the app's hook `name` is (it may not exist)."""
    return ctx.build_dir / "bin" / name


def exists(ctx: BuildContext, name: str) -> bool:
    """Whether the app has the hook `name`."""
    return path(ctx, name).is_file()


def run(ctx: BuildContext, name: str) -> Hook:
    """Run `bin/<name>` if the app has it; a failure stops the build."""
    hook = path(ctx, name)
    if not hook.is_file():
        return Hook(name, ran=False)
    output.step(f"Running bin/{name}")
    argv = [str(hook)] if os.access(hook, os.X_OK) else ["bash", str(hook)]
    try:
        commands.run(argv, env=ctx.env, cwd=str(ctx.build_dir), tail_lines=20)
    except commands.CommandFailed as exc:
        raise errors.hook_failed(name, exc.returncode, exc.tail) from None
    except OSError as exc:
        raise errors.hook_failed(name, 126, [str(exc)]) from None
    return Hook(name, ran=True)
