"""Console scripts keep working after the slug moves."""

import os
import shutil
import subprocess
import sys

from uwsgi_buildpack.runtime.relocate import rewrite_shebangs


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


def test_editable_paths_become_relative_to_site_packages(tmp_path):
    import importlib.util
    import shutil

    from uwsgi_buildpack.runtime import relocate

    build = tmp_path / "build"
    site = build / ".heroku" / "python" / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (build / "src" / "pkg").mkdir(parents=True)
    (build / "src" / "pkg" / "__init__.py").write_text("NAME = 'pkg'\n")
    (site / "__editable__.app-1.0.pth").write_text(f"{build}/src\n")
    (site / "other.pth").write_text("/usr/lib/elsewhere\n")
    (site / "__editable___app_1_0_finder.py").write_text(
        f"MAPPING = {{'pkg': '{build}/src/pkg'}}\nNAMESPACES = {{}}\n"
    )
    changed = relocate.make_editables_relative(site, build)
    assert changed == ["__editable__.app-1.0.pth", "__editable___app_1_0_finder.py"]
    assert (site / "__editable__.app-1.0.pth").read_text() == "../../../../../src\n"
    assert (site / "other.pth").read_text() == "/usr/lib/elsewhere\n"

    # Moved elsewhere, the finder's mapping points into the new place.
    moved = tmp_path / "app"
    shutil.move(str(build), str(moved))
    finder = moved / ".heroku/python/lib/python3.12/site-packages/__editable___app_1_0_finder.py"
    spec = importlib.util.spec_from_file_location("finder", finder)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {"pkg": str(moved / "src" / "pkg")} == module.MAPPING
    assert str(build) not in finder.read_text()
