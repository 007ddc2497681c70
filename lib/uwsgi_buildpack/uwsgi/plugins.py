"""Which of uWSGI's plugins the binary is compiled with: decided once, before the compile.

uWSGI's `default` build profile (what `pip install uwsgi` compiles) embeds
43 plugins besides python: routers (`http =`, fastrouter, rawrouter,
sslrouter), routing actions, loggers, gevent, carbon, rrdtool, ... A dyno
serving one WSGI app through the default uwsgi.ini uses none of them, and on
a 2-core build dyno they are a good part of a cold build's compile (see
test/tools/benchmark). So the binary is compiled with the `reduced` set, the
`default` profile with only the python plugin embedded (every core feature
of the profile kept: SSL, PCRE, routing, JSON, YAML, XML as the build image
has them), whenever what the dyno will run needs nothing else:

- the web process is uWSGI with `uwsgi.ini` (or not uWSGI at all), and no
  other Procfile process runs uWSGI;
- every option of that uwsgi.ini (the default one, or the app's own, with the
  files it includes) and every `UWSGI_*` config var the build sees is one the
  reduced binary has (`REDUCED_OPTIONS`, the option names its `uwsgi --help`
  lists, less those whose value names a plugin: see `_NAMES_A_PLUGIN`).

Anything else gets the `full` set, the profile as uWSGI ships it. uWSGI
ignores an option it does not know in a config file (unless `strict`), so
guessing wrong would be silent: the rule only ever trusts the list, and the
list is what the reduced binary itself says (test/tools/uwsgi-reduced-options
writes it; a test compares it with a compiled binary). The set is part of the
cache key, and the build log says which set was compiled and why.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import errors
from ..app import ini_check, procfile

# The option names the reduced binary has, one per line (comments with #).
REDUCED_OPTIONS_FILE = Path(__file__).with_name("reduced_options.txt")

# uWSGI's own build switch: the profile's settings replaced for this build.
REDUCED_OVERRIDE = "embedded_plugins=python"

# Core options whose value names a plugin-provided thing (a router action, a
# logger, a cheaper algorithm, a stats pusher, a plugin to load): valid in
# the reduced binary as options, but what they name may be in a plugin it
# lacks (`logger = file:...` is the logfile plugin, `route = ... redirect:`
# router_redirect). Options whose name starts with one of these count as not
# in the reduced set (`route-host`, `logger-req`, ...).
_NAMES_A_PLUGIN = (
    "route",
    "final-route",
    "error-route",
    "response-route",
    "router",
    "logger",
    "req-logger",
    "log-route",
    "log-req-route",
    "alarm",
    "stats-push",
    "cheaper-algo",
    "autoload",
    "emperor",
    "imperial-monitor",
    "transformation",
    "offload-transformation",
)


@dataclass(frozen=True)
class PluginSet:
    """The plugin set the binary is compiled with, and why (log text)."""

    name: str  # "reduced" or "full": part of the cache key
    override: str | None  # UWSGI_PROFILE_OVERRIDE for uwsgiconfig.py; None: the profile as is
    reason: str


def reduced_options(path: Path = REDUCED_OPTIONS_FILE) -> frozenset[str]:
    """The option names the reduced binary has (the list, as test/tools wrote it)."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.add(name)
    if not names:
        raise errors.internal(f"{path.name} lists no options")
    return frozenset(names)


# Options that load plugins by name; `plugins = python3` is harmless (python is
# embedded in both sets, and uWSGI then only says it found no such file).
_LOADS_PLUGINS = ("plugin", "plugins", "need-plugin", "need-plugins")
_PYTHON_PLUGIN = re.compile(r"^python[0-9]*$")


def _in_reduced(option: str, known: frozenset[str], value: str = "") -> bool:
    key = option.strip().lower().replace("_", "-")
    if key in _LOADS_PLUGINS:
        names = [n for n in re.split(r"[\s,]+", value.strip()) if n]
        return all(_PYTHON_PLUGIN.match(n) for n in names)
    if any(key.startswith(name) for name in _NAMES_A_PLUGIN):
        return False
    return key in known


def _runs_only_the_ini(command: str) -> bool:
    """`uwsgi uwsgi.ini` or `uwsgi --ini uwsgi.ini` (maybe after `exec`), and nothing more."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if words[:1] == ["exec"]:
        words = words[1:]
    return words in (["uwsgi", "uwsgi.ini"], ["uwsgi", "--ini", "uwsgi.ini"])


def decide(
    build_dir: Path,
    config: Mapping[str, str],
    known: frozenset[str] | None = None,
) -> PluginSet:
    """The plugin set the app's dyno needs: reduced unless something it runs may need more.

    Reads the Procfile, the app's own uwsgi.ini (the default config is made
    of reduced options only: a test renders it and checks) and the names of
    the `UWSGI_*` config vars.
    """
    known = reduced_options() if known is None else known
    # Any Procfile line that mentions uwsgi may start it with options of its
    # own: only the plain `uwsgi uwsgi.ini` web line is known to need no more.
    for process, command in procfile.lines(build_dir):
        if "uwsgi" in command and (process != "web" or not _runs_only_the_ini(command)):
            return _full(f"the Procfile's {process} process runs uwsgi its own way: {command}")
    own = build_dir / "uwsgi.ini"
    options: Iterable[ini_check.Option] = ()
    if own.is_file():
        try:
            options = ini_check.parse(own, build_dir)
        except errors.BuildError:
            # The ini check says what is wrong with it, later; the full set is safe.
            return _full("uwsgi.ini could not be read")
    for option in options:
        if not _in_reduced(option.key, known, option.value):
            return _full(
                f"{option.where}: '{option.key}' may need a plugin outside the python plugin"
            )
    for name in sorted(config):
        if name.startswith("UWSGI_") and not _in_reduced(
            name[len("UWSGI_") :], known, config[name]
        ):
            return _full(f"config var {name} may need a plugin outside the python plugin")
    if not procfile.read(build_dir).runs_uwsgi:
        why = "no Procfile process runs uWSGI"
    else:
        which = "the app's uwsgi.ini" if own.is_file() else "the default uwsgi.ini"
        why = f"every option of {which} and of the UWSGI_* config vars is one it has"
    return PluginSet("reduced", REDUCED_OVERRIDE, f"python plugin only: {why}")


def _full(reason: str) -> PluginSet:
    return PluginSet("full", None, f"all of the default profile's plugins: {reason}")
