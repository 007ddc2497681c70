"""The build's steps, one by one: each takes the BuildContext and earlier results.

The Python step unpacks a real runtime archive from the offline mirror
(test/tools/make-runtime-mirror; skipped when there is none). The others run
on the app's files and the build cache, without pip or a compiler: the whole
build, with both, is what the shunit2 suites run.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from uwsgi_buildpack import cache, errors, report
from uwsgi_buildpack.app import procfile, profile
from uwsgi_buildpack.app.entrypoint import EntryPoint
from uwsgi_buildpack.context import BuildContext
from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.packages.requirements import Inputs
from uwsgi_buildpack.runtime import archives as runtime
from uwsgi_buildpack.steps import app as app_step
from uwsgi_buildpack.steps import configure as configure_step
from uwsgi_buildpack.steps import hooks as hooks_step
from uwsgi_buildpack.steps import lock as lock_step
from uwsgi_buildpack.steps import packages as packages_step
from uwsgi_buildpack.steps import procfile as procfile_step
from uwsgi_buildpack.steps import python as python_step
from uwsgi_buildpack.steps import slug as slug_step
from uwsgi_buildpack.steps import uwsgi as uwsgi_step
from uwsgi_buildpack.uwsgi import compile as uwsgi_build
from uwsgi_buildpack.uwsgi import plugins

ROOT = Path(__file__).resolve().parents[3]
PLAT = runtime.Platform(stack="heroku-24", ubuntu="24.04", arch="amd64")
MIRROR = Path(
    os.environ.get("UWSGI_BP_MIRROR_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "uwsgi-buildpack"
    / "runtime-mirror"
)


def make_ctx(tmp_path: Path, config: dict[str, str] | None = None, **env: str) -> BuildContext:
    build_dir = tmp_path / "app"
    build_dir.mkdir(parents=True, exist_ok=True)
    buildpack = tmp_path / "buildpack"
    buildpack.mkdir(exist_ok=True)
    if not (buildpack / "vendor").exists():
        (buildpack / "vendor").symlink_to(ROOT / "vendor")
    cache_dir = tmp_path / "cache"
    return BuildContext(
        build_dir=build_dir,
        cache_dir=cache_dir,
        buildpack_dir=buildpack,
        config=dict(config or {}),
        env={"PATH": os.environ["PATH"], **env},
        platform=PLAT,
        report=report.BuildReport(cache_dir),
    )


def python_result(
    restored: python_step.PackagesMeta | None, version: str = "3.12.1"
) -> python_step.Python:
    key = python_step.PythonKey(version, PLAT.stack, PLAT.arch)
    was = python_step.Restored((), restored) if restored is not None else None
    return python_step.Python(version, version.rsplit(".", 1)[0], key, was)


INPUTS = Inputs(
    kind="requirements.txt", files=("requirements.txt",), hashed=False, digest="ab" * 32
)
NO_DEPS = package_manager.Dependencies(None, Inputs("none", (), False, "0" * 64))
NO_HOOK = hooks_step.Hook("pre_compile", ran=False)
META = packages_step.PackagesMeta(
    requirements="requirements.txt:" + "ab" * 8,
    tools="uwsgi",
    pip_settings="0" * 16,
    buildpack="1:abc",
    uwsgi_wheel_sha256="f" * 64,
)


# --- app ----------------------------------------------------------------------


def test_app_check_refuses_a_committed_virtualenv(tmp_path):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / ".venv").mkdir()
    (ctx.build_dir / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    with pytest.raises(errors.BuildError) as caught:
        app_step.check(ctx)
    assert caught.value.code == "app::committed-virtualenv"
    assert caught.value.facts == {"name": ".venv"}


def test_app_inspect_decides_the_entry_point_and_stats_once(tmp_path):
    ctx = make_ctx(tmp_path, {"UWSGI_STATS": "TRUE"})
    (ctx.build_dir / "wsgi.py").write_text("def application(environ, start_response): pass\n")
    found = app_step.inspect(ctx, app_step.check(ctx), NO_HOOK)
    assert found.entry == EntryPoint("wsgi:application", "wsgi.py defines `application`")
    assert found.stats_address == "127.0.0.1:1717"
    assert not found.own_ini


def test_app_inspect_looks_for_no_entry_point_when_the_app_has_a_uwsgi_ini(tmp_path):
    ctx = make_ctx(tmp_path, {"UWSGI_STATS": "0"})
    (ctx.build_dir / "uwsgi.ini").write_text("[uwsgi]\n")
    found = app_step.inspect(ctx, app_step.check(ctx), NO_HOOK)
    assert found.own_ini and found.entry is None and found.stats_address is None


# --- python -------------------------------------------------------------------


@pytest.fixture(scope="module")
def mirror_url() -> Iterator[str]:
    if not (MIRROR / "SHA256SUMS").is_file():
        pytest.skip(f"no runtime mirror at {MIRROR} (test/tools/make-runtime-mirror)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(MIRROR))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_python_installs_a_fresh_runtime_then_restores_it_from_the_cache(
    tmp_path, mirror_url, capsys
):
    first = make_ctx(tmp_path / "one", {"PYTHON_RUNTIME_URL": mirror_url})
    (first.build_dir / ".python-version").write_text("3.12\n")
    first = dataclasses.replace(first, cache_dir=tmp_path / "cache")
    env = runtime.python_env(first.prefix, dict(first.env))
    first = dataclasses.replace(first, env=env)
    fresh = python_step.install(first, python_step.choose(first, NO_DEPS))
    assert (fresh.version, fresh.minor, fresh.restored) == ("3.12.1", "3.12", None)
    assert fresh.fresh
    python_step.bootstrap_pip(first, fresh, tmp_path / "pip")
    assert (first.prefix / "bin" / "pip").exists()
    packages = packages_step.Packages(META, synced=True)
    wheel = uwsgi_step.UwsgiWheel(tmp_path / "uwsgi.whl", "e" * 64)
    app = app_step.App(entry=None, stats_address=None, dependencies=NO_DEPS)
    slug_step.finish(first, fresh, app, packages, wheel)
    out = capsys.readouterr().out
    assert "Installed Python 3.12.1 and pip in" in out
    assert "Python and installed packages: cache saved" in out

    second = dataclasses.replace(first, build_dir=tmp_path / "two" / "app")
    second.build_dir.mkdir(parents=True)
    second = dataclasses.replace(second, env=runtime.python_env(second.prefix, dict(first.env)))
    (second.build_dir / ".python-version").write_text("3.12\n")
    restored = python_step.install(second, python_step.choose(second, NO_DEPS))
    assert restored.restored is not None and not restored.fresh
    assert restored.restored.packages is not None
    assert restored.restored.packages.uwsgi_wheel_sha256 == "e" * 64
    assert restored.restored.packages.requirements == META.requirements
    assert restored.restored.fingerprint == python_step.fingerprint(second.prefix, "3.12")
    assert "Python and installed packages: reusing cache (Python 3.12.1" in capsys.readouterr().out


def test_a_patch_release_keeps_the_installed_packages(tmp_path, mirror_url, capsys):
    first = make_ctx(tmp_path / "one", {"PYTHON_RUNTIME_URL": mirror_url})
    (first.build_dir / ".python-version").write_text("3.12\n")
    first = dataclasses.replace(first, cache_dir=tmp_path / "cache")
    first = dataclasses.replace(first, env=runtime.python_env(first.prefix, dict(first.env)))
    fresh = python_step.install(first, python_step.choose(first, NO_DEPS))
    python_step.bootstrap_pip(first, fresh, tmp_path / "pip")
    # A package with files outside site-packages, as pip records them; one
    # RECORD line names a file of the runtime itself, which must stay the new one.
    site = first.prefix / fresh.site_packages
    info = site / "demo-1.0.dist-info"
    info.mkdir()
    (first.prefix / "share" / "demo").mkdir(parents=True)
    (first.prefix / "share" / "demo" / "data.txt").write_text("data")
    (first.prefix / "bin" / "demo").write_text("#!/bin/sh\necho demo\n")
    (info / "RECORD").write_text(
        "demo-1.0.dist-info/RECORD,,\n"
        "../../../share/demo/data.txt,sha256=x,4\n"
        "../../../bin/demo,sha256=y,20\n"
        "../../../bin/python3.12,sha256=z,1\n"
        "../../../../outside.txt,sha256=z,1\n"
    )
    packages = packages_step.Packages(META, synced=True)
    wheel = uwsgi_step.UwsgiWheel(tmp_path / "uwsgi.whl", "e" * 64)
    app = app_step.App(entry=None, stats_address=None, dependencies=NO_DEPS)
    slug_step.finish(first, fresh, app, packages, wheel)
    meta_path = first.cache_dir / "uwsgi-buildpack" / "python" / "metadata.json"
    stored = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**stored, "python": "3.12.0"}))
    capsys.readouterr()

    second = dataclasses.replace(first, build_dir=tmp_path / "two" / "app")
    second.build_dir.mkdir(parents=True)
    second = dataclasses.replace(second, env=runtime.python_env(second.prefix, dict(first.env)))
    (second.build_dir / ".python-version").write_text("3.12\n")
    carried = python_step.install(second, python_step.choose(second, NO_DEPS))
    out = capsys.readouterr().out
    assert "Python 3.12.0 -> 3.12.1: a patch release of the same minor version" in out
    assert carried.restored is not None and carried.restored.carried_from == "3.12.0"
    assert not carried.fresh  # pip came along: no bootstrap
    assert carried.restored.packages is not None
    assert carried.restored.packages.requirements == META.requirements
    new_site = second.prefix / carried.site_packages
    assert (new_site / "demo-1.0.dist-info" / "RECORD").is_file()
    assert (new_site / "pip").is_dir() and (second.prefix / "bin" / "pip").is_file()
    assert (second.prefix / "share" / "demo" / "data.txt").read_text() == "data"
    assert (second.prefix / "bin" / "demo").is_file()
    # The new runtime's own files are its own, not the cached ones.
    cached_python = first.cache_dir / "uwsgi-buildpack" / "python" / "data" / "bin" / "python3.12"
    new_python = second.prefix / "bin" / "python3.12"
    assert new_python.stat().st_ino != cached_python.stat().st_ino
    assert not (tmp_path / "two" / "outside.txt").exists()
    # Saved again under the new patch release, even though pip did not run.
    slug_step.finish(second, carried, app, packages_step.Packages(META, synced=False), wheel)
    assert "Python and installed packages: cache saved" in capsys.readouterr().out
    assert json.loads(meta_path.read_text())["python"] == "3.12.1"


def test_only_a_patch_release_of_the_same_minor_keeps_the_packages(tmp_path):
    key = python_step.PythonKey(python="3.12.7", stack="heroku-24", arch="amd64")
    stored = {**META.as_dict(), **key.as_dict(), "python": "3.12.1", "format": cache.CACHE_FORMAT}

    def is_patch_change(metadata: dict[str, str]) -> bool:
        # Read back through a real entry, as steps/python.choose reads it.
        entry = cache.CacheEntry(tmp_path, "python")
        entry.data.mkdir(parents=True, exist_ok=True)
        entry.metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
        read = entry.read(python_step.PythonKey), entry.read(python_step.PackagesMeta)
        return python_step.is_patch_change(*read, key)

    assert is_patch_change(stored)
    assert not is_patch_change({**stored, "python": "3.13.1"})
    assert not is_patch_change({**stored, "python": "3.12.7"})  # the same
    assert not is_patch_change({**stored, "stack": "heroku-22"})
    assert not is_patch_change({**stored, "arch": "arm64"})
    assert not is_patch_change({**stored, "format": "0"})
    assert not is_patch_change({**stored, "requirements": ""})
    assert not is_patch_change({k: v for k, v in stored.items() if k != "requirements"})


@pytest.fixture
def listing(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A runtime source on 127.0.0.1 whose SHA256SUMS the test writes (no archives:
    choose reads only the listing). Yields its URL and the SHA256SUMS path."""
    root = tmp_path / "runtimes"
    root.mkdir()
    sums = root / "SHA256SUMS"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", sums
    httpd.shutdown()


