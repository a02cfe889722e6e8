"""List then watch one resource, for as long as it takes: resume, relist on 410, back off on faults.

The loop of a client-go reflector, in short:

1. list in pages (``limit``/``continue``); an expired continue token (410)
   starts the list again; the list's resourceVersion is where the watch starts;
2. watch from there with bookmarks, remembering the newest resourceVersion seen
   (events and bookmarks); when the stream ends or breaks, watch again from it;
3. a 410 Gone (an ERROR event, or a 410 status) means history was compacted
   past that point: list again, and let the store tell what changed meanwhile;
4. connection faults and 5xx/429 answers are retried with exponential backoff
   and full jitter, reset once a watch delivers again; 403 and 404 stop the
   resource (the identity may not read it; the CRD went away).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from crumbs.cluster.discovery import ApiResource
from crumbs.cluster.transport import ApiError, TooLarge, Transport
from crumbs.model import mapping, sequence
from crumbs.timeutil import now_ns

PAGE = 500
MAX_LISTED = 5_000_000
"""Objects one list may hold (a server that hands out continue tokens forever is refused)."""
WATCH_SECONDS = 300
"""``timeoutSeconds`` asked of each watch: the server ends it, and it is resumed."""


@dataclass
class Listed:
    """A full list of one resource: the store works out what changed since it last knew."""

    resource: ApiResource
    items: list[dict[str, Any]]
    resource_version: str
    at: int


@dataclass
class Watched:
    """One watch event (ADDED, MODIFIED, DELETED)."""

    resource: ApiResource
    type: str
    obj: dict[str, Any]
    at: int


@dataclass
class Bookmark:
    """The watch got this far (a BOOKMARK): nothing to write, but a place to resume from."""

    resource: ApiResource
    resource_version: str


@dataclass
class Progress:
    """What is known of one resource's watch, for ``crumbs status``."""

    resource: ApiResource
    state: str = "starting"
    """starting, listing, watching, retrying, forbidden, gone, stopped."""
    resource_version: str = ""
    last_event_at: int | None = None
    last_contact_at: int | None = None
    events: int = 0
    lists: int = 0
    resumed_from: str = ""
    """The resourceVersion an earlier run had stored, when this run watched on from it."""
    errors: int = 0
    last_error: str = ""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: 0.5 s doubling to 30 s."""

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next(self) -> float:
        delay = self.rng.uniform(0, min(self.cap, self.base * 2**self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0


class Gone(Exception):
    """The resourceVersion is too old: list again."""


def list_all(
    transport: Transport, res: ApiResource, page: int = PAGE, field_selector: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """Every object of ``res`` (matching ``field_selector``), in pages, as one consistent snapshot; and its resourceVersion."""
    items: list[dict[str, Any]] = []
    cont: str | None = None
    rv = ""
    while True:
        params: dict[str, Any] = {"limit": page}
        if field_selector:
            params["fieldSelector"] = field_selector
        if cont:
            params["continue"] = cont
        try:
            body = mapping(transport.get(res.path(), params))
        except ApiError as err:
            if err.code == 410 and cont:  # the snapshot expired mid-list: start over
                items, cont, rv = [], None, ""
                continue
            raise
        except TooLarge as err:
            if page == 1:
                raise ApiError(413, "TooLarge", str(err)) from None
            page = max(1, page // 4)  # big objects: smaller pages, same snapshot
            continue
        if len(items) > MAX_LISTED:
            raise ApiError(
                507, "TooMany", f"{res.name}: a list of more than {MAX_LISTED:,} objects"
            )
        md = mapping(body.get("metadata"))
        if not cont:
            rv = str(md.get("resourceVersion") or "")
        for item in sequence(body.get("items")):
            if isinstance(item, dict):
                item.setdefault("apiVersion", res.api_version)  # typed lists leave them out
                item.setdefault("kind", res.kind)
                items.append(item)
        cont = str(md.get("continue") or "") or None
        if not cont:
            return rv, items


def watch(
    transport: Transport, res: ApiResource, rv: str, field_selector: str = ""
) -> Iterator[dict[str, Any]]:
    """The events of a watch from ``rv`` until the server ends it; ERROR 410 raises :class:`Gone`."""
    params: dict[str, Any] = {
        "watch": "1",
        "resourceVersion": rv,
        "allowWatchBookmarks": "true",
        "timeoutSeconds": WATCH_SECONDS,
    }
    if field_selector:
        params["fieldSelector"] = field_selector
    for line in transport.lines(res.path(), params, read_timeout=WATCH_SECONDS + 30):
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise ConnectionError(f"{res.name}: a watch line that is not JSON") from None
        if not isinstance(event, dict):
            continue
        if event.get("type") == "ERROR":
            st = mapping(event.get("object"))
            if st.get("code") == 410:
                raise Gone(str(st.get("message") or "too old resource version"))
            raise ApiError(
                int(st.get("code") or 500),
                str(st.get("reason") or ""),
                str(st.get("message") or ""),
            )
        yield event


class Follower:
    """Keeps one resource's objects flowing into ``emit`` until ``stop`` is set."""

    def __init__(
        self,
        transport: Transport,
        res: ApiResource,
        emit: Callable[[Listed | Watched | Bookmark], None],
        stop: threading.Event,
        warn: Callable[[str], None],
        field_selector: str = "",
        resume_from: str = "",
    ) -> None:
        self.transport = transport
        self.res = res
        self.field_selector = field_selector
        self.emit = emit
        self.stop = stop
        self.warn = warn
        self.progress = Progress(res)
        self.backoff = Backoff()
        self.resume_from = resume_from
        """Where an earlier run stopped, as stored: watch from there instead of listing (the
        changes made meanwhile come as events; a 410 falls back to a list)."""

    def run(self) -> None:
        p = self.progress
        need_list = not self.resume_from
        p.resource_version = p.resumed_from = self.resume_from
        while not self.stop.is_set():
            try:
                if need_list:
                    p.state = "listing"
                    rv, items = list_all(
                        self.transport, self.res, field_selector=self.field_selector
                    )
                    p.lists += 1
                    p.last_contact_at = now_ns()
                    self.emit(Listed(self.res, items, rv, now_ns()))
                    p.resource_version = rv
                    need_list = False
                p.state = "watching"
                for event in watch(
                    self.transport, self.res, p.resource_version, self.field_selector
                ):
                    if self.stop.is_set():
                        return
                    self._event(event)
                    self.backoff.reset()
            except Gone:
                need_list = True
            except ApiError as err:
                p.errors += 1
                p.last_error = str(err)
                if err.code in (401, 403, 404, 405):
                    p.state = "forbidden" if err.code in (401, 403) else "gone"
                    self.warn(f"{self.res.name}: {err.message or err.reason} (skipped)")
                    return
                if err.code == 410:
                    need_list = True
                    continue
                self._pause()
            except ConnectionError as err:
                p.errors += 1
                p.last_error = str(err)
                self._pause()
        p.state = "stopped"

    def _event(self, event: dict[str, Any]) -> None:
        p = self.progress
        obj = mapping(event.get("object"))
        rv = str(mapping(obj.get("metadata")).get("resourceVersion") or "")
        now = now_ns()
        p.last_contact_at = now
        kind = event.get("type")
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            obj.setdefault("apiVersion", self.res.api_version)
            obj.setdefault("kind", self.res.kind)
            self.emit(Watched(self.res, str(kind), obj, now))
            p.events += 1
            p.last_event_at = now
        elif kind == "BOOKMARK" and rv:
            self.emit(Bookmark(self.res, rv))
        if rv:
            p.resource_version = rv

    def _pause(self) -> None:
        self.progress.state = "retrying"
        delay = self.backoff.next()
        deadline = time.monotonic() + delay
        while not self.stop.is_set() and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
