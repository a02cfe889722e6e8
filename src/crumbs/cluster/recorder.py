"""``crumbs watch``: every resource of every cluster, listed then watched, into one store.

One follower thread per resource (they wait on the network), one queue, and
the store's single writer in the calling thread:

- a watch event becomes records as ``crumbs ingest`` would make them (Helm
  release Secrets decoded, Secrets redacted by the writer, Events as events);
- a full list (the first, and every relist after a 410) is compared with what
  the store holds for that resource: objects it lacks are ADDED, objects whose
  document changed are MODIFIED (identical ones are deduplicated by the store),
  and objects the store has but the list does not were deleted meanwhile: a
  DELETED revision carrying their last known document;
- records are sent to the writer every half second (or every batch), status
  rows are saved every two seconds, and discovery runs again every minute (a
  new CRD is followed as soon as it is served).

The queue is bounded: when the store cannot keep up, followers wait, so memory
stays flat however long the run.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crumbs.cluster.discovery import ApiResource, discover_or_warn, storable
from crumbs.cluster.follow import Bookmark, Follower, Listed, Progress, Watched
from crumbs.cluster.podlogs import Limits, LogFetcher
from crumbs.cluster.status import resume_points, save_status
from crumbs.cluster.transport import Target, Transport
from crumbs.model import LogChunk, Revision, RevisionType
from crumbs.store import Selector, Store, Writer

QUEUE_SIZE = 2_000
SEND_EVERY = 0.5
STATUS_EVERY = 2.0
REDISCOVER_EVERY = 60.0


@dataclass
class Totals:
    revisions: int = 0
    unchanged: int = 0
    events: int = 0
    relists: int = 0
    deleted_while_away: int = 0
    warnings: list[str] = field(default_factory=list)


class Recorder:
    def __init__(
        self,
        store: Store,
        targets: list[Target],
        include: list[str] | None = None,
        exclude: list[str] | None = None,
        rediscover_every: float = REDISCOVER_EVERY,
        warn: Callable[[str], None] = lambda message: None,
        field_selectors: dict[str, str] | None = None,
        secret_digests: bool = True,
        logs: Limits | None = None,
    ) -> None:
        self.store = store
        self.logs = logs
        """Capture failed containers' logs within these limits (None: not at all)."""
        self.fetchers: dict[str, LogFetcher] = {}
        self._chunks: queue.SimpleQueue[LogChunk] = queue.SimpleQueue()
        self.secret_digests = secret_digests
        self.targets = targets
        self.include = include
        self.field_selectors = field_selectors or {}
        """Resource (as --include names it) → field selector: ``{"pods": "spec.nodeName=node-1"}``."""
        self.exclude = exclude
        self.rediscover_every = rediscover_every
        self._warn_out = warn
        self.queue: queue.Queue[tuple[str, Listed | Watched | Bookmark]] = queue.Queue(QUEUE_SIZE)
        self._resume = resume_points(store)
        """Where the last run stopped, per (cluster, resource)."""
        self._reached: dict[tuple[str, str], str] = {}
        """The newest resourceVersion handed to the writer, per (cluster, resource)."""
        self._committed_points: dict[tuple[str, str], str] = {}
        self.followers: dict[tuple[str, ApiResource], Follower] = {}
        self.totals = Totals()
        self._lock = threading.Lock()

    def warn(self, message: str) -> None:
        with self._lock:
            self.totals.warnings.append(message)
        self._warn_out(message)

    @property
    def progress(self) -> list[tuple[str, Progress]]:
        rows = [(cluster, f.progress) for (cluster, _), f in sorted(self.followers.items())]
        return rows + [(cluster, f.progress) for cluster, f in sorted(self.fetchers.items())]

    # -- running -------------------------------------------------------------

    def run(
        self, stop: threading.Event, on_tick: Callable[[Recorder], None] | None = None
    ) -> Totals:
        transports = [Transport(t) for t in self.targets]
        if self.logs is not None:
            for t in transports:
                fetcher = LogFetcher({t.name: t}, self._chunks.put, self.logs, self.warn)
                self.fetchers[t.name] = fetcher
                threading.Thread(target=fetcher.run, args=(stop,), name=f"logs {t.name}", daemon=True).start()  # fmt: skip
        for t in transports:
            self._follow_new(t, stop)
        threads = [
            threading.Thread(target=self._rediscover, args=(t, stop), daemon=True)
            for t in transports
        ]
        for th in threads:
            th.start()
        writer = self.store.writer(self.secret_digests)
        last_send = last_status = time.monotonic()
        try:
            while not stop.is_set():
                try:
                    cluster, item = self.queue.get(timeout=0.1)
                    self._write(writer, cluster, item)
                except queue.Empty:
                    pass
                self._write_logs(writer)
                now = time.monotonic()
                if now - last_send >= SEND_EVERY:
                    writer.send()
                    last_send = now
                if now - last_status >= STATUS_EVERY:
                    self._save_status(writer)
                    last_status = now
                    if on_tick:
                        on_tick(self)
            while True:  # what was already received is written before leaving
                try:
                    cluster, item = self.queue.get_nowait()
                except queue.Empty:
                    break
                self._write(writer, cluster, item)
            self._write_logs(writer)
            writer.flush()
            self._committed_points = dict(self._reached)
        finally:
            writer.close()
            self._account(writer)
            self._save_status(None)
            for t in transports:
                t.close()
        return self.totals

    def _follow_new(self, transport: Transport, stop: threading.Event) -> None:
        for res in discover_or_warn(transport, self.include, self.exclude, self.warn):
            key = (transport.name, res)
            if key in self.followers:
                continue

            def emit(item: Listed | Watched | Bookmark, cluster: str = transport.name) -> None:
                while not stop.is_set():
                    try:
                        self.queue.put((cluster, item), timeout=0.2)
                        return
                    except queue.Full:
                        continue

            selector = next((v for k, v in self.field_selectors.items() if res.matches(k)), "")
            was, was_selector = self._resume.get((transport.name, res.name), ("", ""))
            resume = was if was_selector == selector else ""  # another selector: another set
            f = Follower(transport, res, emit, stop, self.warn, selector, resume)
            self.followers[key] = f
            threading.Thread(target=f.run, name=f"follow {res.name}", daemon=True).start()

    def _rediscover(self, transport: Transport, stop: threading.Event) -> None:
        while not stop.wait(self.rediscover_every):
            self._follow_new(transport, stop)

    # -- writing -------------------------------------------------------------

    def _write(self, writer: Writer, cluster: str, item: Listed | Watched | Bookmark) -> None:
        where = f"{cluster}:{item.resource.name}"
        place = (cluster, item.resource.name)
        if isinstance(item, Bookmark):
            self._reached[place] = item.resource_version
            return
        if isinstance(item, Watched):
            for rec in storable({"type": item.type, "object": item.obj}, where, cluster, item.at):
                writer.add(rec)
            self._offer_logs(cluster, item.resource, item.obj)
            rv = (item.obj.get("metadata") or {}).get("resourceVersion")
            if rv:
                self._reached[place] = str(rv)
            return
        self.totals.relists += 1
        writer.flush()  # the store must hold everything before it is compared with the list
        res = item.resource
        known = {
            (r.key.namespace, r.key.name): r
            for r in self.store.queries.state_at(
                item.at,
                Selector(cluster=cluster, kinds=[(res.group, res.kind)]),
                ordered=False,
                lazy=True,
            )
        }
        listed = set()
        for obj in item.items:
            self._offer_logs(cluster, res, obj)
            for rec in storable(obj, where, cluster, item.at):
                if isinstance(rec, Revision):
                    listed.add((rec.key.namespace, rec.key.name))
                    rec.type = (
                        RevisionType.MODIFIED
                        if (rec.key.namespace, rec.key.name) in known
                        else RevisionType.ADDED
                    )
                writer.add(rec)
        for key, last in known.items():
            if key not in listed:
                self.totals.deleted_while_away += 1
                writer.add(
                    Revision(
                        last.key,
                        last.uid,
                        item.at,
                        RevisionType.DELETED,
                        last.doc,
                        f"{where} (gone from the list)",
                    )
                )
        if item.resource_version:
            self._reached[place] = item.resource_version

    def _offer_logs(self, cluster: str, resource: ApiResource, obj: dict[str, object]) -> None:
        fetcher = self.fetchers.get(cluster)
        if fetcher is not None and resource.kind == "Pod" and resource.group == "":
            fetcher.offer(cluster, obj)

    def _write_logs(self, writer: Writer) -> None:
        while True:
            try:
                writer.add(self._chunks.get_nowait())
            except queue.Empty:
                return

    def _selector_of(self, place: tuple[str, str]) -> str:
        for (cluster, res), f in self.followers.items():
            if (cluster, res.name) == place:
                return f.field_selector
        return ""

    def _account(self, writer: Writer) -> None:
        self.totals.revisions = writer.stats.revisions
        self.totals.unchanged = writer.stats.unchanged
        self.totals.events = writer.stats.events

    def _save_status(self, writer: Writer | None) -> None:
        """Progress for `crumbs status`, and where a restart resumes: only resourceVersions whose
        changes the store has committed (flushed first), so a crash loses nothing."""
        if writer is not None:
            try:
                writer.flush()
            except Exception as err:  # the next write reports it; keep the old resume points
                self.warn(f"cannot write to the store: {err}")
            else:
                self._committed_points = dict(self._reached)
            self._account(writer)
        try:
            resume = {
                place: (rv, self._selector_of(place))
                for place, rv in self._committed_points.items()
            }
            save_status(self.store, self.progress, resume)
        except Exception as err:  # status is a convenience: never stop recording for it
            self.warn(f"cannot save the watch status: {err}")
