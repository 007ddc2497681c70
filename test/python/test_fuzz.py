"""Fuzzing: any input to the parsers ends in a value or a clear BuildError, never a crash."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from uwsgi_buildpack import errors
from uwsgi_buildpack.app.ini_check import check, parse
from uwsgi_buildpack.runtime.version import parse_python_version_file, parse_runtime_txt

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text biased towards the shapes these files really have.
version_like = st.one_of(
    st.binary(max_size=64),
    st.text(alphabet="0123456789.# \n\r\tpython-\ufeff\x00", max_size=40).map(str.encode),
    st.from_regex(r"\A(python-)?[23]\.[0-9]{1,3}(\.[0-9]{1,3})?\s*\Z").map(str.encode),
)
ini_line = st.one_of(
    st.sampled_from(
        [
            "[uwsgi]",
            "[other]",
            "[uwsgi",
            "http-socket = :$(PORT)",
            "socket = :$(PORT)",
            "stats = /tmp/s",
            "stats = :1717",
            "processes = 999999999999999999999",
            "processes = x",
            "die-on-term = false",
            "cron = 1 2 3",
            "if-env = PORT",
            "http-socket = :%(_)",
            "endif =",
            "ini = other.ini",
            "ini = ../../etc/passwd",
            "include = uwsgi.ini",
            "; c",
            "=",
            "  = value",
            "key =",
        ]
    ),
    st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s),
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _version_lines(data: bytes) -> list[str]:
    """The lines that are neither blank nor a comment, stripped."""
    lines = (line.strip() for line in data.decode("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@FUZZ
@given(data=version_like)
def test_python_version_file_never_crashes(tmp_path, data):
    try:
        request = parse_python_version_file(_write(tmp_path, ".python-version", data))
    except errors.BuildError as exc:
        assert ".python-version" in exc.title and exc.body
    else:
        # Accepted: the file's one version line is exactly the version read.
        assert _version_lines(data) == [str(request)]
        assert request.origin == ".python-version"


@FUZZ
@given(data=version_like)
def test_runtime_txt_never_crashes(tmp_path, data):
    try:
        request = parse_runtime_txt(_write(tmp_path, "runtime.txt", data))
    except errors.BuildError as exc:
        assert "runtime.txt" in exc.title and exc.body
    else:
        assert _version_lines(data) == [f"python-{request}"]
        assert request.origin == "runtime.txt"


@FUZZ
@given(lines=st.lists(ini_line, max_size=12), binary=st.booleans())
def test_uwsgi_ini_check_never_crashes(tmp_path, lines, binary):
    data = "\n".join(lines).encode("utf-8")
    if binary:
        data += b"\xff\xfe\x00"
    _write(tmp_path, "other.ini", b"[uwsgi]\nspooler = x\n")
    try:
        options = parse(_write(tmp_path, "uwsgi.ini", data), tmp_path)
        findings = check(options)
    except errors.BuildError as exc:
        assert exc.title.startswith(("uwsgi.ini ", "Unable to read uwsgi.ini")) and exc.body
    else:
        # Each option points at its own line, in its own file (lines split as
        # the check splits them: str.splitlines knows more breaks than \n).
        lines = data.decode("utf-8").splitlines()
        texts = {"uwsgi.ini": lines, "other.ini": ["[uwsgi]", "spooler = x"]}
        for option in options:
            raw = texts[option.file][option.line - 1]
            assert raw.split("=", 1)[0].strip().lower().replace("_", "-") == option.key
        # Without $(PORT) anywhere the dyno cannot boot: always an error, first.
        if not any("$(PORT)" in line or "%(_)" in line for line in lines):
            assert findings[0].severity == "error"
            assert findings[0].title == "uwsgi.ini does not bind Heroku's $PORT."
