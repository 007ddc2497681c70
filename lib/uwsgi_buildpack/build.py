"""`bin/compile`: the build, step by step.

Order matters:
1. Python, restored from the cache when its key (version, stack, arch) still
   matches, else downloaded, verified and unpacked fresh, with pip from its own
   bundled wheel. The cached prefix includes the installed packages.
2. uWSGI, from the cached wheel or compiled, and installed before the app's
   requirements so that pip sees it satisfied and never compiles it again.
3. The app's dependencies, made to match its requirements exactly (pip-tools).
   When none of their inputs changed since the cached build, pip is not run at
   all: that is most builds, and the reason a warm build takes about a second.
4. Default config (uwsgi.ini, Procfile), run-time environment, relocation.
5. The Python prefix saved back to the cache, only if something changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from . import (
    VERSION,
    cache,
    collectstatic,
    dependencies,
    entrypoint,
    env_dir,
    errors,
    hooks,
    output,
    pip_tools,
    profile,
    python_version,
    relocate,
    report,
    requirements,
    runtime,
    static_files,
    tempdir,
    uwsgi_build,
    uwsgi_config,
    uwsgi_ini_check,
)

PREFIX_IN_APP = Path(".heroku") / "python"

# Locks are cached with the build dir's path (which changes every build) replaced.
_BUILD_DIR_MARK = "@BUILD_DIR@"


def _fingerprint(prefix: Path, minor: str) -> list[tuple[str, int, int]]:
    """Cheap summary of what pip may change: bin/ and site-packages' top level."""
    entries = []
    for directory in (prefix / "bin", prefix / "lib" / f"python{minor}" / "site-packages"):
        if not directory.is_dir():
            continue
        for child in directory.iterdir():
            st = child.lstat()
            entries.append((str(child.relative_to(prefix)), st.st_size, st.st_mtime_ns))
    return sorted(entries)


def _pip_settings_digest(env: dict[str, str]) -> str:
    """A digest of every PIP_* setting (values never leave this function)."""
    digest = hashlib.sha256()
    for name in sorted(n for n in env if n.startswith("PIP_") and n != "PIP_CACHE_DIR"):
        digest.update(f"{name}={env[name]}\0".encode())
    return digest.hexdigest()[:16]


_DEPENDENCY_LABELS = {
    "requirements": "{}",
    "tools": "buildpack-installed packages",
    "pip_settings": "PIP_* settings",
    "buildpack": "buildpack version",
    "uwsgi_wheel_sha256": "uWSGI binary",
}


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on") or value.strip().startswith("127.")


def _origin_text(request: python_version.VersionRequest) -> str:
    if request.origin == "default":
        return "no .python-version or runtime.txt; the newest supported version"
    return f"from {request.origin}: {request}"


