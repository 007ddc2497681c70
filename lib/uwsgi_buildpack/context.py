"""What every build step is given: the build's fixed facts, decided once.

A step takes a `BuildContext` plus the values earlier steps returned, and
returns a small frozen dataclass of its own. Nothing is left on a shared
object for a later step to find: what a step needs is in its signature, so
the order of the steps in build.py is the order of the data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import cache, env_dir, report
from .packages import pip as dependencies
from .runtime import archives as runtime

PREFIX_IN_APP = Path(".heroku") / "python"


@dataclass(frozen=True)
class BuildContext:
    """One build's directories, config vars, environment and platform."""

    build_dir: Path
    cache_dir: Path
    buildpack_dir: Path
    config: dict[str, str]  # the app's config vars (ENV_DIR), denylisted ones left out
    env: dict[str, str]  # the environment of every command the build runs (pip's included)
    platform: runtime.Platform
    report: report.BuildReport
    test_mode: bool = False  # Heroku CI's bin/test-compile

    @property
    def prefix(self) -> Path:
        """Where the app's Python lives in the build dir."""
        return self.build_dir / PREFIX_IN_APP

    @property
    def python(self) -> Path:
        """The app's Python interpreter."""
        return self.prefix / "bin" / "python3"

    @property
    def vendor_dir(self) -> Path:
        """The buildpack's hash-pinned locks of what it installs itself."""
        return self.buildpack_dir / "vendor"

    @property
    def pip_cache(self) -> Path:
        """pip's download cache, in the build cache."""
        return self.cache_dir / cache.ROOT_NAME / "pip-cache"


def make(
    build_dir: Path,
    cache_dir: Path,
    env_dir_path: Path | None,
    buildpack_dir: Path,
    build_report: report.BuildReport,
    *,
    test_mode: bool = False,
) -> BuildContext:
    """Read the config vars and the platform, and make the build's environment."""
    config = env_dir.load(env_dir_path)
    platform = runtime.detect_platform(os.environ.get("STACK"))
    prefix = build_dir / PREFIX_IN_APP
    env = dependencies.pip_env(
        runtime.python_env(prefix, {**os.environ, **config}),
        cache_dir / cache.ROOT_NAME / "pip-cache",
    )
    return BuildContext(
        build_dir=build_dir,
        cache_dir=cache_dir,
        buildpack_dir=buildpack_dir,
        config=config,
        env=env,
        platform=platform,
        report=build_report,
        test_mode=test_mode,
    )
