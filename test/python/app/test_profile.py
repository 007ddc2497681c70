"""The .profile.d script: a shell file of the buildpack's, copied into the slug as it is.

test_stats.py covers the one thing a build decides for it (the stats address);
the shunit2 suites (dyno_lifecycle_test.sh) boot real dynos with it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
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


def _boot(slug: Path, env: dict[str, str], shell: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """(the environment, stderr) after `shell` sourced the .profile.d script of `slug`."""
    path = slug / ".profile.d" / profile.PROFILE_NAME
    done = subprocess.run(
        [*shell, "-c", f'. "{path}"; env -0'],
        env={"HOME": str(slug), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        check=True,
    )
    pairs = (item.split("=", 1) for item in done.stdout.decode().split("\0") if item)
    return dict(pairs), done.stderr.decode()


# How a dyno sources it: plain, and under the strictest settings a script
# that sources .profile.d itself may have.
SHELLS = [("bash",), ("bash", "-u"), ("bash", "-euo", "pipefail")]


def _default_config_slug(tmp_path: Path) -> Path:
    """A slug whose web process is the default uwsgi.ini (its wrapper is there)."""
    profile.write_profile_d(tmp_path)
    uwsgi_config.write_default_ini(tmp_path, EntryPoint("wsgi:application", "test"), [])
    return tmp_path


@pytest.mark.parametrize("shell", SHELLS)
def test_numbers_are_read_as_decimal_numbers(tmp_path, shell):
    slug = _default_config_slug(tmp_path)
    env, stderr = _boot(
        slug,
        {"CHUNKED_BODY_LIMIT_MB": "0999", "WEB_CONCURRENCY": "08", "UWSGI_THREADS": "010"},
        shell,
    )
    assert stderr == ""
    assert env["BP_UWSGI_BODY_LIMIT"] == str(999 * 1048576)
    assert (env["BP_UWSGI_PROCESSES"], env["WEB_CONCURRENCY"]) == ("8", "8")
    assert env["BP_UWSGI_THREADS"] == "10"
    assert "x 10 threads" in env["BP_UWSGI_SIZING"]


BAD_NUMBERS = [
    ("WEB_CONCURRENCY", "abc", "a whole number from 1 to 1024"),
    ("WEB_CONCURRENCY", "0", "a whole number from 1 to 1024"),
    ("WEB_CONCURRENCY", "-2", "a whole number from 1 to 1024"),
    ("UWSGI_THREADS", "abc", "a whole number from 1 to 256"),
    ("UWSGI_THREADS", "4 threads", "a whole number from 1 to 256"),
    ("UWSGI_LISTEN", "99999999999999999999", "a whole number from 1 to 65535"),
    ("CHUNKED_BODY_LIMIT_MB", "99999999999999", "a whole number from 1 to 102400"),
    ("CHUNKED_BODY_LIMIT_MB", "1e3", "a whole number from 1 to 102400"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_NUMBERS)
@pytest.mark.parametrize("shell", SHELLS)
def test_a_number_of_another_form_gives_one_line_and_the_default(
    tmp_path, shell, name, value, expected
):
    slug = _default_config_slug(tmp_path)
    default, _ = _boot(slug, {}, shell)
    env, stderr = _boot(slug, {name: value}, shell)
    assert stderr.startswith(f'uwsgi-buildpack: {name}="{value}" is not {expected} (')
    assert stderr.count("\n") == 1
    for computed in ("BP_UWSGI_PROCESSES", "BP_UWSGI_THREADS", "BP_UWSGI_LISTEN"):
        assert env[computed] == default[computed]
    assert env["BP_UWSGI_BODY_LIMIT"] == str(100 * 1048576)
    assert env["BP_UWSGI_SIZING"] == default["BP_UWSGI_SIZING"]


EXEC = "@(exec://touch {marker})"


OWNED = ["WEB_CONCURRENCY", "UWSGI_THREADS", "UWSGI_LISTEN", "UWSGI_MODULE"]


@pytest.mark.parametrize("name", OWNED)
def test_what_the_default_ini_reads_is_never_a_config_vars_text(tmp_path, name):
    slug = _default_config_slug(tmp_path)
    value = EXEC.format(marker=tmp_path / "marker")
    env, stderr = _boot(slug, {name: value}, ("bash",))
    assert stderr.startswith(f"uwsgi-buildpack: {name}=")
    assert [k for k, v in env.items() if "@(" in v] == []
    # Owned, checked, and kept out of uWSGI's own reading of UWSGI_* variables.
    assert not {"UWSGI_THREADS", "UWSGI_LISTEN", "UWSGI_MODULE", "UWSGI_STATS"} & set(env)


def test_bp_uwsgi_values_come_from_the_profile_only(tmp_path):
    slug = _default_config_slug(tmp_path)
    planted = {
        "BP_UWSGI_RELOAD_ON_RSS": "@(exec://touch x)",
        "BP_UWSGI_APP": "@(exec://touch x)",
        "BP_UWSGI_STATS": "0.0.0.0:1717",
    }
    env, _ = _boot(slug, planted, ("bash",))
    assert not set(planted) & set(env)


def test_an_own_uwsgi_ini_gets_the_uwsgi_variables_as_uwsgi_options(tmp_path):
    # Without the default ini's wrapper, uWSGI's reading of UWSGI_* is the
    # app's to use (checked values only).
    profile.write_profile_d(tmp_path)
    env, stderr = _boot(tmp_path, {"UWSGI_THREADS": "2", "UWSGI_MODULE": "app:app"}, ("bash",))
    assert (env["UWSGI_THREADS"], env["UWSGI_MODULE"], stderr) == ("2", "app:app", "")
