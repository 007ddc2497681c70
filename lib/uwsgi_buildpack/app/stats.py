"""`UWSGI_STATS`: whether the app gets uWSGI's stats server and uwsgitop.

One rule, decided once at build time: the build installs uwsgitop exactly when
the stats server will start, and writes the address it decided into
`.profile.d`, so the dyno never judges the value again. (Three readers of the
same config var used to disagree: `localhost:1717` started the server without
installing uwsgitop, `TRUE` installed uwsgitop and started nothing.)

The server listens on loopback only: it reveals the app's internals without
authentication, and `heroku ps:exec` reaches loopback from inside the dyno.
"""

from __future__ import annotations

import re

from .. import errors

DEFAULT_ADDRESS = "127.0.0.1:1717"

_YES = ("1", "true", "yes", "on")
_NO = ("", "0", "false", "no", "off")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
_LOOPBACK = re.compile(rf"(?:127(?:\.{_OCTET}){{3}}|localhost):([0-9]{{1,5}})")
_EXPECTED = (
    "1 (true, yes, on) for the stats server on 127.0.0.1:1717, a loopback"
    " host:port such as localhost:1717 or 127.0.0.1:9191 (port 1 to 65535), or"
    " 0 (false, no, off) for none; the server is never reachable from outside"
    " the dyno"
)


def address(value: str | None) -> str | None:
    """The loopback address the stats server binds for this UWSGI_STATS, or None.

    `1`, `true`, `yes`, `on` (any case): the default address. A loopback
    `host:port` (`127.0.0.1:9191`, `localhost:1717`): that address. Unset,
    empty, `0`, `false`, `no`, `off`: no stats server. Anything else (a public
    address, a unix socket path, a port out of range) is BuildError: read at
    build time only, a value ignored here would never say why the server did
    not start.
    """
    text = (value or "").strip()
    if text.lower() in _YES:
        return DEFAULT_ADDRESS
    if text.lower() in _NO:
        return None
    match = _LOOPBACK.fullmatch(text)
    if match and 1 <= int(match[1]) <= 65535:
        return text
    raise errors.config_var_invalid(
        "UWSGI_STATS", value or "", "config var", "a stats setting", _EXPECTED, "1"
    )
