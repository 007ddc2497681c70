"""The .profile.d script: a shell file of the buildpack's, copied into the slug as it is.

test_stats.py covers the one thing a build decides for it (the stats address);
the shunit2 suites (dyno_lifecycle_test.sh) boot real dynos with it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from uwsgi_buildpack.app import default_config as uwsgi_config
from uwsgi_buildpack.app import profile
from uwsgi_buildpack.app.entrypoint import EntryPoint
from uwsgi_buildpack.dyno import wsgi

DYNO = Path(__file__).resolve().parents[3] / "lib" / "uwsgi_buildpack" / "dyno"


def _sourced(slug: Path, script: str, env: dict[str, str]) -> str:
    """What `script` prints after bash sourced the .profile.d script of `slug`."""
    path = slug / ".profile.d" / profile.PROFILE_NAME
    return subprocess.run(
        ["bash", "-c", f'. "{path}"; {script}'],
        env={"HOME": str(slug), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_profile_is_copied_as_it_is(tmp_path):
    written = profile.write_profile_d(tmp_path, "127.0.0.1:1717")
    assert written.read_bytes() == (DYNO / "profile.sh").read_bytes()
    assert written.stat().st_mode & 0o777 == 0o644


def test_the_profile_the_ini_and_the_wrapper_default_to_the_same_body_limit(tmp_path):
    # The profile's default, the ini's chunked-input-limit for a dyno without
    # .profile.d, and the wrapper's own fallback: one number.
    profile.write_profile_d(tmp_path)
    limit = uwsgi_config.DEFAULT_BODY_LIMIT_MB * 1024 * 1024
    script = 'echo "$BP_UWSGI_BODY_LIMIT"'
    assert _sourced(tmp_path, script, {}) == str(limit)
    assert _sourced(tmp_path, script, {"CHUNKED_BODY_LIMIT_MB": "5"}) == str(5 * 1024 * 1024)
    assert limit == wsgi.DEFAULT_LIMIT
    ini = uwsgi_config.render_default_ini(EntryPoint("wsgi:application", "test"), [])
    assert f"chunked-input-limit = {limit}\n" in ini


def test_sizing_is_computed_from_the_dyno_and_config_vars_win(tmp_path):
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    (cgroup / "memory.max").write_text(f"{1024 * 1048576}\n")
    profile.write_profile_d(tmp_path)
    script = 'echo "$WEB_CONCURRENCY $BP_UWSGI_THREADS $BP_UWSGI_RELOAD_ON_RSS"'
    env = {"BP_UWSGI_CGROUP_ROOT": str(cgroup)}
    cpus = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    # One process per 256 MB, at most two per CPU; 4 threads each.
    workers = min(4, 2 * cpus)
    assert _sourced(tmp_path, script, env) == f"{workers} 4 {1024 * 3 // 4 // workers}"
    env |= {"WEB_CONCURRENCY": "3", "UWSGI_THREADS": "1"}
    assert _sourced(tmp_path, script, env) == f"3 1 {1024 * 3 // 4 // 3}"
