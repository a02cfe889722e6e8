"""Where a store lives, as ``--db`` and ``CRUMBS_DB`` give it.

A plain path, or a URL: ``sqlite:///absolute/path`` (or ``sqlite://relative``), or
``postgresql://user:password@host:port/database`` (``postgres://`` too; any libpq
parameter in the query string, ``?sslmode=require``). A value shaped like a URL
(``scheme://...``) of a scheme Crumbs does not support is refused, never taken for a
relative path (``mysql://db/x`` would otherwise create ``./mysql:/db/x``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from crumbs.errors import StoreError

SCHEMES = ("sqlite", "postgresql", "postgres")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//|$)")


@dataclass(frozen=True)
class Location:
    kind: Literal["sqlite", "postgresql"]
    target: str
    """The SQLite file (absolute), or the PostgreSQL URL as given (credentials included)."""

    @property
    def shown(self) -> str:
        """The location as it may be printed: a URL's password masked."""
        if self.kind == "sqlite":
            return self.target
        return masked_url(self.target)


def masked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f":***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def locate(location: str) -> Location:
    """What ``location`` names, or StoreError for an unsupported URL."""
    m = _URL.match(location)
    if m is None:
        return Location("sqlite", os.path.abspath(os.path.expanduser(location)))
    scheme = m.group(1).lower()
    if scheme == "sqlite":
        rest = location[m.end() :]
        if not rest:
            raise StoreError(f"{location}: no path (sqlite:///path/to/crumbs.db)")
        path = unquote(rest)
        if path.startswith("//"):  # sqlite:////abs/path: one leading slash is meant
            path = "/" + path.lstrip("/")
        return Location("sqlite", os.path.abspath(os.path.expanduser(path)))
    if scheme in ("postgresql", "postgres"):
        if not urlsplit(location).path.strip("/"):
            raise StoreError(
                f"{masked_url(location)}: no database (postgresql://user@host:5432/crumbs)"
            )
        return Location("postgresql", location)
    raise StoreError(
        f"{location}: stores of kind {scheme!r} are not supported "
        "(a path, sqlite:///path or postgresql://host/database)"
    )


def sqlite_path(location: str) -> str:
    """The SQLite file a location names (absolute); StoreError for anything else."""
    where = locate(location)
    if where.kind != "sqlite":
        raise StoreError(f"{where.shown}: an SQLite file is needed here")
    return where.target