def _list(sums: Path, *versions: str) -> None:
    sums.write_text(
        "".join(f"{'0' * 64}  python-{v}-ubuntu-24.04-amd64.tar.zst\n" for v in versions)
    )


def _choose(
    tmp_path: Path, url: str, files: dict[str, str]
) -> tuple[python_step.Choice, BuildContext]:
    ctx = make_ctx(tmp_path, {"PYTHON_RUNTIME_URL": url})
    for name, content in files.items():
        (ctx.build_dir / name).write_text(content)
    return python_step.choose(ctx, app_step.check(ctx)), ctx


def test_choose_reads_the_version_pipfile_lock_records(tmp_path, listing, capsys):
    url, sums = listing
    _list(sums, "3.12.1", "3.13.0")
    lock = {"_meta": {"requires": {"python_version": "3.12"}}, "default": {}}
    choice, ctx = _choose(tmp_path, url, {"Pipfile.lock": json.dumps(lock)})
    assert choice.version == "3.12.1"
    out = capsys.readouterr().out
    assert "Using Python 3.12.1 (from Pipfile.lock's python_version: 3.12)" in out
    assert "python-version::not-specified" not in ctx.report.warnings
    assert ctx.report.data["python_version_origin"] == "Pipfile.lock"


def test_choose_keeps_the_cached_minor_and_warns_that_no_version_is_named(
    tmp_path, listing, capsys
):
    url, sums = listing
    _list(sums, "3.12.0", "3.12.1", "3.13.0")
    ctx = make_ctx(tmp_path)
    entry = cache.CacheEntry(ctx.cache_dir, "python")
    (tmp_path / "prefix").mkdir()
    entry.store_tree(tmp_path / "prefix", python_step.PythonKey("3.12.0", PLAT.stack, PLAT.arch))
    choice, ctx = _choose(tmp_path, url, {"requirements.txt": "six\n"})
    assert choice.version == "3.12.1"
    out = capsys.readouterr().out
    assert (
        "Using Python 3.12.1 (no .python-version, runtime.txt or Pipfile.lock version;"
        " the cached Python 3.12.0 of the last build keeps the app on 3.12)"
    ) in out
    assert " !     Warning: No Python version was specified." in out
    assert " !         3.12\n" in out  # the .python-version to add
    assert ctx.report.warnings[0] == "python-version::not-specified"
    assert ctx.report.data["python_version_origin"] == "cached"


