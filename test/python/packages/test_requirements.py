"""Which files say what to install, and when the build may skip pip."""

from pathlib import Path

from uwsgi_buildpack.packages import manager as package_manager
from uwsgi_buildpack.packages import requirements


def find(build_dir: Path, *, include_test: bool = False) -> requirements.Inputs:
    """The inputs as a build reads them: of the files package_manager decided on."""
    return package_manager.decide(build_dir, include_test=include_test).inputs


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_logical_lines_join_continuations_and_drop_comments():
    text = "# header\nsix==1.16.0 \\\n    --hash=sha256:abc  # why\n\nidna==3.7\n"
    assert requirements.logical_lines(text) == [
        (2, "six==1.16.0      --hash=sha256:abc"),
        (5, "idna==3.7"),
    ]


def test_requirements_txt_wins_and_reads_includes_and_editable_projects(tmp_path):
    write(tmp_path / "requirements.txt", "-r base.txt\n-c constraints.txt\n-e ./lib\n")
    write(tmp_path / "base.txt", "werkzeug==3.1.9\n")
    write(tmp_path / "constraints.txt", "idna<4\n")
    write(tmp_path / "lib" / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "requirements.in", "werkzeug\n")
    inputs = find(tmp_path)
    assert inputs.kind == "requirements.txt"
    assert set(inputs.files) == {
        "requirements.txt",
        "requirements.in",
        "base.txt",
        "constraints.txt",
        "lib/pyproject.toml",
    }
    assert not inputs.hashed


def test_a_change_in_an_included_file_changes_the_digest(tmp_path):
    write(tmp_path / "requirements.txt", "-r base.txt\n")
    base = write(tmp_path / "base.txt", "six==1.16.0\n")
    before = find(tmp_path).digest
    assert find(tmp_path).digest == before
    base.write_text("six==1.17.0\n", encoding="utf-8")
    assert find(tmp_path).digest != before


def test_hashes_anywhere_in_requirements_txt_mean_hash_checking_mode(tmp_path):
    write(tmp_path / "requirements.txt", "-r base.txt\n")
    write(tmp_path / "base.txt", "six==1.16.0 \\\n  --hash=sha256:abc\n")
    assert find(tmp_path).hashed


def test_requirements_in_alone_and_projects_and_nothing(tmp_path):
    write(tmp_path / "requirements.in", "werkzeug\n")
    assert find(tmp_path).kind == "requirements.in"
    (tmp_path / "requirements.in").unlink()
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    inputs = find(tmp_path)
    assert (inputs.kind, inputs.main) == ("project", "pyproject.toml")
    (tmp_path / "pyproject.toml").unlink()
    assert find(tmp_path).kind == "none"


def test_test_requirements_are_an_input_only_for_heroku_ci(tmp_path):
    write(tmp_path / "requirements.txt", "six==1.16.0\n")
    write(tmp_path / "requirements-test.txt", "pytest==8.3.4\n")
    assert "requirements-test.txt" not in find(tmp_path).files
    assert "requirements-test.txt" in find(tmp_path, include_test=True).files


def test_an_include_loop_or_a_missing_include_is_left_to_pip(tmp_path):
    write(tmp_path / "requirements.txt", "-r requirements.txt\n-r missing.txt\n")
    assert find(tmp_path).files == ("requirements.txt",)


def test_pinned_names_are_normalised(tmp_path):
    lock = write(tmp_path / "lock", "Werkzeug==3.1.9\nzope.interface==6.0 \\\n  --hash=x\n")
    assert requirements.pinned_names(lock) == {"werkzeug", "zope-interface"}


def test_without_drops_a_pin_with_its_hash_lines(tmp_path):
    lock = write(
        tmp_path / "lock",
        "six==1.16.0 \\\n    --hash=sha256:a \\\n    --hash=sha256:b\n"
        "uWSGI==2.0.31 \\\n    --hash=sha256:c\n    # via -r requirements.txt\n"
        "werkzeug==3.1.9\n",
    )
    out = requirements.without(lock, "uwsgi", tmp_path / "out")
    assert out.read_text() == (
        "six==1.16.0 \\\n    --hash=sha256:a \\\n    --hash=sha256:b\n"
        "    # via -r requirements.txt\nwerkzeug==3.1.9\n"
    )
