"""The .profile.d script: a shell file of the buildpack's, copied into the slug as it is.

test_stats.py covers the one thing a build decides for it (the stats address);
the shunit2 suites (dyno_lifecycle_test.sh) boot real dynos with it.
"""

from __future__ import annotations

import os
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


SIZING = 'echo "$WEB_CONCURRENCY ${BP_UWSGI_RELOAD_ON_RSS:-none}"; echo "$BP_UWSGI_SIZING"'


def _sized(slug: Path, cgroup: Path, own: str, nproc: int | None = 32, strict: bool = False):
    """(processes and reload-on-rss, the boot line) for a dyno whose cgroup tree is
    `cgroup`, whose /proc/self/cgroup reads `own`, and whose nproc says `nproc`.

    `strict`: sourced as herokuish sources it, under `set -eo pipefail` with
    nullglob on, where any failing command would stop the dyno's start.
    """
    (slug / "proc-self-cgroup").write_text(own)
    env = {
        "BP_UWSGI_CGROUP_ROOT": str(cgroup),
        "BP_UWSGI_PROC_CGROUP": str(slug / "proc-self-cgroup"),
    }
    if nproc is not None:
        env["BP_UWSGI_NPROC"] = str(nproc)
    path = slug / ".profile.d" / profile.PROFILE_NAME
    script = f'. "{path}"; echo started >&2; {SIZING}'
    if strict:
        script = f"set -eo pipefail; shopt -s nullglob; {script}"
    out = subprocess.run(
        ["bash", "-c", script],
        env={"HOME": str(slug), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    # (Nothing on stderr, and, under set -e, the script did not stop the shell.)
    assert out.stderr == "started\n"
    first, line = out.stdout.splitlines()
    return first, line


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


V1_HOST_VIEW = "5:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n"


def test_the_limit_is_read_down_the_process_own_cgroup_v1(tmp_path):
    # A container that sees the host's cgroup v1 tree: its limit is at its own
    # path, and the mount's root says "unlimited".
    cgroup = tmp_path / "cgroup"
    _write(cgroup / "memory" / "memory.limit_in_bytes", "9223372036854771712\n")
    _write(cgroup / "memory" / "docker" / "abc" / "memory.limit_in_bytes", f"{512 * 1048576}\n")
    profile.write_profile_d(tmp_path)
    for strict in (False, True):
        first, line = _sized(tmp_path, cgroup, V1_HOST_VIEW, nproc=8, strict=strict)
        assert first == "2 192"
        assert line.startswith("uwsgi-buildpack: 512 MB memory (cgroup v1), 8 CPUs -> 2 processes")


def test_a_parent_cgroup_limit_binds_and_the_mount_root_still_counts(tmp_path):
    cgroup = tmp_path / "cgroup"
    _write(cgroup / "cgroup.controllers", "cpu memory\n")
    _write(cgroup / "app" / "memory.max", f"{4096 * 1048576}\n")
    _write(cgroup / "app" / "web" / "memory.max", "max\n")
    profile.write_profile_d(tmp_path)
    assert _sized(tmp_path, cgroup, "0::/app/web\n", nproc=2)[0] == "4 768"
    # A namespaced container: /proc/self/cgroup says "/", the root is its own.
    _write(cgroup / "memory.max", f"{1024 * 1048576}\n")
    assert _sized(tmp_path, cgroup, "0::/\n", nproc=2)[0] == "4 192"
    # A path leaving the namespace is not followed; the root's limit stands.
    assert _sized(tmp_path, cgroup, "0::/../../app\n", nproc=2)[0] == "4 192"


def test_no_memory_limit_counts_as_512_mb_and_a_cpu_quota_beats_nproc(tmp_path):
    # Dokku's default: no memory limit, `--cpus 2` on a 32-CPU host.
    cgroup = tmp_path / "cgroup"
    _write(cgroup / "cgroup.controllers", "cpu memory\n")
    _write(cgroup / "memory.max", "max\n")
    _write(cgroup / "cpu.max", "200000 100000\n")
    profile.write_profile_d(tmp_path)
    for strict in (False, True):
        first, line = _sized(tmp_path, cgroup, "0::/\n", nproc=32, strict=strict)
        assert first == "2 none"
        assert line == (
            "uwsgi-buildpack: no memory limit found, processes counted as for 512 MB"
            " (set a limit: dokku resource:limit --memory 512m, or WEB_CONCURRENCY),"
            " 2 CPUs (cgroup CPU quota; nproc 32) -> 2 processes x 4 threads, listen backlog "
            + line.rsplit(" ", 1)[1]
        )
    # WEB_CONCURRENCY chosen: the line still says there is no limit.
    (tmp_path / "proc-self-cgroup").write_text("0::/\n")
    chosen = _sourced(
        tmp_path,
        SIZING,
        {
            "BP_UWSGI_CGROUP_ROOT": str(cgroup),
            "BP_UWSGI_PROC_CGROUP": str(tmp_path / "proc-self-cgroup"),
            "WEB_CONCURRENCY": "3",
        },
    ).splitlines()
    assert chosen[0] == "3 none"
    assert chosen[1].startswith(
        "uwsgi-buildpack: no memory limit found (set one: dokku resource:limit --memory 512m),"
    )
    # With a limit, the quota still caps the processes at two per CPU.
    _write(cgroup / "memory.max", f"{2048 * 1048576}\n")
    assert _sized(tmp_path, cgroup, "0::/\n", nproc=32)[0] == "4 384"
    # A quota above nproc, or none ("max"), leaves nproc.
    _write(cgroup / "cpu.max", "max 100000\n")
    assert _sized(tmp_path, cgroup, "0::/\n", nproc=4)[1].startswith(
        "uwsgi-buildpack: 2048 MB memory (cgroup v2), 4 CPUs -> 8 processes"
    )


def test_a_cgroup_v1_cpu_quota_is_rounded_up_to_whole_cpus(tmp_path):
    cgroup = tmp_path / "cgroup"
    _write(cgroup / "memory" / "docker" / "abc" / "memory.limit_in_bytes", f"{8192 * 1048576}\n")
    quota = cgroup / "cpu" / "docker" / "abc" / "cpu.cfs_quota_us"
    _write(quota, "150000\n")
    _write(quota.with_name("cpu.cfs_period_us"), "100000\n")
    profile.write_profile_d(tmp_path)
    first, line = _sized(tmp_path, cgroup, V1_HOST_VIEW, nproc=16, strict=True)
    assert "2 CPUs (cgroup CPU quota; nproc 16) -> 4 processes" in line
    # -1: no quota.
    _write(quota, "-1\n")
    assert "16 CPUs -> 32 processes" in _sized(tmp_path, cgroup, V1_HOST_VIEW, nproc=16)[1]
    # Odd values (a leading zero, a period of 0) are read as decimal or ignored.
    _write(quota, "0300000\n")
    assert "3 CPUs (cgroup CPU quota" in _sized(tmp_path, cgroup, V1_HOST_VIEW, nproc=16)[1]
    _write(quota.with_name("cpu.cfs_period_us"), "0\n")
    assert "16 CPUs -> 32" in _sized(tmp_path, cgroup, V1_HOST_VIEW, nproc=16, strict=True)[1]


def test_the_test_variables_pointing_at_special_files_do_not_hang_the_boot(tmp_path):
    # They are config vars like any other: a FIFO or /dev/zero is not read.
    profile.write_profile_d(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    long = tmp_path / "long"
    long.write_text("0::/\n" * 100_000)
    script = f'. "{tmp_path}/.profile.d/{profile.PROFILE_NAME}"; echo "$BP_UWSGI_SIZING"'
    for special in ("/dev/zero", str(fifo), str(long)):
        env = {"BP_UWSGI_PROC_CGROUP": special, "BP_UWSGI_CGROUP_ROOT": special}
        out = subprocess.run(
            ["bash", "-c", f"set -eo pipefail; {script}"],
            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        assert out.stdout.startswith("uwsgi-buildpack: no memory limit found"), out
        assert out.stderr == ""