def test_choose_takes_the_newest_inside_requires_python(tmp_path, listing, capsys):
    url, sums = listing
    _list(sums, "3.11.7", "3.12.1", "3.13.0")
    pyproject = '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.11,<3.13"\n'
    choice, ctx = _choose(tmp_path, url, {"pyproject.toml": pyproject})
    assert choice.version == "3.12.1"
    out = capsys.readouterr().out
    assert "the newest supported version inside requires-python >=3.11,<3.13)" in out
    assert ctx.report.warnings[0] == "python-version::not-specified"


def test_choose_refuses_a_version_file_outside_requires_python(tmp_path, listing):
    url, sums = listing
    _list(sums, "3.12.1", "3.13.0")
    pyproject = '[project]\nname = "x"\nversion = "1"\nrequires-python = "<3.13"\n'
    with pytest.raises(errors.BuildError) as caught:
        _choose(tmp_path, url, {"pyproject.toml": pyproject, ".python-version": "3.13\n"})
    assert caught.value.code == "requires-python::mismatch"


def test_choose_refuses_a_requires_python_that_is_not_pep_440(tmp_path, listing):
    url, sums = listing
    _list(sums, "3.12.1")
    pyproject = '[project]\nname = "x"\nversion = "1"\nrequires-python = "^3.12"\n'
    with pytest.raises(errors.BuildError) as caught:
        _choose(tmp_path, url, {"pyproject.toml": pyproject})
    assert caught.value.code == "requires-python::invalid"
    assert "Poetry's or npm's range syntax" in caught.value.body


