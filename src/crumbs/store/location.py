"""Where a store lives, as ``--db`` and ``CRUMBS_DB`` give it.

A plain path, or a URL: ``sqlite:///absolute/path`` (or ``sqlite://relative``).
A value shaped like a URL (``scheme://...``) of a scheme Crumbs does not
support is refused, never taken for a relative path (``mysql://db/x`` would
otherwise create ``./mysql:/db/x``).
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

from crumbs.errors import StoreError

SCHEMES = ("sqlite",)
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//|$)")


def sqlite_path(location: str) -> str:
    """The SQLite file a location names (absolute), or StoreError for an unsupported URL."""
    m = _URL.match(location)
    if m is None:
        return os.path.abspath(os.path.expanduser(location))
    scheme = m.group(1).lower()
    if scheme == "sqlite":
        rest = location[m.end() :]
        if not rest:
            raise StoreError(f"{location}: no path (sqlite:///path/to/crumbs.db)")
        path = unquote(rest)
        if path.startswith("//"):  # sqlite:////abs/path: one leading slash is meant
            path = "/" + path.lstrip("/")
        return os.path.abspath(os.path.expanduser(path))
    raise StoreError(
        f"{location}: stores of kind {scheme!r} are not supported (a path, or sqlite:///path)"
    )
