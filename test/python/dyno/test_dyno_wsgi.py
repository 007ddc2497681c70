"""The slug's WSGI wrapper: entry point forms, and chunked bodies handed over whole.

The shunit2 suite (production_test.sh) sends real chunked requests through
uWSGI; these tests pin the wrapper's own decisions with werkzeug-free WSGI
callables, fed by the same kind of chunk sequence uwsgi.chunked_read returns.
"""

from __future__ import annotations

import io

import pytest
from uwsgi_buildpack.dyno import wsgi


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("app", ("app", "application", (), None)),
        ("app:app", ("app", "app", (), None)),
        ("pkg.wsgi:application", ("pkg.wsgi", "application", (), None)),
        ("flaskr:create_app()", ("flaskr", "create_app", (), {})),
        (
            "pkg:create_app('prod', debug=False)",
            ("pkg", "create_app", ("prod",), {"debug": False}),
        ),
    ],
)
def test_entry_point_forms(spec: str, expected: tuple) -> None:
    assert wsgi.parse_spec(spec) == expected


def test_a_non_literal_argument_is_refused() -> None:
    with pytest.raises(ValueError):
        wsgi.parse_spec("pkg:create_app(os.environ)")


def _echo_app(calls: list[dict]):
    def app(environ, start_response):
        calls.append(environ)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        start_response("200 OK", [])
        return [body]

    return app


def _call(app, environ):
    statuses = []
    result = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], result


def _reader(chunks: list[bytes]):
    it = iter([*chunks, b""])
    return lambda: next(it)


def test_chunked_body_reaches_the_app_whole() -> None:
    calls: list[dict] = []
    app = wsgi.wrap(_echo_app(calls), _reader([b"hello ", b"world"]), limit=100)
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO()}
    assert _call(app, environ) == ("200 OK", b"hello world")
    assert calls[0]["CONTENT_LENGTH"] == "11"
    assert calls[0]["wsgi.input_terminated"] is True
    assert "HTTP_TRANSFER_ENCODING" not in calls[0]


def test_over_the_limit_is_413_and_the_app_is_not_called() -> None:
    calls: list[dict] = []
    app = wsgi.wrap(_echo_app(calls), _reader([b"x" * 60, b"x" * 60]), limit=100)
    status, _ = _call(app, {"HTTP_TRANSFER_ENCODING": "chunked"})
    assert status.startswith("413")
    assert calls == []


def test_a_body_uwsgi_cannot_dechunk_is_400() -> None:
    def broken() -> bytes:
        raise OSError("unable to receive chunked part")

    calls: list[dict] = []
    app = wsgi.wrap(_echo_app(calls), broken, limit=100)
    status, _ = _call(app, {"HTTP_TRANSFER_ENCODING": "chunked"})
    assert status.startswith("400")
    assert calls == []


def test_requests_without_transfer_encoding_are_untouched() -> None:
    calls: list[dict] = []

    def never() -> bytes:
        raise AssertionError("chunked_read called")

    app = wsgi.wrap(_echo_app(calls), never, limit=100)
    environ = {"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abc")}
    assert _call(app, environ) == ("200 OK", b"abc")
    assert "wsgi.input_terminated" not in calls[0]
