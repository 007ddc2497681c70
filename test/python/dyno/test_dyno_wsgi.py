"""The slug's WSGI wrapper: entry point forms, and chunked bodies handed over whole.

The shunit2 suite (production_test.sh) sends real chunked requests through
uWSGI; these tests pin the wrapper's own decisions with werkzeug-free WSGI
callables, fed by the same kind of chunk sequence uwsgi.chunked_read returns.
"""

from __future__ import annotations

import functools
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


# --- framing: what uWSGI's http-socket puts in the environ for ambiguous requests ---
# (proto/http.c merges repeated headers with ", " and keeps an obs-folded
# line's CR LF in the value; production_test.sh sends the raw requests.)

AMBIGUOUS = [
    ({"CONTENT_LENGTH": "5", "HTTP_TRANSFER_ENCODING": "chunked"}, "both Content-Length"),
    ({"CONTENT_LENGTH": "+5"}, "not one decimal number"),
    ({"CONTENT_LENGTH": "5, 5"}, "not one decimal number"),
    ({"CONTENT_LENGTH": "0x5"}, "not one decimal number"),
    ({"CONTENT_LENGTH": "\u0665"}, "not one decimal number"),  # ARABIC-INDIC FIVE: isdigit()
    ({"HTTP_TRANSFER_ENCODING": "chunked, identity"}, "other than chunked"),
    ({"HTTP_TRANSFER_ENCODING": "chunked, chunked"}, "other than chunked"),
    ({"HTTP_TRANSFER_ENCODING": "gzip, chunked"}, "other than chunked"),
    ({"HTTP_TRANSFER_ENCODING": "identity"}, "other than chunked"),
    ({"HTTP_TRANSFER_ENCODING": "chunked\r\n identity"}, "line break or a NUL"),
    ({"HTTP_TRANSFER_ENCODING": "\r\n chunked"}, "line break or a NUL"),
    ({"HTTP_X_NAME": "a\x00b"}, "line break or a NUL"),
    ({"CONTENT_TYPE": "text/plain\x00"}, "line break or a NUL"),
]


@pytest.mark.parametrize(("headers", "problem"), AMBIGUOUS)
def test_ambiguous_framing_is_400_and_the_app_is_not_called(headers, problem) -> None:
    calls: list[dict] = []
    app = wsgi.wrap(_echo_app(calls), _reader([b"hello"]), limit=100)
    status, body = _call(app, {"wsgi.input": io.BytesIO(b"hello"), **headers})
    assert status == "400 Bad Request"
    assert problem in body.decode()
    assert calls == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"CONTENT_LENGTH": ""},
        {"CONTENT_LENGTH": "5"},
        {"CONTENT_LENGTH": "005"},
        {"CONTENT_LENGTH": "5 "},
        {"HTTP_TRANSFER_ENCODING": "Chunked"},
        {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8", "HTTP_COOKIE": "a=b; c=d"},
        {"HTTP_X_TABBED": "a\tb", "HTTP_X_LATIN1": "caf\xe9\xa0\x85"},
        {"HTTP_X_TABBED": "a\tb", "CONTENT_LENGTH": "5"},
    ],
)
def test_plain_framing_reaches_the_app(headers) -> None:
    calls: list[dict] = []
    app = wsgi.wrap(_echo_app(calls), _reader([b"hello"]), limit=100)
    status, body = _call(app, {"wsgi.input": io.BytesIO(b"hello"), **headers})
    assert (status, len(calls)) == ("200 OK", 1)


# --- the boot-time check of what was loaded -------------------------------------


class _Holder:
    """Like a Dash 2 app: not callable, its WSGI app in `server`."""

    def __init__(self) -> None:
        self.server = _echo_app([])


class _Asgi:
    async def __call__(self, scope, receive, send) -> None:
        pass


async def _asgi_function(scope, receive, send) -> None:
    pass


class _Wsgi:
    def __call__(self, environ, start_response):
        return []


def _request_application(view):
    """Like werkzeug's `@Request.application`: a WSGI app made of `def view(request)`."""

    @functools.wraps(view)
    def application(*args):
        return view(args[-2])(*args[-2:])

    return application


@_request_application
def _view(request):
    return _echo_app([])


@pytest.mark.parametrize("app", [_echo_app([]), _Wsgi(), lambda *args: [], print, _view])
def test_wsgi_callables_pass_the_boot_check(app) -> None:
    assert wsgi.not_wsgi(app) is None


def test_an_asgi_app_fails_the_boot_check() -> None:
    assert wsgi.not_wsgi(_Asgi()).startswith("a '_Asgi' object is an ASGI app")
    assert "is an ASGI app" in wsgi.not_wsgi(_asgi_function)


def test_a_non_callable_object_fails_the_boot_check_naming_its_wsgi_attribute() -> None:
    assert wsgi.not_wsgi(_Holder(), "app:app") == (
        "a '_Holder' object is not callable; its `server` attribute is one:"
        " set UWSGI_MODULE=app:app.server"
    )
    assert wsgi.not_wsgi({"debug": True}).startswith("a 'dict' object is not callable; set")


def test_a_callable_with_another_signature_fails_the_boot_check() -> None:
    def three(scope, receive, send):
        return None

    assert "cannot be called as app(environ, start_response)" in wsgi.not_wsgi(three)