def test_choose_warns_about_an_end_of_life_minor_with_heroku_s_removal_date(
    tmp_path, listing, capsys
):
    url, sums = listing
    _list(sums, "3.10.13", "3.12.1")
    choice, ctx = _choose(tmp_path, url, {".python-version": "3.10\n"})
    assert choice.version == "3.10.13"  # a warning: the build goes on
    out = capsys.readouterr().out
    assert " !     Warning: Python 3.10 has reached its end of life." in out
    assert "October 2026" in out and "2027-01-06" in out
    assert ctx.report.warnings == ["python-version::deprecated"]


def test_choose_warns_about_a_pinned_patch_older_than_the_newest(tmp_path, listing, capsys):
    url, sums = listing
    _list(sums, "3.12.0", "3.12.1")
    choice, ctx = _choose(tmp_path, url, {"runtime.txt": "python-3.12.0\n"})
    assert choice.version == "3.12.0"
    out = capsys.readouterr().out
    assert " !     Warning: A Python patch update is available." in out
    assert "runtime.txt pins Python 3.12.0, but 3.12.1 is out" in out
    assert "python-version::patch-outdated" in ctx.report.warnings


# --- uwsgi --------------------------------------------------------------------


def test_uwsgi_plan_compiles_what_the_cache_lacks_and_follows_the_app_pin(tmp_path):
    ctx = make_ctx(tmp_path)
    planned = uwsgi_step.plan(ctx, python_result(None).version)
    assert planned.cached is None and planned.reason == "nothing cached yet"
    assert planned.spec.origin == "vendor/uwsgi.txt"
    (ctx.build_dir / "requirements.txt").write_text("uwsgi==2.0.28\n")
    pinned = uwsgi_step.plan(ctx, python_result(None).version)
    assert (pinned.spec.version, pinned.spec.origin) == ("2.0.28", "requirements.txt")
    assert pinned.key.uwsgi == "2.0.28" and pinned.key.python_minor == "3.12"


