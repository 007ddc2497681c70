"""Entry point for the `bin/` scripts: `python3 -m uwsgi_buildpack.cli COMMAND ...`.

Whatever happens, the user sees a message, not a traceback: BuildErrors are
printed as error blocks, anything unexpected as an internal error naming the
exception. Either way the exit status is 1 and stderr stays empty.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from . import commands, errors, output
from .app import default_config as uwsgi_config

DETECT_FILES = (
    "requirements.txt",
    "requirements.in",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "setup.py",
    ".python-version",
    "runtime.txt",
    "uwsgi.ini",
)

APP_TYPE = "Python (uWSGI)"

USAGE = (
    "usage: cli.py detect BUILD_DIR | compile BUILD_DIR CACHE_DIR [ENV_DIR]"
    " | test-compile BUILD_DIR CACHE_DIR [ENV_DIR] | release BUILD_DIR"
    " | report BUILD_DIR CACHE_DIR [ENV_DIR]"
)


def detect(build_dir: Path) -> int:
    """Print the app type and return 0 for a Python app, else print `no` and return 1."""
    if any((build_dir / name).is_file() for name in DETECT_FILES):
        print(APP_TYPE)
        return 0
    print("no")
    return 1


def compile_app(
    build_dir: Path, cache_dir: Path, env_dir: Path | None, *, test_mode: bool = False
) -> int:
    """Run the build (for Heroku CI, `test_mode` also installs requirements-test.txt)."""
    from . import build

    buildpack_dir = Path(__file__).resolve().parents[2]
    build.run(build_dir, cache_dir, env_dir, buildpack_dir, test_mode=test_mode)
    return 0


def env_exports(env_dir: Path) -> int:
    """Print ENV_DIR's config vars (minus the denylisted) as shell `export` lines."""
    import shlex

    from . import env_dir as env_dir_module

    for name, value in env_dir_module.load(env_dir).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def report(cache_dir: Path) -> int:
    """Print the last build's metadata as YAML."""
    from .report import to_yaml

    sys.stdout.write(to_yaml(cache_dir))
    return 0


def release() -> int:
    """Print the default process types."""
    sys.stdout.write(uwsgi_config.release_yaml())
    return 0


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    """Dispatch a command; map every failure to an error block and exit 1."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if len(argv) == 2 and argv[0] == "detect":
            return detect(Path(argv[1]))
        if len(argv) in (3, 4) and argv[0] in ("compile", "test-compile"):
            env_dir = Path(argv[3]) if len(argv) == 4 and argv[3] else None
            return compile_app(
                Path(argv[1]).resolve(),
                Path(argv[2]).resolve(),
                env_dir,
                test_mode=argv[0] == "test-compile",
            )
        if len(argv) == 2 and argv[0] == "env-exports":
            return env_exports(Path(argv[1]))
        if len(argv) in (3, 4) and argv[0] == "report":
            return report(Path(argv[2]).resolve())
        if len(argv) >= 1 and argv[0] == "release":
            return release()
        output.error("Invalid arguments.", USAGE)
        return 1
    except errors.BuildError as exc:
        output.error(exc.title, exc.body)
        return 1
    except KeyboardInterrupt:
        output.error("The build was interrupted.", "Nothing was saved to the build cache half-way.")
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        detail = f"{type(exc).__name__}: {exc}"
        said = [line.strip() for line in getattr(exc, "tail", []) if line.strip()]
        if isinstance(exc, commands.CommandFailed) and said:
            # The command's last word (for a Python command, the exception that
            # ended it; never its traceback) is what a bug report needs.
            detail += f"\nIt said: {said[-1]}"
        bug = errors.internal(detail)
        output.error(bug.title, bug.body)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
