"""The WSGI entry point of the default uwsgi.ini: the app, with chunked bodies de-chunked.

This file is not part of the build helper: the build copies it into the slug
(`.heroku/uwsgi-buildpack/uwsgi_buildpack_wsgi.py`) and the default uwsgi.ini
serves `uwsgi_buildpack_wsgi:application`, which loads the app named by
BP_UWSGI_APP (the entry point the build found, or the UWSGI_MODULE config var)
and hands it every request. It runs on the app's Python, in every worker.

Why a wrapper at all. An HTTP/1.1 client that streams an upload without
knowing its length sends `Transfer-Encoding: chunked` and no Content-Length
(`requests.post(url, data=generator)`, `curl -T -`, many mobile SDKs), and
Heroku's router passes such requests on to the dyno as they are. uWSGI 2.0's
http-socket (proto/http.c) does not de-chunk: the WSGI environ has no
CONTENT_LENGTH, `wsgi.input` reads nothing (core/reader.c stops at the
request's content length, here 0), and werkzeug, Flask and Django see an
empty body and answer 200. The data is lost silently. What uWSGI offers
instead, and why none of it is enough by itself:

- `uwsgi.chunked_read()` (core/chunked.c) reads and de-chunks the body from
  the socket, one chunk per call, with `chunked-input-limit` bounding a single
  chunk and `chunked-input-timeout` the wait for one. It is the mechanism used
  here, but something must call it before the app looks at its environ;
- `http-chunked-input` belongs to uWSGI's separate HTTP router process
  (plugins/http), which only passes the chunked body through "raw" to the
  worker, which must then still call `uwsgi.chunked_read()`; and the router
  would add a hop to every request;
- `post-buffering` and `limit-post` act on Content-Length only;
- internal routing can add environ variables (`wsgi.input_terminated`) but
  cannot give `wsgi.input` the body.

So this wrapper calls `uwsgi.chunked_read()` until the terminating chunk,
spools the de-chunked bytes (in memory up to 1 MB, then in a temporary file,
as uWSGI's own post-buffering does), and gives the app a plain body:
`wsgi.input` positioned at its start, CONTENT_LENGTH, and
`wsgi.input_terminated = True`. A body over the limit is answered 413 and a
body uWSGI cannot de-chunk 400, without calling the app.

Framing. uWSGI's http-socket parser (proto/http.c) is lenient where a
request's framing is ambiguous, which is how requests are smuggled past a
proxy that reads the framing differently: it merges repeated headers with ", "
(two Content-Lengths, even equal ones, become CONTENT_LENGTH "5, 5", and the
app reads no body), reads a Content-Length by its leading digits ("+5" is 0),
keeps an obs-folded line's CR LF inside the value, and passes a NUL in a
header value on to the environ. gunicorn answers all of these 400; so does
this wrapper, without calling the app (`framing_problem`): a Content-Length
that is not one plain decimal number, a Content-Length together with a
Transfer-Encoding, a Transfer-Encoding other than a single `chunked`, a CR,
LF or NUL in any header value. A request without a body costs two dictionary
lookups and one scan of the header values (about a microsecond).

The limit is BP_UWSGI_BODY_LIMIT bytes (the CHUNKED_BODY_LIMIT_MB config var,
default 100, converted by .profile.d), which the ini also gives uWSGI as
`chunked-input-limit`: a client may send the whole body as one chunk.

Before serving anything, the wrapper checks once, at boot, that what it
loaded is a WSGI callable (`not_wsgi`): callable, not a coroutine function,
not an ASGI app. The build reads the source and cannot see every object (a
value made at run time, UWSGI_MODULE changed after the build); uWSGI itself
would take any object and fail every request with a TypeError and a 500.
For an object that is not one, the wrapper logs one line that names it and
says what to do, and defines no `application`: uWSGI finds no app, and
`need-app` (in the default uwsgi.ini) stops the dyno at boot.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from itertools import filterfalse
from typing import Any

DEFAULT_LIMIT = 100 * 1024 * 1024
# Bodies up to this size stay in memory; larger ones go to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024

WsgiApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def parse_spec(spec: str) -> tuple[str, str, tuple[Any, ...], dict[str, Any] | None]:
    """Split an entry point into (module, attribute, args, kwargs).

    The forms accepted are uWSGI's `module` option's and Flask's FLASK_APP's:
    `module` (callable `application`), `module:name`, `module:factory()` and
    `module:factory(args)` with literal arguments. kwargs is None when the
    attribute is the app itself rather than a factory to call.
    """
    module, _, attr = spec.strip().partition(":")
    attr = attr.strip() or "application"
    if "(" not in attr:
        return module, attr, (), None
    try:
        call = ast.parse(attr, mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"cannot parse the entry point {spec!r}") from exc
    if not isinstance(call, ast.Call) or not isinstance(call.func, (ast.Name, ast.Attribute)):
        raise ValueError(f"cannot parse the entry point {spec!r}")
    args = tuple(ast.literal_eval(arg) for arg in call.args)
    kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    return module, ast.unparse(call.func), args, kwargs


def load(spec: str) -> WsgiApp:
    """Import the app named by an entry point, calling the factory if it is one."""
    module_name, attr, args, kwargs = parse_spec(spec)
    if module_name.endswith(".py") or os.sep in module_name:
        # A file, as FLASK_APP and uWSGI's `module` also accept.
        path = os.path.abspath(module_name)
        name = os.path.splitext(os.path.basename(path))[0]
        file_spec = importlib.util.spec_from_file_location(name, path)
        if file_spec is None or file_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(file_spec)
        sys.modules[name] = module
        file_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    if kwargs is not None:
        obj = obj(*args, **kwargs)
    return obj


def not_wsgi(app: object, spec: str = "") -> str | None:
    """Why `app` (loaded from the entry point `spec`) cannot be served as WSGI, or None.

    WSGI calls `app(environ, start_response)` and iterates over what it
    returns. An ASGI app is called with (scope, receive, send) and is a
    coroutine function (`async def __call__`); a framework object such as a
    Dash 2 app is not callable at all.
    """
    call = getattr(app, "__call__", None)  # noqa: B004 - the method itself is inspected
    if inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call):
        return (
            f"{_described(app)} is an ASGI app (a coroutine function: async def), and uWSGI"
            " serves WSGI apps only; serve it with an ASGI server (a Procfile web line running"
            " uvicorn, with uvicorn in the requirements)"
        )
    if not callable(app):
        server = getattr(app, "server", None)
        holder = f"{spec}.server" if spec and ":" in spec and "(" not in spec else "...server"
        hint = (
            f"; its `server` attribute is one: set UWSGI_MODULE={holder}"
            if server is not None and callable(server) and not_wsgi(server) is None
            else "; set UWSGI_MODULE to the module:callable of the app's WSGI app"
        )
        return f"{_described(app)} is not callable{hint}"
    if hasattr(app, "__wrapped__"):
        # A decorator's function (werkzeug's `@Request.application` makes a
        # WSGI app of `def app(request)`) or a proxy: its signature, as
        # inspect reports it, is the wrapped function's, not the one called.
        return None
    try:
        signature = inspect.signature(app, follow_wrapped=False)
    except (TypeError, ValueError):  # a builtin or compiled callable: nothing to read
        return None
    try:
        signature.bind(object(), object())
    except TypeError:
        return (
            f"{_described(app)} cannot be called as app(environ, start_response): its signature"
            f" is {signature}"
        )
    return None


def _described(app: object) -> str:
    """`a 'Dash' object`, `the function main`: what the log names."""
    if inspect.isfunction(app) or inspect.ismethod(app):
        return f"the function {getattr(app, '__qualname__', app)}"
    if inspect.isclass(app):
        return f"the class {app.__qualname__}"
    return f"a {type(app).__qualname__!r} object"


def _limit() -> int:
    try:
        return int(os.environ.get("BP_UWSGI_BODY_LIMIT", "")) or DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


def _refuse(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    body = text.encode() + b"\n"
    start_response(
        status,
        [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
    )
    return [body]


# A CR or LF (an obs-folded line, kept by uWSGI inside the value) or a NUL.
_UNSAFE_IN_VALUE = re.compile("[\x00\r\n]").search
_HEADER_PREFIXES = ("HTTP_", "CONTENT_")
# The environ's keys that are not headers (REQUEST_METHOD, wsgi.input,
# uwsgi.core, ...): the same few in every request uWSGI makes, learnt from the
# first one and from any request that brings another (rebound, never changed
# in place: the workers' threads read it).
_not_headers: frozenset[str] = frozenset()


def header_values(environ: dict) -> str:
    """Every header's value (HTTP_*, CONTENT_TYPE, CONTENT_LENGTH), joined.

    Hand-written for speed, as the one thing every request pays for: the
    filter, the lookups and the join run in C, with no Python-level loop.
    """
    global _not_headers  # noqa: PLW0603 - the learnt keys, rebound whole
    try:
        return "".join(map(environ.__getitem__, filterfalse(_not_headers.__contains__, environ)))
    except TypeError:  # a value that is not a str: a key not learnt yet
        _not_headers = _not_headers | {k for k in environ if not k.startswith(_HEADER_PREFIXES)}
    headers = map(environ.__getitem__, filterfalse(_not_headers.__contains__, environ))
    return "".join(value for value in headers if isinstance(value, str))


def framing_problem(environ: dict) -> str | None:
    """Why this request's framing is ambiguous (answered 400), or None.

    RFC 9112 6.3: a request with both Transfer-Encoding and Content-Length
    may be an attempt at request smuggling; a Content-Length is 1*DIGIT; a
    server that does not understand a transfer coding cannot read the body.
    The only coding uWSGI de-chunks is `chunked`, alone.
    """
    if _UNSAFE_IN_VALUE(header_values(environ)):
        return "a header value holds a line break or a NUL"
    length = environ.get("CONTENT_LENGTH")
    encoding = environ.get("HTTP_TRANSFER_ENCODING")
    if length is not None and length != "":
        if encoding is not None:
            return "both Content-Length and Transfer-Encoding"
        if not (length.isascii() and length.strip(" \t").isdigit()):
            return "a Content-Length that is not one decimal number"
    if encoding is not None and encoding.strip(" \t").lower() != "chunked":
        return "a Transfer-Encoding other than chunked"
    return None


def wrap(app: WsgiApp, chunked_read: Callable[[], bytes], limit: int) -> WsgiApp:
    """`app` with chunked request bodies read by `chunked_read` and bounded by `limit`.

    A request whose framing is ambiguous (`framing_problem`) is answered 400.
    """

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Most requests: no body, and header values of printable characters
        # only (stricter than framing_problem's check, so a tab or a
        # non-printable Latin-1 character takes the precise path below).
        if (
            "CONTENT_LENGTH" not in environ
            and "HTTP_TRANSFER_ENCODING" not in environ
            and header_values(environ).isprintable()
        ):
            return app(environ, start_response)
        problem = framing_problem(environ)
        if problem is not None:
            return _refuse(start_response, "400 Bad Request", f"Bad request framing: {problem}.")
        if "HTTP_TRANSFER_ENCODING" not in environ:
            return app(environ, start_response)
        # Handed to the app, which outlives this function: no context manager.
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        size = 0
        try:
            while True:
                chunk = chunked_read()
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    body.close()
                    return _refuse(
                        start_response,
                        "413 Content Too Large",
                        f"Request body larger than {limit} bytes.",
                    )
                body.write(chunk)
        except OSError:
            # uWSGI could not de-chunk it: a malformed chunk-size line, a
            # chunk larger than chunked-input-limit, a client gone mid-body or
            # silent for longer than chunked-input-timeout.
            body.close()
            return _refuse(start_response, "400 Bad Request", "Malformed chunked request body.")
        body.seek(0)
        environ["wsgi.input"] = body
        environ["CONTENT_LENGTH"] = str(size)
        environ["wsgi.input_terminated"] = True
        # The app now gets a plain body of known length, as behind a proxy
        # that buffers requests; a framework that saw "chunked" here would
        # ignore CONTENT_LENGTH (werkzeug does).
        del environ["HTTP_TRANSFER_ENCODING"]
        return app(environ, start_response)

    return application


try:
    import uwsgi
except ImportError:  # imported outside uWSGI, by the buildpack's own tests
    pass
else:
    _spec = os.environ.get("BP_UWSGI_APP", "").strip()
    if not _spec:
        raise RuntimeError("BP_UWSGI_APP is not set: the default uwsgi.ini sets it")
    _body_limit = _limit()
    try:
        parse_spec(_spec)
    except ValueError:
        # .profile.d checked its form; a factory's arguments that are still
        # not literals (`f(a=1, 2)`) end here, in one line.
        _app, _problem = None, "its arguments are not literals; set UWSGI_MODULE to module:callable"
    else:
        _app = load(_spec)
        _problem = not_wsgi(_app, _spec)
    if _problem is not None:
        # One line, and no `application`: uWSGI then finds no app here, and
        # need-app stops the dyno at boot instead of a 500 per request.
        uwsgi.log(f"uwsgi-buildpack: cannot serve {_spec}: {_problem}")
    else:
        application = wrap(_app, uwsgi.chunked_read, _body_limit)
        uwsgi.log(
            f"uwsgi-buildpack: serving {_spec}; chunked request bodies de-chunked,"
            f" up to {_body_limit // 1048576} MB"
        )
