"""Make the helper package importable the way bin/utils does: lib/ on sys.path.

The tests mirror the helper's folders (test/python/uwsgi/ for
lib/uwsgi_buildpack/uwsgi/, ...). Two things follow from that:
- a test module may use another folder's helpers (`from test_steps import
  make_ctx`): every folder is on sys.path, and test file names are unique;
- this directory is on sys.path (pytest puts a conftest's directory there), so
  `import uwsgi` would find the folder test/python/uwsgi/ as a namespace
  package. The tests run outside uWSGI, where `import uwsgi` fails, and the
  WSGI wrapper (dyno/wsgi.py) relies on that: make it fail here too.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "lib"))
sys.path[1:1] = [
    str(path) for path in sorted(HERE.iterdir()) if path.is_dir() and path.name.isalpha()
]
sys.modules["uwsgi"] = None  # type: ignore[assignment]  # `import uwsgi` raises ImportError


import pytest  # noqa: E402 - after the path set-up above


@pytest.fixture(autouse=True)
def _a_build_per_test():
    """Each test is a build of its own: a stop in one does not reach the next."""
    yield
    from uwsgi_buildpack import commands

    commands.reset()
