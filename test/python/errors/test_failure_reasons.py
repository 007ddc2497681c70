"""bin/report after a failed build: every failure carries its own stable code.

Each case makes a real app fail a real `bin/compile` (before any download, so
the cases take a fraction of a second each), then reads `bin/report`'s YAML.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from uwsgi_buildpack import errors, report

BIN = Path(__file__).resolve().parents[3] / "bin"


def _write(name: str, data: str | bytes) -> Callable[[Path, Path], None]:
    def setup(app: Path, env_dir: Path) -> None:
        target = env_dir / name[4:] if name.startswith("ENV:") else app / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")

    return setup


def _fifo(name: str) -> Callable[[Path, Path], None]:
    def setup(app: Path, env_dir: Path) -> None:
        os.mkfifo(app / name)

    return setup


def _both(*setups: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def setup(app: Path, env_dir: Path) -> None:
        for one in setups:
            one(app, env_dir)

    return setup


# (code, how to make the app fail, STACK)
CASES = [
    ("app::committed-runtime", _write(".heroku/python/bin/python3", ""), "heroku-24"),
    ("app::committed-virtualenv", _write("venv/pyvenv.cfg", ""), "heroku-24"),
    ("stack::missing", _write("requirements.txt", ""), None),
    ("stack::unsupported", _write("requirements.txt", ""), "cedar-14"),
    ("python-version::invalid", _write(".python-version", "python 3.x\n"), "heroku-24"),
    ("python-version::multiple", _write(".python-version", "3.12\n3.13\n"), "heroku-24"),
    ("python-version::empty", _write(".python-version", "# none\n"), "heroku-24"),
    ("python-version::encoding", _write(".python-version", "3.12\n".encode("utf-16")), "heroku-24"),
    ("python-version::eol", _write(".python-version", "3.8\n"), "heroku-24"),
    ("python-version::unknown", _write(".python-version", "3.99\n"), "heroku-24"),
    ("python-version::not-available", _write(".python-version", "3.12\n"), "heroku-24"),
    ("runtime-txt::invalid", _write("runtime.txt", "3.12\n"), "heroku-24"),
    (
        "python-version::files-disagree",
        _both(_write("runtime.txt", "python-3.12.1\n"), _write(".python-version", "3.13\n")),
        "heroku-24",
    ),
    (
        "python-version-file::misspelled",
        _both(_write("requirements.txt", ""), _write(".python_version", "3.12\n")),
        "heroku-24",
    ),
    ("python-version::pypy", _write(".python-version", "pypy3.10\n"), "heroku-24"),
    ("python-version::free-threaded", _write(".python-version", "3.14t\n"), "heroku-24"),
    (
        "pipfile-lock::invalid-version",
        _write("Pipfile.lock", '{"_meta": {"requires": {"python_version": "3.x"}}, "default": {}}'),
        "heroku-24",
    ),
    (
        "requires-python::invalid",
        _write("pyproject.toml", '[project]\nname = "x"\nrequires-python = "^3.12"\n'),
        "heroku-24",
    ),
    (
        "requires-python::unsatisfiable",
        _write("pyproject.toml", '[project]\nname = "x"\nrequires-python = "<3.10"\n'),
        "heroku-24",
    ),
    (
        "package-manager::multiple",
        _both(_write("requirements.txt", ""), _write("poetry.lock", "")),
        "heroku-24",
    ),
    ("package-manager::pipfile-not-locked", _write("Pipfile", ""), "heroku-24"),
    ("package-manager::not-locked", _write("pyproject.toml", "[tool.uv]\n"), "heroku-24"),
    ("pipfile-lock::invalid", _write("Pipfile.lock", "{"), "heroku-24"),
    (
        "runtime::url-invalid",
        _both(_write("requirements.txt", ""), _write("ENV:PYTHON_RUNTIME_URL", "ftp://x")),
        "heroku-24",
    ),
    (
        "config-var::unreadable",
        _both(_write("requirements.txt", ""), _write("ENV:SECRET", b"\xff\xfe\xfa")),
        "heroku-24",
    ),
    (
        "config-var::invalid",
        _both(_write("requirements.txt", ""), _write("ENV:UWSGI_MODULE", "app:app\nstats = :1")),
        "heroku-24",
    ),
    (
        "app::file-not-regular",
        _both(_write("requirements.txt", ""), _fifo(".env")),
        "heroku-24",
    ),
]


@pytest.fixture
def runtime_url(tmp_path: Path) -> Iterator[str]:
    """A runtime source on 127.0.0.1 that lists no archive at all."""
    root = tmp_path / "runtimes"
    root.mkdir()
    (root / "SHA256SUMS").write_text("", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _fail_and_report(
    tmp_path: Path, setup: Callable[[Path, Path], None], stack: str | None, url: str
) -> str:
    app, cache, env_dir = tmp_path / "app", tmp_path / "cache", tmp_path / "env"
    app.mkdir()
    env_dir.mkdir()
    setup(app, env_dir)
    env = {k: v for k, v in os.environ.items() if k != "STACK"}
    env["PYTHON_RUNTIME_URL"] = url
    if stack:
        env["STACK"] = stack
    compiled = subprocess.run(
        [BIN / "compile", app, cache, env_dir], env=env, capture_output=True, text=True
    )
    assert compiled.returncode == 1, compiled.stdout
    assert compiled.stderr == ""
    reported = subprocess.run(
        [BIN / "report", app, cache, env_dir], env=env, capture_output=True, text=True, check=True
    )
    return reported.stdout


@pytest.mark.parametrize(("code", "setup", "stack"), CASES, ids=[case[0] for case in CASES])
def test_a_failed_build_reports_its_failure_reason(tmp_path, runtime_url, code, setup, stack):
    text = _fail_and_report(tmp_path, setup, stack, runtime_url)
    assert 'outcome: "failure"\n' in text
    assert f'failure_reason: "{code}"\n' in text


def test_the_cases_cover_ten_distinct_codes_of_the_catalogue():
    codes = [case[0] for case in CASES]
    assert len(set(codes)) == len(codes) >= 10
    assert set(codes) <= set(errors.CATALOGUE)


def test_every_code_in_the_catalogue_is_distinct_and_namespaced():
    # The decorator registers each code once: a copied code would replace an
    # entry, so the catalogue would hold fewer codes than coded functions.
    coded = [
        line
        for module in Path(errors.__file__).parent.glob("*.py")
        for line in module.read_text(encoding="utf-8").splitlines()
        if line.startswith("@_coded(")
    ]
    assert len(errors.CATALOGUE) == len(coded)
    for code in errors.CATALOGUE:
        assert code == "internal" or "::" in code


def test_an_interrupted_or_crashed_build_has_a_reason_too(tmp_path):
    for exc, reason in ((KeyboardInterrupt(), "interrupted"), (ValueError("x"), "internal")):
        r = report.BuildReport(tmp_path)
        r.failed(exc)
        r.save()
        assert f'failure_reason: "{reason}"\n' in report.to_yaml(tmp_path)
