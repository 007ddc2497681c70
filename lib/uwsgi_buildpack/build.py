"""`bin/compile`: the build, step by step.

Order matters:
1. Python, restored from the cache when its key (version, stack, arch) still
   matches, else downloaded, verified and unpacked fresh, with pip from its own
   bundled wheel.
2. uWSGI, from the cached wheel or compiled, and installed before the app's
   requirements so that pip sees it satisfied and never compiles it again.
3. The app's requirements.
4. Default config (uwsgi.ini, Procfile), run-time environment, relocation.
5. The Python prefix saved back to the cache, only if something changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import (
    cache,
    collectstatic,
    dependencies,
    entrypoint,
    env_dir,
    errors,
    hooks,
    output,
    profile,
    python_version,
    relocate,
    runtime,
    static_files,
    uwsgi_build,
    uwsgi_config,
    uwsgi_ini_check,
)

PREFIX_IN_APP = Path(".heroku") / "python"


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


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on") or value.strip().startswith("127.")


def _origin_text(request: python_version.VersionRequest) -> str:
    if request.origin == "default":
        return "no .python-version or runtime.txt; the newest supported version"
    return f"from {request.origin}: {request}"


class Build:
    """One run of bin/compile."""

    def __init__(
        self, build_dir: Path, cache_dir: Path, env_dir_path: Path | None, buildpack_dir: Path
    ) -> None:
        self.build_dir = build_dir
        self.cache_dir = cache_dir
        self.env_dir = env_dir_path
        self.buildpack_dir = buildpack_dir
        self.vendor_dir = buildpack_dir / "vendor"
        self.prefix = build_dir / PREFIX_IN_APP

    def run(self) -> None:
        """Build the app; raise BuildError on anything the user must fix."""
        timer = output.Timer()
        config = env_dir.load(self.env_dir)
        plat = runtime.detect_platform(os.environ.get("STACK"))
        self._check_app()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        cache.clean_leftovers(self.cache_dir)

        build_env = {**os.environ, **config}
        version, minor = self._install_python(config, plat)
        env = dependencies.pip_env(
            runtime.python_env(self.prefix, build_env),
            self.cache_dir / cache.ROOT_NAME / "pip-cache",
        )
        before = self._restored_fingerprint
        hooks.run("pre_compile", self.build_dir, env)
        self._install_uwsgi(version, minor, plat, env)
        self._install_requirements(env)
        if collectstatic.should_run(self.build_dir, self.prefix, minor, config):
            collectstatic.run(self.build_dir, self.prefix, env)
        self._configure(config, minor, env)
        hooks.run("post_compile", self.build_dir, env)
        self._finish(version, minor, plat, before)
        output.step(f"Done in {timer}")

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

    def _install_python(self, config: dict[str, str], plat: runtime.Platform) -> tuple[str, str]:
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

        self.python_cache = cache.CacheEntry(self.cache_dir, "python")
        self.python_key = {"python": version, "stack": plat.stack, "arch": plat.arch}
        reusable, reason = self.python_cache.check(self.python_key)
        self._restored_fingerprint: list[tuple[str, int, int]] | None = None
        self._restored_meta: dict[str, str] = {}
        if reusable:
            output.detail(f"Python and installed packages: reusing cache ({reason})")
            self.prefix.parent.mkdir(parents=True, exist_ok=True)
            cache.copy_tree(self.python_cache.data, self.prefix)
            self._restored_fingerprint = _fingerprint(self.prefix, minor)
            self._restored_meta = self.python_cache.metadata() or {}
        else:
            if reason != "nothing cached yet":
                output.detail(f"Python and installed packages: discarding cache ({reason})")
            output.detail(f"Installing Python {version} from {runtime.archive_name(version, plat)}")
            timer = output.Timer()
            runtime.install(source, version, plat, self.prefix)
            env = runtime.python_env(self.prefix, {**os.environ, **config})
            actual = runtime.python_runtime_version(self.prefix, env)
            if actual != version:
                raise errors.runtime_broken(
                    f"expected Python {version}, the archive holds {actual}"
                )
            runtime.bootstrap_pip(self.prefix, env)
            output.detail(f"Installed Python {version} and pip in {timer}")
        return version, minor

    def _install_uwsgi(
        self, version: str, minor: str, plat: runtime.Platform, env: dict[str, str]
    ) -> None:
        output.step("uWSGI")
        requirements = self.build_dir / "requirements.txt"
        spec = uwsgi_build.choose(self.vendor_dir, requirements)
        if spec.origin != "vendor/uwsgi.txt":
            output.detail(f"Using uWSGI {spec.version}, as pinned in {spec.origin}")
        key = uwsgi_build.cache_key(spec, version, plat.stack, plat.arch)
        entry = cache.CacheEntry(self.cache_dir, "uwsgi")
        wheel, _ = uwsgi_build.ensure_wheel(
            entry, spec, key, self.vendor_dir, self.prefix, minor, env
        )
        self.uwsgi_wheel_sha = uwsgi_build.sha256_of(wheel)
        if self._restored_meta.get("uwsgi_wheel_sha256") != self.uwsgi_wheel_sha:
            dependencies.install_wheel(self.prefix, wheel, env)
            output.detail(f"Installed uWSGI {spec.version} into the app's Python")

    def _install_requirements(self, env: dict[str, str]) -> None:
        requirements = self.build_dir / "requirements.txt"
        if not requirements.is_file():
            return
        output.step("Installing requirements with pip")
        timer = output.Timer()
        dependencies.install_requirements(self.prefix, requirements, self.build_dir, env)
        output.detail(f"Done in {timer}")

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
            if not dependencies.is_installed(self.prefix, minor, "uwsgitop"):
                dependencies.install_locked(self.prefix, self.vendor_dir / "uwsgitop.txt", env)
            output.detail("UWSGI_STATS is set: installed uwsgitop (run it with heroku ps:exec)")

    def _write_default_ini(self, config: dict[str, str], minor: str, env: dict[str, str]) -> None:
        entry = entrypoint.find(self.build_dir, config.get("UWSGI_MODULE", "").strip() or None)
        if entry.is_fallback:
            if not dependencies.is_installed(self.prefix, minor, "werkzeug"):
                dependencies.install_locked(self.prefix, self.vendor_dir / "werkzeug.txt", env)
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
        if before is not None and before == _fingerprint(self.prefix, minor):
            output.detail("Python and installed packages: cache unchanged")
            return
        self.python_cache.store_tree(
            self.prefix, {**self.python_key, "uwsgi_wheel_sha256": self.uwsgi_wheel_sha}
        )
        output.detail("Python and installed packages: cache saved")
