"""Files fetched from the package index the way pip would fetch them.

Two jobs of a cold build fetch hash-pinned files themselves instead of
starting pip: uWSGI's source archive (`fetch_sdist`, pinned in
vendor/uwsgi.txt) and the pure-Python wheels of the buildpack's own tools
(`fetch_wheel`, pinned in vendor/pip-tools.txt and the like).

Why not let pip fetch them: `pip wheel` (and `pip download`, which prepares
the same metadata) first installs setuptools into an isolated build
environment and runs uWSGI's setup.py to learn its name and version: about
five seconds before the first C file compiles, on the critical path of every
cold build. `pip install --target` of seven small wheels costs a second and a
half of CPU beside the uWSGI compile, most of it pip starting up. The files are
pinned with their sha256, so where the bytes come from cannot change what is
built or installed; what matters is that they come from where the user's pip
would fetch them (a private mirror, through a proxy, with a corporate CA), so
this module reads pip's own configuration.

It understands the common case and nothing more: one index (`index-url`,
PyPI's by default), an optional `cert`, and the proxies in the environment
(which urllib honours as pip's requests does). `extra-index-url` and
`find-links` are not searched: the file is pinned by its hash, so any copy
is the same one. Any setting that could make pip fetch differently or refuse
(`no-index`, `client-cert`, `trusted-host`, `proxy`, `isolated`, `only-binary`
for an sdist, `no-binary` for a wheel, a constraint on the project) and any
failure at all (the index unreachable, a 401, no such file, a checksum that
does not match) make the fetch return no file with the reason, and the
caller hands the whole job back to pip, which then succeeds or reports the
error in its own words. So this is a shortcut, never a second opinion: it
either yields the very file pip would verify, or nothing.

Hand-written rather than pip's API because pip has no public one, and the
runtime's pip differs from one Python version to the next. It runs on the
build image's Python, standard library only.
"""

from __future__ import annotations

import configparser
import functools
import hashlib
import html.parser
import http.client
import json
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INDEX = "https://pypi.org/simple"
# Short: a stalled index costs the build this long before pip takes over.
TIMEOUT = 20
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
# Settings with which pip would fetch differently from plain urllib (or not at all).
UNSUPPORTED = ("no-index", "client-cert", "trusted-host", "proxy", "isolated")


@dataclass(frozen=True)
class PipSettings:
    """What pip would use to fetch the sdist."""

    index_url: str
    cert: str | None


@dataclass(frozen=True)
class Fetched:
    """The sdist on disk, or why it is not (then pip does the job)."""

    path: Path | None
    reason: str


def _config_files(env: dict[str, str], site_prefix: Path) -> list[Path]:
    """pip's configuration files, in the order pip loads them (later ones win).

    As pip's `configuration.py` lists them: the global files (XDG_CONFIG_DIRS,
    then /etc), the user's (legacy ~/.pip, then XDG_CONFIG_HOME) unless
    PIP_CONFIG_FILE names an existing file, the interpreter's prefix, then
    PIP_CONFIG_FILE itself.
    """
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    xdg_dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d]
    files.append(Path("/etc/pip.conf"))
    env_file = env.get("PIP_CONFIG_FILE")
    if not (env_file and os.path.exists(env_file)):
        xdg_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        files += [home / ".pip" / "pip.conf", xdg_home / "pip" / "pip.conf"]
    files.append(site_prefix / "pip.conf")
    if env_file:
        files.append(Path(env_file))
    return files


