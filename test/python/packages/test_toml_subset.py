"""The Pipfile reader for Python 3.10 gives what tomllib gives, or refuses."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from uwsgi_buildpack.packages import toml_subset

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else None
pytestmark = pytest.mark.skipif(tomllib is None, reason="compared with tomllib (3.11+)")

DOCUMENTS = [
    # What `pipenv install` writes, and what people write by hand.
    '[[source]]\nurl = "https://index.invalid/simple"\nverify_ssl = true\nname = "pypi"\n\n'
    '[packages]\nrequests = {version = ">=2.0", extras = ["socks", "use_chardet_on_py3"]}\n'
    'Django = \'~=5.0\'\n"zope.interface" = "*"\n\n[dev-packages]\n\n[requires]\n'
    'python_version = "3.12"\n',
    "# comment\n[packages] # trailing\nsix = \"*\" # why\nmylib = {path = '.', editable = true}\n",
    '[packages.requests]\nversion = "*"\nextras = [\n  "socks",  # proxies\n  "security",\n]\n',
    '[pipenv]\nallow_prereleases = false\n[scripts]\nserve = "uwsgi uwsgi.ini"\n',
    '[[source]]\nname = "a"\nurl = "https://a.invalid/${TOKEN}"\n[[source]]\nname = "b"\n'
    'url = "https://b.invalid"\nverify_ssl = false\n',
    '[packages]\nx = {version = "==1", markers = "os_name == \\"posix\\"", index = "b"}\n'
    'y = "\\u00e9\\t\\\\"\nz = {git = "https://x.invalid/z.git", ref = "v1", editable = false}\n',
    "[custom]\na.b = 1\nc = -2_000\nd = 1.5\ne = []\nf = {}\n",
    # pyproject.toml's, as uv, Poetry and people write them: multi-line strings too.
    '[project]\nname = "x"\ndescription = """A long\r\ndescription\nof \\\n   it"""\n'
    "license = {text = '''MIT ''\\'''''}\n[tool.uv]\npackage = false\n"
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
    'a = """""x"""""\nb = """\n"""\n',
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_pipfiles_read_as_tomllib_reads_them(text):
    assert toml_subset.loads(text) == tomllib.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        "a = 1979-05-27\n",
        'a = """unterminated\n',
        'a = "unterminated\n',
        "[a]\nx = 1\n[a]\ny = 2\n",
        "a = 1\na = 2\n",
        "a = inf\n",
        'a = "\\ud800"\n',
        "a = '\x01'\n",
        "= 1\n",
    ],
)
def test_what_it_does_not_read_is_refused(text):
    with pytest.raises(toml_subset.Unsupported):
        toml_subset.loads(text)


_keys = st.text(alphabet="abcXYZ_-.019 é\"'\\", min_size=1, max_size=8)
_scalars = st.one_of(
    st.text(max_size=12).filter(lambda s: "\r" not in s and "\x7f" not in s),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=6,
)


def _key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # JSON's escapes are TOML's (control characters as \u00XX).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, st.dictionaries(_keys, _values, max_size=3), max_size=3))
def test_generated_pipfiles_read_as_tomllib_reads_them(tables):
    text = "".join(
        f"[{_key(name)}]\n" + "".join(f"{_key(k)} = {_value(v)}\n" for k, v in table.items())
        for name, table in tables.items()
    )
    assert toml_subset.loads(text) == tomllib.loads(text)
