"""Make the helper package importable the way bin/utils does: lib/ on sys.path."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lib"))


import pytest  # noqa: E402 - after the path set-up above


@pytest.fixture(autouse=True)
def _a_build_per_test():
    """Each test is a build of its own: a stop in one does not reach the next."""
    yield
    from uwsgi_buildpack import commands

    commands.reset()
