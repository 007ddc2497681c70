"""UWSGI_STATS: one decision for uwsgitop and the stats server, written into .profile.d."""

from __future__ import annotations

import subprocess

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.app import profile, stats


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("1", "127.0.0.1:1717"),
        ("TRUE", "127.0.0.1:1717"),
        (" yes ", "127.0.0.1:1717"),
        ("On", "127.0.0.1:1717"),
        ("localhost:1717", "localhost:1717"),
        ("127.0.0.1:9191", "127.0.0.1:9191"),
        ("", None),
        (None, None),
        ("0", None),
        ("false", None),
        (" Off ", None),
    ],
)
def test_the_stats_address(value, address):
    assert stats.address(value) == address


@pytest.mark.parametrize(
    "value",
    [
        "0.0.0.0:1717",
        "/tmp/stats.sock",
        "127.0.0.1",
        "127.0.0.1:1717; rm -rf /",
        "127.0.0.1:0",
        "localhost:99999",
        "127.0.0.1:1717\nattach-daemon = touch X",
        "@(exec://touch X)",
        "maybe",
    ],
)
def test_a_stats_value_of_another_form_fails_the_build_naming_it(value):
    with pytest.raises(errors.BuildError) as caught:
        stats.address(value)
    assert caught.value.code == "config-var::invalid"
    assert caught.value.title == "The config var UWSGI_STATS is not a stats setting."
    assert "heroku config:set UWSGI_STATS=1" in caught.value.body


def _boot_env(tmp_path, address, run_time_value):
    """What a dyno's bash has after sourcing the .profile.d script."""
    profile.write_profile_d(tmp_path, address)
    script = tmp_path / ".profile.d" / profile.PROFILE_NAME
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "UWSGI_STATS": run_time_value}
    out = subprocess.run(
        ["bash", "-c", f'. "{script}"; echo "${{BP_UWSGI_STATS-unset}}|${{UWSGI_STATS-unset}}"'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return out


@pytest.mark.parametrize("value", ["localhost:1717", "TRUE", "1"])
def test_the_dyno_starts_the_server_the_build_decided_on(tmp_path, value):
    address = stats.address(value)
    assert _boot_env(tmp_path, address, value) == f"{address}|unset"


def test_no_stats_server_without_a_decision(tmp_path):
    # UWSGI_STATS itself never reaches uWSGI, which would read "1" as a socket path.
    assert _boot_env(tmp_path, None, "1") == "unset|unset"


def test_a_stats_address_file_among_the_apps_files_starts_nothing(tmp_path):
    # The file is the build's decision; one committed with the app (or left by
    # an earlier build in the same directory) is removed when there is none.
    (tmp_path / profile.STATS_FILE).parent.mkdir(parents=True)
    (tmp_path / profile.STATS_FILE).write_text("127.0.0.1:1717\n")
    assert _boot_env(tmp_path, None, "") == "unset|unset"
    assert not (tmp_path / profile.STATS_FILE).exists()