class Build:
    """One run of bin/compile."""

    def __init__(
        self,
        build_dir: Path,
        cache_dir: Path,
        env_dir_path: Path | None,
        buildpack_dir: Path,
        *,
        test_mode: bool = False,
    ) -> None:
        self.build_dir = build_dir
        self.cache_dir = cache_dir
        self.env_dir = env_dir_path
        self.buildpack_dir = buildpack_dir
        self.vendor_dir = buildpack_dir / "vendor"
        self.prefix = build_dir / PREFIX_IN_APP
        self.test_mode = test_mode
        self.report = report.BuildReport(cache_dir)
        self.deps_changed = False
        # The runtime's bundled pip, unpacked, while a fresh runtime has none yet.
        self._pip_dir: tempfile.TemporaryDirectory[str] | None = None

    def run(self) -> None:
        """Build the app; raise BuildError on anything the user must fix."""
        temp = tempdir.BuildTempDir()
        try:
            self._run()
        except BaseException as exc:
            output.stop_running_commands()
            self.report.failed(exc)
            raise
        finally:
            self.report.save()
            if self._pip_dir is not None:
                self._pip_dir.cleanup()
            temp.close()

    def _run(self) -> None:
        timer = output.Timer()
        self.report.startup(os.environ.get("UWSGI_BP_STARTED_AT", ""))
        config = env_dir.load(self.env_dir)
        plat = runtime.detect_platform(os.environ.get("STACK"))
        self._check_app()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        cache.clean_leftovers(self.cache_dir)
        self.report.set("stack", plat.stack)
        self.report.set("arch", plat.arch)

        build_env = {**os.environ, **config}
        env = dependencies.pip_env(
            runtime.python_env(self.prefix, build_env),
            self.cache_dir / cache.ROOT_NAME / "pip-cache",
        )
        self.uwsgi_compile: uwsgi_build.BackgroundCompile | None = None
        with self.report.timed("python"):
            version, minor = self._install_python(config, plat, env)
        before = self._restored_fingerprint
        with self.report.timed("pre_compile"):
            hooks.run("pre_compile", self.build_dir, env)
        with self.report.timed("uwsgi"):
            self._install_uwsgi(version, minor, plat, env)
        with self.report.timed("dependencies"):
            try:
                self._install_dependencies(config, version, minor, env)
            except errors.BuildError:
                # An app pinning a uWSGI that does not exist fails both here
                # and in the compile; the compile's message is the precise one.
                if self.uwsgi_compile is not None:
                    compile_error = self.uwsgi_compile.error_within(15)
                    if isinstance(compile_error, errors.BuildError):
                        raise compile_error from None
                raise
        with self.report.timed("uwsgi_compile_wait"):
            self._finish_uwsgi(env)
        with self.report.timed("collectstatic"):
            if collectstatic.should_run(self.build_dir, self.prefix, minor, config):
                collectstatic.run(self.build_dir, self.prefix, env)
        with self.report.timed("configure"):
            self._configure(config, minor, env)
        with self.report.timed("post_compile"):
            hooks.run("post_compile", self.build_dir, env)
        with self.report.timed("finish"):
            self._finish(version, minor, plat, before)
        self.report.set("duration_seconds", round(timer.elapsed + self.report.startup_seconds, 3))
        output.detail(f"Step timings: {self.report.timings_text()}")
        output.step(f"Done in {timer.elapsed + self.report.startup_seconds:.1f}s")

    # -- steps ---------------------------------------------------------------

    def _check_app(self) -> None:
        if self.prefix.exists() or self.prefix.is_symlink():
            raise errors.committed_runtime(str(PREFIX_IN_APP))
        # A virtualenv committed with the app holds absolute paths of the
        # developer's machine and binaries for another OS: it never works on a
        # dyno, and silently shadows the packages the build installs.
        venvs = sorted(self.build_dir.glob("*/pyvenv.cfg"))
        if venvs:
            raise errors.committed_virtualenv(venvs[0].parent.name)

    def _install_python(
        self, config: dict[str, str], plat: runtime.Platform, env: dict[str, str]
    ) -> tuple[str, str]:
        request = python_version.read_requested_version(self.build_dir)
        base_url = (
            config.get("PYTHON_RUNTIME_URL")
            or os.environ.get("PYTHON_RUNTIME_URL")
            or runtime.DEFAULT_RUNTIME_URL
        )
        output.step("Python")
        source = runtime.open_source(base_url)
        version, request = python_version.resolve(request, source.available(plat))
        minor = ".".join(version.split(".")[:2])
        output.detail(f"Using Python {version} ({_origin_text(request)})")
        self.report.set("python_version", version)
        self.report.set("python_version_origin", request.origin)
        self.report.set("python_version_requested", str(request))

        self.python_cache = cache.CacheEntry(self.cache_dir, "python")
        self.python_key = {"python": version, "stack": plat.stack, "arch": plat.arch}
        reusable, reason = self.python_cache.check(self.python_key)
        self._restored_fingerprint: list[tuple[str, int, int]] | None = None
        self._restored_meta: dict[str, str] = {}
        if reusable:
            output.detail(f"Python and installed packages: reusing cache ({reason})")
            self.report.cache("python", "reused", reason)
            self.prefix.parent.mkdir(parents=True, exist_ok=True)
            cache.link_tree(self.python_cache.data, self.prefix)
            self._restored_fingerprint = _fingerprint(self.prefix, minor)
            self._restored_meta = self.python_cache.metadata() or {}
        else:
            if reason != "nothing cached yet":
                output.detail(f"Python and installed packages: discarding cache ({reason})")
            self.report.cache(
                "python", "discarded" if reason != "nothing cached yet" else "empty", reason
            )
            output.detail(f"Installing Python {version} from {runtime.archive_name(version, plat)}")
            timer = output.Timer()
            runtime.install(source, version, plat, self.prefix)
            actual = runtime.python_runtime_version(self.prefix, env)
            if actual != version:
                raise errors.runtime_broken(
                    f"expected Python {version}, the archive holds {actual}"
                )
            # The compile is the longest part of a cold build: start it as soon
            # as there is a Python to compile against, before pip is installed.
            # Not when a bin/pre_compile hook is yet to run: it may change the
            # uwsgi pin in requirements.txt.
            self._pip_dir = tempfile.TemporaryDirectory(prefix="uwsgi-bp-pip-")
            pip = runtime.unpack_bundled_pip(self.prefix, Path(self._pip_dir.name), env)
            if not (self.build_dir / "bin" / "pre_compile").is_file():
                self._plan_uwsgi(version, minor, plat)
                self._start_compile(minor, env, pip)
            runtime.bootstrap_pip(self.prefix, env, pip)
            output.detail(f"Installed Python {version} and pip in {timer}")
        return version, minor

    def _plan_uwsgi(self, version: str, minor: str, plat: runtime.Platform) -> None:
        """Decide which uWSGI the app gets, and whether the cache already has it."""
        requirements = self.build_dir / "requirements.txt"
        self.uwsgi_spec = uwsgi_build.choose(self.vendor_dir, requirements)
        self.uwsgi_key = uwsgi_build.cache_key(self.uwsgi_spec, version, plat.stack, plat.arch)
        self.uwsgi_entry = cache.CacheEntry(self.cache_dir, "uwsgi")
        self.uwsgi_cached, self.uwsgi_reason = uwsgi_build.cached_wheel(
            self.uwsgi_entry, self.uwsgi_key
        )

    def _start_compile(self, minor: str, env: dict[str, str], pip: list[str] | None) -> None:
        """Start compiling uWSGI in the background, unless the cache has it.

        `pip` runs pip if the app's own is not installed yet.
        """
        if self.uwsgi_cached is not None or self.uwsgi_compile is not None:
            return
        entry, spec, key = self.uwsgi_entry, self.uwsgi_spec, self.uwsgi_key
        self.uwsgi_compile = uwsgi_build.BackgroundCompile(
            lambda: uwsgi_build.compile_and_store(
                entry,
                spec,
                key,
                self.vendor_dir,
                self.prefix,
                minor,
                env,
                pip,
            )
        )

    def _install_uwsgi(
        self, version: str, minor: str, plat: runtime.Platform, env: dict[str, str]
    ) -> None:
        output.step("uWSGI")
        if not hasattr(self, "uwsgi_spec"):
            self._plan_uwsgi(version, minor, plat)
        spec = self.uwsgi_spec
        if spec.origin != "vendor/uwsgi.txt":
            output.detail(f"Using uWSGI {spec.version}, as pinned in {spec.origin}")
        self.report.set("uwsgi_version", spec.version)
        if self.uwsgi_cached is not None:
            output.detail(f"uWSGI {spec.version}: reusing cached binary ({self.uwsgi_reason})")
            self.report.cache("uwsgi", "reused", self.uwsgi_reason)
            self._use_uwsgi_wheel(self.uwsgi_cached, env)
            return
        output.detail(f"uWSGI {spec.version}: compiling ({self.uwsgi_reason})")
        output.detail(
            f"Compiling on {uwsgi_build.cpu_count()} cores, while the app's dependencies install"
        )
        self.report.cache("uwsgi", "compiled", self.uwsgi_reason)
        self._start_compile(minor, env, None)

    def _finish_uwsgi(self, env: dict[str, str]) -> None:
        """Wait for a background compile, if one runs, and install its wheel."""
        if self.uwsgi_compile is None:
            return
        output.step("uWSGI")
        output.detail("Waiting for the uWSGI compile to finish...")
        wheel = self.uwsgi_compile.wait()
        output.detail(f"Compiled uWSGI {self.uwsgi_spec.version} in {self.uwsgi_compile.timer}")
        self.uwsgi_compile = None
        self._use_uwsgi_wheel(wheel, env)

    def _use_uwsgi_wheel(self, wheel: Path, env: dict[str, str]) -> None:
        self.uwsgi_wheel = wheel
        self.uwsgi_wheel_sha = uwsgi_build.sha256_of(wheel)
        if self._restored_meta.get("uwsgi_wheel_sha256") != self.uwsgi_wheel_sha:
            dependencies.install_wheel(self.prefix, wheel, env)
            output.detail(f"Installed uWSGI {self.uwsgi_spec.version} into the app's Python")

    def _tools_needed(self, config: dict[str, str], minor: str) -> dict[str, Path | None]:
        """Packages the buildpack itself puts into the app's Python: name -> vendor lock.

        uWSGI always (installed from its own wheel, hence no lock); werkzeug for
        the fallback page when the app has no entry point; uwsgitop for
        UWSGI_STATS. The app's lock wins for any of these it pins itself.
        """
        tools: dict[str, Path | None] = {"uwsgi": None}
        if not (self.build_dir / "uwsgi.ini").is_file():
            entry = entrypoint.find(
                self.build_dir, config.get("UWSGI_MODULE", "").strip() or None, config
            )
            if entry.is_fallback:
                tools["werkzeug"] = self.vendor_dir / "werkzeug.txt"
        if _truthy(config.get("UWSGI_STATS", "")):
            tools["uwsgitop"] = self.vendor_dir / "uwsgitop.txt"
        return tools

    def _dependency_key(
        self, inputs: requirements.Inputs, tools: dict[str, Path | None], env: dict[str, str]
    ) -> dict[str, str]:
        vendor = hashlib.sha256()
        for lock in sorted(self.vendor_dir.glob("*.txt")):
            vendor.update(lock.read_bytes())
        return {
            "requirements": f"{inputs.kind}:{inputs.digest[:16]}",
            "tools": ",".join(sorted(tools)),
            "pip_settings": _pip_settings_digest(env),
            "buildpack": f"{VERSION}:{vendor.hexdigest()[:12]}",
            # Not known yet while uWSGI compiles: then the packages are synced.
            "uwsgi_wheel_sha256": getattr(self, "uwsgi_wheel_sha", "compiling"),
        }

    def _dependency_changes(self, key: dict[str, str], inputs: requirements.Inputs) -> list[str]:
        if self._restored_fingerprint is None:
            return []
        changes = []
        for name, value in key.items():
            if self._restored_meta.get(f"deps_{name}") != value:
                label = _DEPENDENCY_LABELS[name].format(
                    inputs.main if inputs.kind != "none" else "requirements"
                )
                changes.append(f"{label} changed")
        return changes

    def _install_dependencies(
        self, config: dict[str, str], version: str, minor: str, env: dict[str, str]
    ) -> None:
        inputs = requirements.find(self.build_dir, include_test=self.test_mode)
        tools = self._tools_needed(config, minor)
        self.dependency_key = self._dependency_key(inputs, tools, env)
        self.report.set("dependencies_from", inputs.main if inputs.kind != "none" else "none")
        output.step(
            f"Installing dependencies{'' if inputs.kind == 'none' else ' from ' + inputs.main}"
        )
        changes = self._dependency_changes(self.dependency_key, inputs)
        if self._restored_fingerprint is not None and not changes:
            output.detail(
                "Installed packages: reusing cache, pip not run"
                f" ({', '.join(inputs.files) or 'no requirements'}, uWSGI, PIP_* settings"
                " and buildpack unchanged)"
            )
            self.report.cache("packages", "reused", "inputs unchanged")
            if inputs.kind == requirements.IN:
                self._publish_cached_lock()
            if inputs.kind == "project":
                self._install_project(env)
            return
        why = ", ".join(changes) if changes else "nothing installed yet"
        output.detail(f"Installed packages: syncing ({why})")
        self.report.cache("packages", "synced", why)
        timer = output.Timer()
        python = self.prefix / "bin" / "python3"
        tools_dir = pip_tools.ensure(self.cache_dir, self.vendor_dir, python, minor, env)
        cleanup: list[Path] = []
        with tempfile.TemporaryDirectory(prefix="uwsgi-bp-deps-") as tmp:
            try:
                self._sync(inputs, tools, tools_dir, version, minor, env, Path(tmp), cleanup)
            finally:
                for path in cleanup:
                    path.unlink(missing_ok=True)
        if inputs.kind == "project":
            self._install_project(env)
        if self.test_mode and (self.build_dir / requirements.TEST).is_file():
            dependencies.install_requirements(
                self.prefix, self.build_dir / requirements.TEST, self.build_dir, env
            )
        site = self.prefix / "lib" / f"python{minor}" / "site-packages"
        relocate.make_editables_relative(site, self.build_dir)
        self.deps_changed = True
        output.detail(f"Installed packages synced in {timer}")

    def _sync(
        self,
        inputs: requirements.Inputs,
        tools: dict[str, Path | None],
        tools_dir: Path,
        version: str,
        minor: str,
        env: dict[str, str],
        scratch: Path,
        cleanup: list[Path],
    ) -> None:
        """pip-sync the app's Python to its lock plus the buildpack's own packages."""
        lock = self._lock(inputs, tools_dir, version, env, scratch)
        compiling = self.uwsgi_compile is not None
        if lock and compiling:
            # uWSGI is still compiling: sync everything else now and install it
            # afterwards, instead of letting pip compile it a second time. The
            # copy sits beside the original, so that its relative includes
            # (-r base.txt) still resolve; it is removed right after.
            lock = requirements.without(lock, "uwsgi", lock.with_name(f".{lock.name}.nouwsgi"))
            cleanup.append(lock)
        locked = requirements.pinned_names(lock) if lock else set()
        pins = [] if compiling or "uwsgi" in locked else [f"uwsgi=={self.uwsgi_spec.version}"]
        for name, vendor_lock in tools.items():
            if vendor_lock is None or name in locked:
                continue
            if not dependencies.is_installed(self.prefix, minor, name):
                dependencies.install_locked(self.prefix, vendor_lock, env)
            # pip turns hash-checking on for a whole install as soon as one line
            # has a hash: keep our pins in the same mode as the app's.
            for pin in requirements_pins(vendor_lock, with_hashes=inputs.hashed):
                if requirements.normalise(pin.split("==")[0]) not in locked:
                    pins.append(pin)
        keep = scratch / "buildpack-packages.txt"
        keep.write_text("".join(f"{pin}\n" for pin in pins), encoding="utf-8")
        files = [lock, keep] if lock else [keep]
        # A cache written by an earlier version of the buildpack may still hold
        # pip's record that pip and uWSGI came from wheel files, which would
        # make pip-sync uninstall both (see runtime.forget_wheel_origin).
        for project in ("pip", "uwsgi"):
            runtime.forget_wheel_origin(self.prefix, project)
        python = self.prefix / "bin" / "python3"
        pip_tools.sync(tools_dir, python, self.build_dir, files, env, inputs.main)

    def _lock(
        self,
        inputs: requirements.Inputs,
        tools_dir: Path,
        version: str,
        env: dict[str, str],
        scratch: Path,
    ) -> Path | None:
        """The lock to sync to: a hash-pinned requirements.txt itself, else pip-compile's."""
        if inputs.kind == "none":
            return None
        if inputs.kind == requirements.TXT and (self.build_dir / requirements.IN).is_file():
            problems = requirements.lock_disagreements(
                self.prefix / "bin" / "python3", self.build_dir, env
            )
            if problems:
                output.warning(*errors.lock_outdated_warning(problems))
        if inputs.hashed:
            output.detail("requirements.txt pins hashes: installing in pip's hash-checking mode")
            return self.build_dir / requirements.TXT
        source = inputs.main
        lock = scratch / "requirements.lock"
        entry = cache.CacheEntry(self.cache_dir, "lock")
        key = {"requirements": f"{inputs.kind}:{inputs.digest[:16]}", "python": version}
        reusable, reason = entry.check(key)
        stored = (entry.metadata() or {}).get("requirements", "")
        if not reusable and stored and stored != key["requirements"]:
            reason = f"{source} changed"
        if reusable and self._restore_lock(entry, lock):
            output.detail(f"Lock of {source}: reusing cache ({source} unchanged)")
            self.report.cache("lock", "reused", f"{source} unchanged")
        else:
            # The previous lock is pip-compile's starting point: requirements
            # that did not change keep their pins instead of drifting.
            self._restore_lock(entry, lock)
            output.detail(f"Locking {source} with pip-compile ({reason})")
            self.report.cache("lock", "compiled", reason)
            # While uWSGI compiles, pip-compile would prepare its metadata from
            # the sdist too (an isolated build environment, seconds of CPU next
            # to the compiler). uWSGI has no dependencies, so the app's own pin
            # is taken out of the input and written back into the lock.
            compile_source = source
            filtered = self.build_dir / f".{source}.nouwsgi"
            original = (self.build_dir / source).read_text(encoding="utf-8", errors="replace")
            if self.uwsgi_compile is not None and inputs.kind in (
                requirements.TXT,
                requirements.IN,
            ):
                requirements.without(self.build_dir / source, "uwsgi", filtered)
                if filtered.read_text(encoding="utf-8") != original:
                    compile_source = filtered.name
            try:
                pip_tools.compile_lock(
                    tools_dir,
                    self.prefix / "bin" / "python3",
                    self.build_dir,
                    compile_source,
                    lock,
                    self._compile_env(env),
                    self.cache_dir / cache.ROOT_NAME / "pip-cache" / "pip-tools",
                )
            finally:
                filtered.unlink(missing_ok=True)
            if compile_source != source:
                text = lock.read_text(encoding="utf-8").replace(compile_source, source)
                pin = f"uwsgi=={self.uwsgi_spec.version}\n    # via -r {source}\n"
                lock.write_text(text + pin, encoding="utf-8")
            text = lock.read_text(encoding="utf-8").replace(str(self.build_dir), _BUILD_DIR_MARK)
            with tempfile.TemporaryDirectory(prefix="uwsgi-bp-lock-") as tmp:
                (Path(tmp) / "requirements.lock").write_text(text, encoding="utf-8")
                entry.store_tree(Path(tmp), key)
        pins = requirements.pinned_names(lock)
        output.detail(f"Locked {len(pins)} packages")
        if inputs.kind == requirements.IN:
            self._publish_lock(lock, len(pins))
        return lock

    def _publish_cached_lock(self) -> None:
        entry = cache.CacheEntry(self.cache_dir, "lock")
        with tempfile.TemporaryDirectory(prefix="uwsgi-bp-lock-") as tmp:
            lock = Path(tmp) / "requirements.lock"
            if self._restore_lock(entry, lock):
                self._publish_lock(lock, len(requirements.pinned_names(lock)))

    def _restore_lock(self, entry: cache.CacheEntry, lock: Path) -> bool:
        stored = entry.data / "requirements.lock"
        if not stored.is_file() or entry.metadata() is None:
            return False
        text = stored.read_text(encoding="utf-8").replace(_BUILD_DIR_MARK, str(self.build_dir))
        lock.write_text(text, encoding="utf-8")
        return True

    def _compile_env(self, env: dict[str, str]) -> dict[str, str]:
        """pip-compile's environment: it also finds the uWSGI wheel built above.

        pip-compile needs every package's metadata. For uWSGI, an sdist, that
        means building it in an isolated environment: seconds, and a download of
        setuptools. The wheel we just built (or reused) carries the same metadata.
        """
        wheel = getattr(self, "uwsgi_wheel", None)
        if wheel is None:
            return env
        links = [env.get("PIP_FIND_LINKS", ""), str(wheel.parent)]
        return {**env, "PIP_FIND_LINKS": " ".join(link for link in links if link)}

    def _publish_lock(self, lock: Path, pins: int) -> None:
        """An app with only requirements.in: say so, and leave the lock in the slug."""
        output.warning(*errors.lock_generated_notice(pins))
        text = lock.read_text(encoding="utf-8").replace(str(self.build_dir), ".")
        (self.build_dir / requirements.TXT).write_text(text, encoding="utf-8")

    def _install_project(self, env: dict[str, str]) -> None:
        """`pip install .`: the project's own code changes with every push, so this always runs."""
        timer = output.Timer()
        dependencies.install_project(self.prefix, self.build_dir, env)
        output.detail(f"Installed the project itself (pip install .) in {timer}")

    def _configure(self, config: dict[str, str], minor: str, env: dict[str, str]) -> None:
        output.step("Configuring uWSGI")
        own_ini = self.build_dir / "uwsgi.ini"
        if own_ini.is_file():
            output.detail("Using the app's own uwsgi.ini")
            self._check_own_ini(own_ini)
        else:
            self._write_default_ini(config, minor, env)
        if (self.build_dir / "Procfile").is_file():
            output.detail("Using the app's own Procfile")
        else:
            uwsgi_config.write_default_procfile(self.build_dir)
            output.detail(f"Wrote a default Procfile: web: {uwsgi_config.PROCFILE_WEB}")
        if _truthy(config.get("UWSGI_STATS", "")):
            output.detail("UWSGI_STATS is set: uwsgitop is installed (run it with heroku ps:exec)")

    def _write_default_ini(self, config: dict[str, str], minor: str, env: dict[str, str]) -> None:
        entry = entrypoint.find(
            self.build_dir, config.get("UWSGI_MODULE", "").strip() or None, config
        )
        if entry.is_fallback:
            output.warning(*errors.fallback_app_warning())
        statics = static_files.find(self.build_dir)
        uwsgi_config.write_default_ini(self.build_dir, entry, statics)
        output.detail(f"Wrote a default uwsgi.ini serving {entry.module} ({entry.reason})")
        for mapping in statics:
            output.detail(
                f"Static files: {mapping.url}/ served by uWSGI from {mapping.directory}/"
                f" ({mapping.reason})"
            )
        if not config.get("UWSGI_HARAKIRI", "").strip():
            output.detail(errors.harakiri_recommendation())

    def _check_own_ini(self, path: Path) -> None:
        findings = uwsgi_ini_check.check(uwsgi_ini_check.parse(path, self.build_dir), path.name)
        # Warnings and hints first, so that a failing build still lists them all.
        for finding in findings:
            if finding.severity == "warning":
                output.warning(finding.title, finding.body)
            elif finding.severity == "hint":
                output.detail(f"Hint: {finding.title}")
                output.detail(finding.body)
        problems = [f for f in findings if f.severity == "error"]
        if problems:
            raise errors.uwsgi_ini_errors(problems)

    def _finish(
        self,
        version: str,
        minor: str,
        plat: runtime.Platform,
        before: list[tuple[str, int, int]] | None,
    ) -> None:
        relocate.rewrite_shebangs(self.prefix)
        profile.write_profile_d(self.build_dir)
        profile.write_export(self.buildpack_dir, self.build_dir)
        if (
            not self.deps_changed
            and before is not None
            and before == _fingerprint(self.prefix, minor)
        ):
            output.detail("Python and installed packages: cache unchanged")
        else:
            deps = {f"deps_{name}": value for name, value in self.dependency_key.items()}
            deps["deps_uwsgi_wheel_sha256"] = self.uwsgi_wheel_sha
            self.python_cache.store_tree(
                self.prefix,
                {**self.python_key, "uwsgi_wheel_sha256": self.uwsgi_wheel_sha, **deps},
                link=True,
            )
            output.detail("Python and installed packages: cache saved")
        self._trim_slug()

    def _trim_slug(self) -> None:
        """Leave out of the slug what only a build needs (the cache keeps it).

        C headers (`include/`) serve compilers, and the run image has none; pip
        itself stays, so `heroku run pip ...` works. The build cache keeps its
        own copy (removing the build dir's hard links leaves it intact), so the
        next build can still compile extensions.
        """
        shutil.rmtree(self.prefix / "include", ignore_errors=True)


def requirements_pins(lock: Path, *, with_hashes: bool) -> list[str]:
    """`name==version` lines of a vendored lock, with their `--hash` options if asked."""
    pins = []
    for _, line in requirements.logical_lines(lock.read_text(encoding="utf-8")):
        first = line.split()[0]
        if "==" in first:
            pins.append(line if with_hashes else first)
    return pins
