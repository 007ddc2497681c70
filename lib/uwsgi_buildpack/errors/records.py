"""What the messages read of the buildpack's own records, as protocols.

A message is made from another module's record (an ini option, a package
manager, a version request, a uwsgi.ini finding), but this package imports no
other module: each record is described here by the few attributes the
messages read, and only those. When a record changes, this is the one place
to check against it.
"""

from __future__ import annotations

from typing import Protocol


class _Option(Protocol):
    """What a message needs of uwsgi_ini_check.Option."""

    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def where(self) -> str: ...


class _Titled(Protocol):
    """What a message needs of uwsgi_ini_check.Finding."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def code(self) -> str: ...


class _Manager(Protocol):
    """What a message needs of package_manager.PackageManager."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def lock(self) -> str | None: ...
    @property
    def lock_command(self) -> str: ...
    @property
    def rehash_command(self) -> str: ...


class _Request(Protocol):
    """What a message needs of python_version.VersionRequest."""

    @property
    def origin(self) -> str: ...
    @property
    def minor_version(self) -> str: ...
