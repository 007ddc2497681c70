"""Config vars at build time: loaded for pip and hooks, except the dangerous ones."""

import pytest
from uwsgi_buildpack import errors
from uwsgi_buildpack.env_dir import DENYLIST, load


def test_config_vars_are_loaded_like_shell_buildpacks_read_them(tmp_path):
    (tmp_path / "PIP_EXTRA_INDEX_URL").write_text("https://example.invalid/simple\n")
    (tmp_path / "MULTILINE").write_text("a\nb\n\n")
    assert load(tmp_path) == {
        "MULTILINE": "a\nb",
        "PIP_EXTRA_INDEX_URL": "https://example.invalid/simple",
    }


@pytest.mark.parametrize(
    "name", ["PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONHOME", "PYTHONPATH", "GIT_DIR"]
)
def test_dangerous_variables_are_never_loaded(tmp_path, name):
    assert name in DENYLIST
    (tmp_path / name).write_text("/tmp/evil")
    (tmp_path / "SAFE").write_text("1")
    assert load(tmp_path) == {"SAFE": "1"}


def test_names_that_are_not_variables_are_skipped(tmp_path):
    (tmp_path / "not-a-var").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    assert load(tmp_path) == {}


def test_unreadable_value_names_the_variable_but_not_the_value(tmp_path):
    (tmp_path / "TOKEN").write_bytes(b"s3cret\xff")
    with pytest.raises(errors.BuildError) as caught:
        load(tmp_path)
    assert "TOKEN" in caught.value.title
    assert "s3cret" not in caught.value.body


def test_missing_env_dir_means_no_config_vars(tmp_path):
    assert load(tmp_path / "absent") == {}
    assert load(None) == {}