def _cached_wheel(ctx: BuildContext, python: python_step.Python, tmp_path: Path) -> str:
    """Put a wheel file for the vendored uWSGI into the `uwsgi` cache entry; its sha256."""
    spec = uwsgi_build.vendored(ctx.vendor_dir)
    plugin_set = plugins.decide(ctx.build_dir, ctx.config).name
    key = uwsgi_build.cache_key(spec, python.version, PLAT.stack, PLAT.arch, plugin_set)
    wheel = tmp_path / f"uwsgi-{spec.version}-cp312-cp312-linux_x86_64.whl"
    wheel.write_bytes(b"a wheel")
    sha = uwsgi_build.sha256_of(wheel)
    cache.CacheEntry(ctx.cache_dir, "uwsgi").store_file(
        wheel, {**key.as_dict(), "wheel_sha256": sha}
    )
    return sha


def test_uwsgi_reuses_the_cached_wheel_and_keeps_an_identical_installed_binary(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    sha = _cached_wheel(ctx, python_result(None), tmp_path)
    # The restored prefix already holds this very binary: nothing to install.
    python = python_result(dataclasses.replace(META, uwsgi_wheel_sha256=sha))
    planned = uwsgi_step.plan(ctx, python.version)
    assert planned.cached is not None
    assert uwsgi_step.start(ctx, python.version, planned) is None
    installed = uwsgi_step.install(ctx, python, planned, None)
    assert installed.compiling is None and installed.wheel is not None
    assert installed.wheel.sha256 == sha
    assert uwsgi_step.finish(ctx, python, installed) == installed.wheel
    out = capsys.readouterr().out
    assert "uWSGI 2." in out and ": reusing cached binary (uWSGI " in out
    assert "Installed uWSGI" not in out
    assert ctx.report.caches["uwsgi"].startswith("reused")


def test_uwsgi_finish_waits_on_the_compile_handle(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    sha = _cached_wheel(ctx, python_result(None), tmp_path)
    python = python_result(dataclasses.replace(META, uwsgi_wheel_sha256=sha))
    planned = uwsgi_step.plan(ctx, python.version)
    assert planned.cached is not None
    compiled = planned.cached.path
    how = "uwsgi-2.0.31.tar.gz from an index, sha256 checked, built with uwsgiconfig.py"
    handle = uwsgi_build.BackgroundCompile(lambda: uwsgi_build.Compiled(compiled, how))
    waited = uwsgi_step.finish(ctx, python, uwsgi_step.Uwsgi(planned, None, handle))
    assert waited == uwsgi_step.UwsgiWheel(compiled, sha)
    out = capsys.readouterr().out
    assert "Waiting for the uWSGI compile to finish..." in out
    assert f"({how})" in out  # how the compile went, said in the log
    assert ctx.report.data["uwsgi_source"] == how


# --- lock ---------------------------------------------------------------------


def _uwsgi(tmp_path: Path) -> uwsgi_step.Uwsgi:
    ctx = make_ctx(tmp_path)
    return uwsgi_step.Uwsgi(uwsgi_step.plan(ctx, python_result(None).version), None, None)


def test_lock_is_the_app_file_itself_when_it_pins_hashes(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    txt = ctx.build_dir / "requirements.txt"
    txt.write_text("six==1.16.0 --hash=sha256:" + "0" * 64 + "\n")
    inputs = Inputs("requirements.txt", ("requirements.txt",), True, "0" * 64)
    deps = package_manager.Dependencies(package_manager.PIP, inputs)
    made = lock_step.make(ctx, python_result(None), deps, tmp_path, _uwsgi(tmp_path), tmp_path)
    assert made == lock_step.Lock(txt, frozenset({"six"}))
    assert "hash-checking mode" in capsys.readouterr().out
    assert (
        lock_step.make(ctx, python_result(None), NO_DEPS, tmp_path, _uwsgi(tmp_path), tmp_path)
        is None
    )


def test_lock_cached_for_requirements_in_is_published_into_the_slug(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    stored = tmp_path / "stored"
    stored.mkdir()
    (stored / "requirements.lock").write_text(
        "six==1.16.0\n    # via -r @BUILD_DIR@/requirements.in\n"
    )
    key = lock_step.LockKey(requirements="requirements.in:" + "ab" * 8, python_minor="3.12")
    cache.CacheEntry(ctx.cache_dir, "lock").store_tree(stored, key)
    lock_step.publish_cached(ctx)
    assert (
        ctx.build_dir / "requirements.txt"
    ).read_text() == "six==1.16.0\n    # via -r ./requirements.in\n"
    assert "Warning: requirements.in is not locked." in capsys.readouterr().out
    # The key walks both fields: a new Python minor version means a new lock.
    assert dataclasses.replace(key, python_minor="3.13").changes(key) == ["python_minor"]


def test_the_published_lock_s_notice_is_recorded_in_the_report(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    stored = tmp_path / "stored"
    stored.mkdir()
    (stored / "requirements.lock").write_text("six==1.16.0\n")
    key = lock_step.LockKey(requirements="requirements.in:" + "ab" * 8, python_minor="3.12")
    cache.CacheEntry(ctx.cache_dir, "lock").store_tree(stored, key)
    lock_step.publish_cached(ctx)
    assert ctx.report.warnings == ["requirements::not-locked"]


# --- packages: the warm build's skip-pip decision ----------------------------


def test_nothing_restored_means_a_sync():
    assert packages_step.decide(None, META, "requirements.txt") == packages_step.Decision(
        True, ("nothing installed yet",)
    )


def test_all_inputs_unchanged_skips_pip():
    restored = python_step.Restored((), META)
    assert packages_step.decide(restored, META, "requirements.txt") == packages_step.Decision(
        False, ()
    )


REASONS = {
    "requirements": "requirements.txt changed",
    "tools": "buildpack-installed packages changed",
    "pip_settings": "PIP_* settings changed",
    "buildpack": "buildpack version changed",
    "uwsgi_wheel_sha256": "uWSGI binary changed",
}


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(packages_step.PackagesMeta)])
def test_each_changed_input_syncs_and_says_why(field):
    # Walks the dataclass's fields: a field added later without a reason here fails.
    restored = python_step.Restored((), META)
    wanted = dataclasses.replace(META, **{field: "something else"})
    decision = packages_step.decide(restored, wanted, "requirements.txt")
    assert decision == packages_step.Decision(True, (REASONS[field],))


def test_a_cache_without_the_record_syncs():
    restored = python_step.Restored((), None)
    decision = packages_step.decide(restored, META, "requirements.in")
    assert decision.sync and decision.reasons[0] == "requirements.in changed"


def test_packages_wanted_inputs(tmp_path):
    ctx = make_ctx(tmp_path, PIP_INDEX_URL="https://example.invalid/simple")
    uwsgi = _uwsgi(tmp_path)
    wanted = packages_step.wanted_meta(ctx, INPUTS, {"uwsgi": None}, uwsgi)
    assert wanted.uwsgi_wheel_sha256 == "compiling"
    assert wanted.requirements == "requirements.txt:" + "ab" * 8
    other = dataclasses.replace(ctx, env={**ctx.env, "PIP_CACHE_DIR": "/elsewhere"})
    assert packages_step.wanted_meta(other, INPUTS, {"uwsgi": None}, uwsgi) == wanted
    other = dataclasses.replace(ctx, env={**ctx.env, "PIP_INDEX_URL": "https://x.invalid"})
    assert packages_step.wanted_meta(other, INPUTS, {"uwsgi": None}, uwsgi) != wanted


def test_packages_tools_follow_the_app(tmp_path):
    ctx = make_ctx(tmp_path)
    fallback = EntryPoint("werkzeug.testapp:test_app", "none found", is_fallback=True)
    tools = packages_step.tools_needed(ctx, app_step.App(fallback, "127.0.0.1:1717", NO_DEPS))
    assert sorted(tools) == ["uwsgi", "uwsgitop", "werkzeug"]
    assert tools["uwsgitop"] == ctx.vendor_dir / "uwsgitop.txt"
    assert list(packages_step.tools_needed(ctx, app_step.App(None, None, NO_DEPS))) == ["uwsgi"]


def test_packages_install_runs_no_pip_when_nothing_changed(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "requirements.txt").write_text("six==1.16.0\n")
    app = app_step.App(None, None, package_manager.decide(ctx.build_dir))
    inputs = app.dependencies.inputs
    uwsgi = uwsgi_step.Uwsgi(
        uwsgi_step.plan(ctx, python_result(None).version),
        uwsgi_step.UwsgiWheel(tmp_path / "uwsgi.whl", "f" * 64),
        None,
    )
    wanted = packages_step.wanted_meta(ctx, inputs, packages_step.tools_needed(ctx, app), uwsgi)
    # No Python in the prefix: running pip would fail the test.
    done = packages_step.install(ctx, python_result(wanted), app, uwsgi)
    assert done == packages_step.Packages(wanted, synced=False)
    assert "Installed packages: reusing cache, pip not run (requirements.txt," in (
        capsys.readouterr().out
    )


# --- configure ----------------------------------------------------------------


def test_configure_refuses_an_own_ini_without_port_after_listing_its_warnings(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "uwsgi.ini").write_text("[uwsgi]\nhttp-socket = :8000\nspooler = x\n")
    with pytest.raises(errors.BuildError) as caught:
        configure_step.configure(ctx, app_step.App(None, None, NO_DEPS, own_ini=True))
    assert caught.value.code == "uwsgi-ini::no-port-socket"
    assert "Warning: 'spooler' keeps tasks on the dyno's disk" in capsys.readouterr().out


def test_configure_writes_the_default_ini_and_procfile(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    entry = EntryPoint("wsgi:application", "wsgi.py defines `application`")
    configure_step.configure(ctx, app_step.App(entry, "127.0.0.1:1717", NO_DEPS))
    assert "env = BP_UWSGI_APP=wsgi:application" in (ctx.build_dir / "uwsgi.ini").read_text()
    assert (ctx.build_dir / "Procfile").read_text().startswith("web: uwsgi uwsgi.ini")
    out = capsys.readouterr().out
    assert "UWSGI_STATS is set: uwsgitop is installed" in out
    assert "heroku config:set UWSGI_HARAKIRI=25" in out


def test_configure_records_the_own_ini_s_warnings_even_when_it_refuses_it(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "uwsgi.ini").write_text("[uwsgi]\nhttp-socket = :8000\nspooler = x\n")
    with pytest.raises(errors.BuildError):
        configure_step.configure(ctx, app_step.App(None, None, NO_DEPS, own_ini=True))
    assert "uwsgi-ini::spooler" in ctx.report.warnings
    assert "uwsgi-ini::no-port-socket" not in ctx.report.warnings  # an error, not a warning


def test_configure_records_the_fallback_app_s_warning(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    entry = EntryPoint("werkzeug.testapp:test_app", "no entry point found", is_fallback=True)
    configure_step.configure(ctx, app_step.App(entry, None, NO_DEPS))
    assert ctx.report.warnings == ["entrypoint::fallback"]
    assert "Warning: No WSGI app found; serving werkzeug's test app." in capsys.readouterr().out


# --- slug ---------------------------------------------------------------------


def test_slug_saves_the_prefix_with_one_record_and_writes_the_stats_address(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.prefix / "bin").mkdir(parents=True)
    (ctx.prefix / "include").mkdir()
    python = python_result(None)
    packages = packages_step.Packages(
        dataclasses.replace(META, uwsgi_wheel_sha256="compiling"), True
    )
    wheel = uwsgi_step.UwsgiWheel(tmp_path / "uwsgi.whl", "e" * 64)
    slug_step.finish(ctx, python, app_step.App(None, "localhost:1717", NO_DEPS), packages, wheel)
    assert not (ctx.prefix / "include").exists()
    assert (ctx.build_dir / ".profile.d" / "uwsgi-python.sh").is_file()
    assert (ctx.build_dir / profile.STATS_FILE).read_text() == "localhost:1717\n"
    stored = json.loads((ctx.cache_dir / cache.ROOT_NAME / "python" / "metadata.json").read_text())
    assert stored == {
        "format": cache.CACHE_FORMAT,
        **python.key.as_dict(),
        **META.as_dict(),
        "uwsgi_wheel_sha256": "e" * 64,
    }
    assert "cache saved" in capsys.readouterr().out

    unchanged = python_step.Python(
        "3.12.1",
        "3.12",
        python.key,
        python_step.Restored(
            python_step.fingerprint(ctx.prefix, "3.12"),
            python_step.PackagesMeta.from_stored(stored),
        ),
    )
    slug_step.finish(
        ctx,
        unchanged,
        app_step.App(None, None, NO_DEPS),
        packages_step.Packages(META, False),
        wheel,
    )
    assert "Python and installed packages: cache unchanged" in capsys.readouterr().out


# --- a web process that is not uWSGI --------------------------------------------


def test_configure_says_plainly_when_the_web_process_is_not_uwsgi(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "Procfile").write_text("web: gunicorn mysite.wsgi\n")
    (ctx.build_dir / "static").mkdir()
    (ctx.build_dir / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    entry = EntryPoint("app:app", "app.py defines `app`")
    web = procfile.read(ctx.build_dir)
    configure_step.configure(ctx, app_step.App(entry, None, NO_DEPS, web=web))
    out = capsys.readouterr().out
    assert (
        "The web process runs gunicorn (Procfile: web: gunicorn mysite.wsgi): uwsgi.ini is not"
        " used by it, and static files are not served by uWSGI; the app (whitenoise) or gunicorn"
        " must serve them (/static/)"
    ) in out
    assert "served by uWSGI from" not in out
    assert "the web process does not use it" in out
    assert "UWSGI_HARAKIRI" not in out
    assert (ctx.build_dir / "uwsgi.ini").is_file()


def test_configure_writes_no_ini_for_an_asgi_app_under_its_own_server(tmp_path, capsys):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "Procfile").write_text("web: uvicorn main:app --port $PORT\n")
    entry = EntryPoint("main:app", "main.py defines `app`", asgi=True, framework="FastAPI")
    web = procfile.read(ctx.build_dir)
    configure_step.configure(ctx, app_step.App(entry, None, NO_DEPS, web=web))
    out = capsys.readouterr().out
    assert "No uwsgi.ini written: main:app is an ASGI app (main.py defines `app`; FastAPI)" in out
    assert not (ctx.build_dir / "uwsgi.ini").exists()
    assert "Using the app's own Procfile" in out


def test_procfile_step_refuses_a_program_the_dyno_will_not_have(tmp_path):
    ctx = make_ctx(tmp_path)
    (ctx.build_dir / "Procfile").write_text("web: gunicorn mysite.wsgi\n")
    app = app_step.App(None, None, NO_DEPS, web=procfile.read(ctx.build_dir))
    with pytest.raises(errors.BuildError) as caught:
        procfile_step.check(ctx, app)
    assert caught.value.code == "procfile::program-not-found"
    assert caught.value.title == (
        "The Procfile's web process runs gunicorn, which the dyno will not have."
    )
    assert "gunicorn in requirements.txt" in caught.value.body
    assert "remove the web line from the Procfile" in caught.value.body
    # Installed in the app's Python, it is there.
    bin_dir = ctx.prefix / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "gunicorn").write_text("#!/bin/sh\n")
    (bin_dir / "gunicorn").chmod(0o755)
    procfile_step.check(ctx, app)
