"""Console scripts keep working after the slug moves."""

import os
import shutil
import subprocess
import sys

from uwsgi_buildpack.relocate import rewrite_shebangs


def test_rewritten_script_runs_from_the_new_location(tmp_path):
    prefix = tmp_path / "build" / ".heroku" / "python"
    bin_dir = prefix / "bin"
    bin_dir.mkdir(parents=True)
    os.symlink(sys.executable, bin_dir / "python3")
    script = bin_dir / "hello"
    script.write_text(f"#!{bin_dir}/python3\nimport sys\nprint('hello from', sys.argv[0])\n")
    script.chmod(0o755)
    (bin_dir / "not-a-script").write_bytes(b"\x7fELF")

    assert rewrite_shebangs(prefix) == ["hello"]
    assert str(tmp_path / "build") not in script.read_text()

    moved = tmp_path / "app"
    shutil.move(str(tmp_path / "build"), moved)
    result = subprocess.run(
        [str(moved / ".heroku/python/bin/hello")], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("hello from")
    assert str(moved) in result.stdout


def test_scripts_pointing_elsewhere_are_left_alone(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "tool"
    script.write_text("#!/usr/bin/env python3\nprint(1)\n")
    assert rewrite_shebangs(tmp_path) == []
    assert script.read_text().startswith("#!/usr/bin/env python3")