def pip_settings(
    env: dict[str, str],
    site_prefix: Path,
    command: str = "wheel",
    project: str = "uwsgi",
    binary: str = "only-binary",
) -> PipSettings | str:
    """pip's index and certificate for `pip COMMAND`, or why we leave it to pip.

    Precedence as pip's ConfigOptionParser: every file's [global] section,
    then every file's [COMMAND] section, then PIP_* environment variables.
    `binary` is the setting that would make pip refuse the kind of file
    fetched for `project`: `only-binary` for an sdist, `no-binary` for a wheel.
    """
    values: dict[str, str] = {}
    if env.get("PIP_CONFIG_FILE") != os.devnull:
        parsers = []
        for path in _config_files(env, site_prefix):
            if path.is_file():
                parser = configparser.RawConfigParser()
                try:
                    parser.read(path, encoding="utf-8")
                except (configparser.Error, OSError, UnicodeDecodeError):
                    return f"pip's configuration {path} could not be read"
                parsers.append(parser)
        for section in ("global", command):
            for parser in parsers:
                if parser.has_section(section):
                    for key, value in parser.items(section):
                        values[key.replace("_", "-")] = value
    for name, value in env.items():
        if name.startswith("PIP_") and value != "":
            values[name[4:].lower().replace("_", "-")] = value
    for key in UNSUPPORTED:
        if key in values and values[key].strip().lower() not in ("", "0", "false", "no", "off"):
            return f"pip is configured with {key}"
    refused = {_normalise(n) for n in re.split(r"[\s,]+", values.get(binary, "")) if n}
    if refused & {":all:", _normalise(project)}:
        return f"pip is configured with {binary} for {project}"
    for constraints in values.get("constraint", "").split():
        if _names(Path(constraints), project):
            return f"pip's constraint file {constraints} names {project}"
    index = values.get("index-url") or DEFAULT_INDEX
    cert = values.get("cert") or None
    return PipSettings(index_url=index.strip(), cert=cert.strip() if cert else None)


class _Links(html.parser.HTMLParser):
    """The anchors of a PEP 503 simple index page, and its <base href>."""

    def __init__(self) -> None:
        super().__init__()
        self.base: str | None = None
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "base" and self.base is None:
            self.base = attributes.get("href")
        elif tag == "a":
            self._href = attributes.get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def _normalise(name: str) -> str:
    """A project name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(constraints: Path, project: str) -> bool:
    """Whether a pip constraint file constrains `project` (or cannot be read)."""
    try:
        lines = constraints.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return True
    for line in lines:
        name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.split("#", 1)[0])
        if name and _normalise(name.group(1)) == _normalise(project):
            return True
    return False


def _is_sdist_of(filename: str, project: str, version: str) -> bool:
    if not filename.endswith(".tar.gz"):
        return False
    name, _, file_version = filename[: -len(".tar.gz")].rpartition("-")
    return _normalise(name) == _normalise(project) and file_version == version


def _is_pure_wheel_of(filename: str, project: str, version: str) -> bool:
    """A `py3-none-any` style wheel of PROJECT-VERSION: one any Python 3 installs."""
    if not filename.endswith(".whl"):
        return False
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        return False
    name, file_version, pythons, abi, platform = parts[0], parts[1], *parts[-3:]
    return (
        _normalise(name) == _normalise(project)
        and file_version == version
        and "py3" in pythons.split(".")
        and (abi, platform) == ("none", "any")
    )


def files_on_page(
    body: bytes, content_type: str, page_url: str
) -> list[tuple[str, str, str | None]]:
    """(filename, absolute URL, sha256 or None) for each file a simple index page lists."""
    found: list[tuple[str, str, str | None]] = []
    if content_type.split(";")[0].strip() == JSON_TYPE:
        for item in json.loads(body.decode("utf-8")).get("files", []):
            url = urllib.parse.urljoin(page_url, item["url"])
            found.append((item["filename"], url, (item.get("hashes") or {}).get("sha256")))
        return found
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    base = urllib.parse.urljoin(page_url, parser.base) if parser.base else page_url
    for href, text in parser.links:
        url = urllib.parse.urljoin(base, href)
        link, _, fragment = url.partition("#")
        filename = urllib.parse.unquote(link.rsplit("/", 1)[-1]) or text
        sha = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
        found.append((filename, link, sha))
    return found


def _opener(settings: PipSettings) -> urllib.request.OpenerDirector:
    """urllib with pip's CA bundle (else the system's) and the environment's proxies."""
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=_context(settings.cert)))


@functools.lru_cache(maxsize=4)
def _context(cert: str | None) -> ssl.SSLContext:
    """One TLS context per CA bundle: loading the system's CAs costs 30 ms of CPU each time."""
    if cert and os.path.isdir(cert):
        return ssl.create_default_context(capath=cert)
    return ssl.create_default_context(cafile=cert)


