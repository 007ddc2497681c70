"""Which uWSGI is built, and what invalidates the cached binary."""

from pathlib import Path

import pytest
from uwsgi_buildpack.uwsgi_build import cache_key, choose, pinned_by_app, vendored

VENDOR = Path(__file__).resolve().parents[2] / "vendor"


def test_vendored_pin_has_version_and_sha256():
    spec = vendored(VENDOR)
    assert spec.version.count(".") == 2
    assert len(spec.sha256) == 64


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("uwsgi==2.0.28\n", "2.0.28"),
        ("uWSGI == 2.0.26  # pinned\n", "2.0.26"),
        ("uwsgi==2.0.30 --hash=sha256:abc\n", "2.0.30"),
        ("uwsgi>=2.0\n", None),
        ("uwsgitop==0.12\n", None),
        ("# uwsgi==2.0.1\n", None),
    ],
)
def test_app_pin_detection(tmp_path, line, expected):
    req = tmp_path / "requirements.txt"
    req.write_text("werkzeug\n" + line)
    assert pinned_by_app(req) == expected


def test_app_pin_wins_over_vendored(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("uwsgi==2.0.28\n")
    spec = choose(VENDOR, req)
    assert (spec.version, spec.origin, spec.sha256) == ("2.0.28", "requirements.txt", None)


def test_same_pin_as_vendored_keeps_the_hash(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text(f"uwsgi=={vendored(VENDOR).version}\n")
    assert choose(VENDOR, req).sha256 == vendored(VENDOR).sha256


def test_cache_key_covers_python_minor_stack_and_arch_not_the_patch_release():
    spec = vendored(VENDOR)
    a = cache_key(spec, "3.12.1", "heroku-24", "amd64")
    assert cache_key(spec, "3.13.1", "heroku-24", "amd64") != a
    # CPython's ABI is stable within a minor version: same binary.
    assert cache_key(spec, "3.12.7", "heroku-24", "amd64") == a
    assert cache_key(spec, "3.12.1", "heroku-22", "amd64") != a
    assert cache_key(spec, "3.12.1", "heroku-24", "arm64") != a
    assert "build_options" in a
