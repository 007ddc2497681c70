"""requires-python: the PEP 440 subset a Python version range uses, on real-world strings.

The strings are as projects write them (uv's and Poetry's templates, Django,
Flask, NumPy, pip's own pyproject.toml, and typical hand-written ranges). The
expected answers are PEP 440's, as `packaging.specifiers.SpecifierSet(...)
.contains()` gives them for final releases.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uwsgi_buildpack.runtime.requires_python import InvalidSpecifier, parse

CASES = [
    # (requires-python, inside, outside)
    (">=3.12,<3.13", ["3.12.0", "3.12.1", "3.12.14"], ["3.11.9", "3.13.0", "3.14.7"]),
    (">=3.10", ["3.10.0", "3.14.7"], ["3.9.18"]),  # uv init, Flask 3.1
    (">=3.9", ["3.10.13"], ["3.8.18"]),  # pip
    ("==3.12.*", ["3.12.0", "3.12.14"], ["3.11.7", "3.13.0"]),  # uv.lock's own form
    ("~=3.12", ["3.12.0", "3.13.0", "3.14.7"], ["3.11.7", "4.0.0"]),
    ("~=3.12.1", ["3.12.1", "3.12.14"], ["3.12.0", "3.13.0"]),
    (">=3.11, <4.0", ["3.11.0", "3.14.7"], ["3.10.13", "4.0.0"]),  # Poetry 2 `poetry new`
    (">=3.10,!=3.11.*", ["3.10.13", "3.12.1"], ["3.11.0", "3.11.7"]),
    (">=3.9, !=3.9.1", ["3.9.2", "3.12.1"], ["3.9.1", "3.8.18"]),
    ("<3.14,>=3.11", ["3.11.7", "3.13.0"], ["3.14.0", "3.10.13"]),
    (">3.12", ["3.12.1", "3.13.0"], ["3.12.0", "3.11.7"]),
    ("<=3.12", ["3.12.0", "3.11.7"], ["3.12.1"]),  # 3.12 is 3.12.0
    ("==3.12", ["3.12.0"], ["3.12.1"]),
    ("==3.12.1", ["3.12.1"], ["3.12.10"]),
    (">=3.12.3", ["3.12.3", "3.13.0"], ["3.12.1"]),
    (">=3.13.0rc1", ["3.13.0"], ["3.12.14"]),  # a pre-release sorts before its final
    (">= 3.12 , < 3.13", ["3.12.1"], ["3.13.0"]),
    ("!=3.12.*", ["3.11.7", "3.13.0"], ["3.12.1"]),
    ("==3.*", ["3.10.0", "3.14.7"], []),
    (">=3", ["3.10.13"], []),
    ("===3.12.1", ["3.12.1"], ["3.12.2"]),
]


@pytest.mark.parametrize(("text", "inside", "outside"), CASES, ids=[case[0] for case in CASES])
def test_real_world_ranges(text, inside, outside):
    spec = parse(text)
    assert [v for v in inside if not spec.contains(v)] == []
    assert [v for v in outside if spec.contains(v)] == []
    assert str(spec) == text.strip()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("^3.12", "Poetry's or npm's range syntax"),
        ("3.12", "does not start with a comparison"),
        (">=3.12.*", "wildcard is allowed only with == and !="),
        ("~=3", "needs at least two release numbers"),
        (">=3.12,", "empty part"),
        ("", "empty"),
        (">=3.8 || <2", "no 'or'"),
        (">=3.12.post1", "post, dev or local"),
        (">=3.12+local", "post, dev or local"),
        (">=", "no version after"),
        (">=three", "is not a version"),
    ],
)
def test_what_is_not_a_pep_440_range_is_refused_by_name(text, problem):
    with pytest.raises(InvalidSpecifier) as caught:
        parse(text)
    assert problem in caught.value.problem


# Against the reference implementation: pytest depends on `packaging`, so the
# test environment has it (the build image does not, hence this module).
_release = st.lists(st.integers(0, 15), min_size=1, max_size=3).map(
    lambda parts: ".".join(map(str, [3, *parts[1:]] if len(parts) > 1 else parts))
)
_clause = st.one_of(
    st.tuples(st.sampled_from(["==", "!=", "<=", ">=", "<", ">"]), _release).map("".join),
    st.tuples(st.sampled_from(["==", "!="]), _release).map(lambda c: f"{c[0]}{c[1]}.*"),
    _release.filter(lambda v: "." in v).map(lambda v: f"~={v}"),
)
_candidate = st.tuples(st.integers(9, 15), st.integers(0, 15)).map(lambda v: f"3.{v[0]}.{v[1]}")


@settings(max_examples=500, deadline=None)
@given(clauses=st.lists(_clause, min_size=1, max_size=3), candidates=st.lists(_candidate))
def test_answers_as_packaging_does(clauses, candidates):
    specifiers = pytest.importorskip("packaging.specifiers")
    text = ",".join(clauses)
    ours, theirs = parse(text), specifiers.SpecifierSet(text)
    for candidate in [*candidates, "3.12.0", "3.12.1", "3.13.0"]:
        assert ours.contains(candidate) == theirs.contains(candidate), (text, candidate)
