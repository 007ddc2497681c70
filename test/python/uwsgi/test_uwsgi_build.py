"""Which uWSGI is built, and what invalidates the cached binary."""

from pathlib import Path

import pytest
from uwsgi_buildpack.uwsgi.compile import cache_key, choose, pinned_by_app, vendored

VENDOR = Path(__file__).resolve().parents[3] / "vendor"


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


def compiled_tree(tmp_path: Path, binary: bytes) -> Path:
    """What _pack_wheel packs: an unpacked uWSGI 2.0.31 sdist after its compile."""
    source = tmp_path / "uwsgi-2.0.31"
    source.mkdir()
    (source / "PKG-INFO").write_text(
        "Metadata-Version: 1.0\nName: uWSGI\nVersion: 2.0.31\nSummary: s\n"
    )
    (source / "uwsgidecorators.py").write_text("DECORATED = True\n")
    (source / "LICENSE").write_text("GPLv2+\n")
    (source / "uwsgi").write_bytes(binary)
    return source


def test_the_packed_wheel_installs_and_uninstalls_like_pips_own(tmp_path):
    """_pack_wheel's wheel: pip installs the binary as a script, uwsgidecorators as a
    module and uWSGI's metadata, every file listed in RECORD with its hash, and
    uninstalls all of it again."""
    import base64
    import csv
    import hashlib
    import io
    import subprocess
    import sys
    import zipfile

    from uwsgi_buildpack.uwsgi.compile import _pack_wheel

    # A shell script stands for the compiled binary.
    source = compiled_tree(tmp_path, b"#!/bin/sh\necho 2.0.31\n")
    tag = "py3-none-any"  # installable by any interpreter running this test
    wheel = _pack_wheel(source, "2.0.31", tag, tmp_path)
    assert wheel.name == "uwsgi-2.0.31-py3-none-any.whl"

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        record = list(
            csv.reader(io.StringIO(archive.read("uwsgi-2.0.31.dist-info/RECORD").decode()))
        )
        for name, digest, size in record:
            if name.endswith("RECORD"):
                assert (digest, size) == ("", "")
                continue
            content = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            assert (digest, int(size)) == (f"sha256={expected.decode()}", len(content))
        assert "Root-Is-Purelib: false" in archive.read("uwsgi-2.0.31.dist-info/WHEEL").decode()
    assert names == {row[0] for row in record}
    assert names == {
        "uwsgi-2.0.31.data/purelib/uwsgidecorators.py",
        "uwsgi-2.0.31.data/scripts/uwsgi",
        "uwsgi-2.0.31.dist-info/licenses/LICENSE",
        "uwsgi-2.0.31.dist-info/METADATA",
        "uwsgi-2.0.31.dist-info/WHEEL",
        "uwsgi-2.0.31.dist-info/top_level.txt",
        "uwsgi-2.0.31.dist-info/RECORD",
    }

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # This interpreter's pip, installing into the venv (a venv's own pip costs seconds).
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    pip += ["--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "--no-index", str(wheel)], check=True)
    ran = subprocess.run([str(venv / "bin" / "uwsgi")], capture_output=True, text=True, check=True)
    assert ran.stdout == "2.0.31\n"
    shown = subprocess.run([*pip, "show", "uwsgi"], capture_output=True, text=True, check=True)
    assert "Name: uWSGI" in shown.stdout and "Version: 2.0.31" in shown.stdout
    probe = "import uwsgidecorators; print(uwsgidecorators.DECORATED)"
    decorated = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True
    )
    assert decorated.stdout == "True\n"
    subprocess.run([*pip, "uninstall", "-y", "uwsgi"], check=True)
    assert not (venv / "bin" / "uwsgi").exists()
    assert not list(venv.glob("lib/python3*/site-packages/uwsgi*"))


def test_a_tree_whose_metadata_is_another_version_is_refused(tmp_path):
    from uwsgi_buildpack.errors import BuildError
    from uwsgi_buildpack.uwsgi.compile import _pack_wheel

    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: uWSGI\nVersion: 2.0.30\n")
    with pytest.raises(BuildError):
        _pack_wheel(tmp_path, "2.0.31", "py3-none-any", tmp_path)


def test_an_sdist_that_does_not_unpack_safely_is_refused_with_a_message(tmp_path):
    """unpack_sdist runs tarfile's `data` filter in a process of its own: a
    member escaping the tree, or a damaged archive, is a build error."""
    import io
    import tarfile

    from uwsgi_buildpack.errors import BuildError
    from uwsgi_buildpack.uwsgi.compile import unpack_sdist

    evil = tmp_path / "uwsgi-2.0.31.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        member = tarfile.TarInfo("uwsgi-2.0.31/../../escaped.txt")
        member.size = 3
        tar.addfile(member, io.BytesIO(b"bad"))
    (tmp_path / "one").mkdir()
    with pytest.raises(BuildError) as refused:
        unpack_sdist(evil, tmp_path / "one")
    assert "uwsgi-2.0.31.tar.gz could not be unpacked" in refused.value.body
    assert "outside the destination" in refused.value.body  # tarfile's own words
    assert "Traceback" not in refused.value.body
    assert not list(tmp_path.rglob("escaped.txt"))

    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(b"\x1f\x8b not really gzip")
    (tmp_path / "two").mkdir()
    with pytest.raises(BuildError) as damaged_error:
        unpack_sdist(damaged, tmp_path / "two")
    assert "damaged.tar.gz could not be unpacked" in damaged_error.value.body
