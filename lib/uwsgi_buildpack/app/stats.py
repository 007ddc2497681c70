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

DEFAULT_ADDRESS = "127.0.0.1:1717"

_YES = ("1", "true", "yes", "on")
_LOOPBACK = re.compile(r"^(?:127\.[0-9.]+|localhost):[0-9]+$")


def address(value: str | None) -> str | None:
    """The loopback address the stats server binds for this UWSGI_STATS, or None.

    `1`, `true`, `yes`, `on` (any case): the default address. A loopback
    `host:port` (`127.0.0.1:9191`, `localhost:1717`): that address. Anything
    else (unset, `0`, a public address, a unix socket path): no stats server.
    """
    text = (value or "").strip()
    if text.lower() in _YES:
        return DEFAULT_ADDRESS
    if _LOOPBACK.match(text):
        return text
    return None