def _request(url: str, accept: str) -> urllib.request.Request:
    """A GET, with the credentials of a `user:password@` URL as Basic auth (as pip)."""
    parsed = urllib.parse.urlsplit(url)
    headers = {"User-Agent": "uwsgi-buildpack", "Accept": accept}
    if parsed.username is not None:
        import base64

        user = urllib.parse.unquote(parsed.username)
        password = urllib.parse.unquote(parsed.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        url = urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return urllib.request.Request(url, headers=headers)


def fetch_sdist(
    project: str,
    version: str,
    sha256: str | None,
    dest_dir: Path,
    env: dict[str, str],
    site_prefix: Path,
) -> Fetched:
    """Download PROJECT-VERSION.tar.gz from pip's index into `dest_dir`, checked.

    `sha256` is the pinned hash; without one (an app's own `uwsgi==X` pin), the
    hash the index publishes is checked instead, as pip does. Returns a
    Fetched whose path is None (and says why) on anything unexpected.
    """
    return _fetch(
        pip_settings(env, site_prefix, "wheel", project, "only-binary"),
        project,
        lambda filename: _is_sdist_of(filename, project, version),
        {sha256.lower()} if sha256 else None,
        dest_dir,
        f"{project}-{version}.tar.gz",
    )


def fetch_wheel(
    project: str,
    version: str,
    hashes: frozenset[str],
    dest_dir: Path,
    env: dict[str, str],
    site_prefix: Path,
) -> Fetched:
    """Download a pure-Python wheel of PROJECT-VERSION whose sha256 is one of `hashes`.

    As `pip install --require-hashes` would accept it: the file must match
    one of the pinned hashes. Returns a Fetched whose path is None (and says
    why) on anything unexpected, including a project with no pure wheel.
    """
    return _fetch(
        pip_settings(env, site_prefix, "install", project, "no-binary"),
        project,
        lambda filename: _is_pure_wheel_of(filename, project, version),
        {h.lower() for h in hashes},
        dest_dir,
        f"a pure-Python wheel of {project} {version}",
    )


def _fetch(
    settings: PipSettings | str,
    project: str,
    wanted: Callable[[str], bool],
    pinned: set[str] | None,
    dest_dir: Path,
    what: str,
) -> Fetched:
    """The first file of the index's page for `project` that is `wanted`, checked.

    Checked against `pinned` (any of them), else against the hash the index
    publishes for it. `settings` is pip_settings' answer: a string says why
    pip fetches instead.
    """
    if isinstance(settings, str):
        return Fetched(None, settings)
    index = settings.index_url.rstrip("/")
    if urllib.parse.urlsplit(index).scheme not in ("http", "https"):
        return Fetched(None, "pip's index is not an http(s) URL")
    page_url = f"{index}/{_normalise(project)}/"
    opener = _opener(settings)
    # Credentials in the index URL also apply to the files it links (pip does this too).
    credentials = urllib.parse.urlsplit(page_url).netloc.rpartition("@")[0]
    try:
        with opener.open(
            _request(page_url, f"{JSON_TYPE}, text/html;q=0.1"), timeout=TIMEOUT
        ) as response:
            listing = files_on_page(
                response.read(), response.headers.get("Content-Type", ""), response.geturl()
            )
        candidates = [f for f in listing if wanted(f[0])]
        if pinned is not None:
            # Of several (a wheel may come as py3 and py2.py3), the one pinned.
            candidates.sort(key=lambda f: not (f[2] and f[2].lower() in pinned))
        if not candidates:
            return Fetched(None, f"the index lists no {what}")
        filename, url, published = candidates[0]
        expected = pinned or ({published.lower()} if published else set())
        if not expected:
            return Fetched(None, "the index publishes no sha256 for it")
        index_host = urllib.parse.urlsplit(page_url).netloc.rpartition("@")[2]
        if credentials and urllib.parse.urlsplit(url).netloc == index_host:
            parts = urllib.parse.urlsplit(url)
            url = urllib.parse.urlunsplit(parts._replace(netloc=f"{credentials}@{parts.netloc}"))
        dest = dest_dir / filename
        digest = hashlib.sha256()
        with (
            opener.open(_request(url, "*/*"), timeout=TIMEOUT) as response,
            open(dest, "wb") as out,
        ):
            while chunk := response.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError, KeyError) as exc:
        return Fetched(None, f"fetching from the index failed ({type(exc).__name__}: {exc})")
    if digest.hexdigest() not in expected:
        dest.unlink()
        return Fetched(None, f"{filename} did not match its sha256")
    return Fetched(dest, f"{filename} from {urllib.parse.urlsplit(index).hostname}")
