"""The shipper: what a recorder stored, delivered to a central ``crumbs serve`` in order.

A thread beside ``crumbs watch --to URL`` (or ``crumbs agent --to URL``). Every half second it
reads what its local store (the spool, :mod:`crumbs.store.shipping`) holds beyond the marks,
up to :data:`BATCH` records, encodes them in the wire format (:mod:`crumbs.formats.wire`),
and POSTs them zstd-compressed with the cluster's token:

- **2xx**: the marks move past what was sent (kept in the spool), and the shipped history is
  trimmed from the spool (each object's newest revision stays: relists need it).
- **429 / 503**: the server is busy: wait its ``Retry-After`` (at most a minute), send again.
- **unreachable, 5xx**: retry with backoff (0.5 s doubling to 30 s); the spool grows.
- **401 / 403**: the token is not accepted for this cluster: state ``refused``, retried every
  30 s (a rotated Secret fixes it without a restart), nothing dropped.
- **the spool past its bound**: the oldest undelivered history is dropped
  (:func:`crumbs.store.shipping.drop_oldest`), counted as ``lost``; objects' newest state is
  never dropped.

Delivery is at least once: a crash between the server's commit and the marks' save sends a
batch again, and the server's writes are idempotent (the store's dedup keys). Records are sent
in id order per table, so the central store sees each object's changes in the order the
recorder stored them.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from crumbs.errors import StoreError
from crumbs.formats import wire
from crumbs.store import Store, watchstatus
from crumbs.store import shipping as spool
from crumbs.store.codec import pack_text
from crumbs.timeutil import now_ns

BATCH = 2000
"""Records per delivery at most."""
EVERY = 0.5
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 60.0
TIMEOUT = 60.0
STATUS_EVERY = 5.0
USER_AGENT = "crumbs-shipper"


@dataclass
class Delivery:
    body: bytes
    records: int
    marks: spool.Marks
    newest: int | None
    status: bool = False
    """It carries the recorder's resource rows."""


class Shipper:
    def __init__(
        self,
        location: str,
        url: str,
        token: str,
        cluster: str,
        spool_max_bytes: int,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.location = location
        self.url = url.rstrip("/") + "/api/v1/ingest"
        self.peer = url.rstrip("/")
        self.token = token
        self.cluster = cluster
        self.spool_max = spool_max_bytes
        self.warn = warn
        self.status = spool.ShippingStatus(cluster, self.peer, "sender", "shipping")
        self._backoff = EVERY
        self._lock = threading.Lock()
        self._status_sent = 0.0
        """When the recorder's resource rows were last delivered (monotonic; 0: never)."""

    # -- the loop --------------------------------------------------------------------

    def run(self, stop: threading.Event, drain_seconds: float = 10.0) -> None:
        """Ship until ``stop``; then try for ``drain_seconds`` more to deliver what is left."""
        with Store.open(self.location) as store:
            wait = EVERY
            while not stop.wait(wait):
                wait = self.step(store)
            deadline = time.monotonic() + drain_seconds
            self._status_sent = 0.0  # the last resource rows go too
            while time.monotonic() < deadline:
                wait = self.step(store)
                if self.status.pending == 0 and self._status_sent:
                    break
                if wait:
                    time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
            self._save(store)

    def step(self, store: Store) -> float:
        """One delivery (or none); how long to wait before the next."""
        with self._lock:
            marks = spool.marks(store.db, self.peer)
            self.status.spool_bytes = spool.spool_bytes(store.db)
            lost = 0
            if self.status.spool_bytes > self.spool_max:
                lost = spool.drop_oldest(store.db, marks)
                if lost:
                    self.status.lost += lost
                    self.status.state = "full"
                    self.warn(f"the spool passed {self.spool_max / 1e6:.0f} MB while {self.peer} could not be reached: "
                              f"dropped the oldest {lost:,} undelivered records (objects' newest state kept)")  # fmt: skip
            delivery = self._gather(store, marks)
            self.status.pending = spool.pending(store.db, marks)
            if delivery is None:
                if self.status.state == "full":
                    self.status.state = "shipping"
                self._save(store)
                return EVERY
            wait = self._send(delivery)
            if wait and lost:
                self.status.state = "full"  # undelivered, and dropping: say the worse
            if wait == 0:
                if delivery.status:
                    self._status_sent = time.monotonic()
                spool.save_marks(store.db, self.peer, delivery.marks)
                spool.trim_shipped(store.db, delivery.marks)
                self.status.pending = spool.pending(store.db, delivery.marks)
                wait = 0 if self.status.pending else EVERY
            self._save(store)
            return wait

    def _save(self, store: Store) -> None:
        self.status.updated_at = now_ns()
        with contextlib.suppress(StoreError):
            spool.save_status(store.db, self.status)

    # -- what goes --------------------------------------------------------------------

    def _gather(self, store: Store, marks: spool.Marks) -> Delivery | None:
        q, lines, newest = store.queries, [], None
        moved = spool.Marks(dict(marks.ids))
        room = BATCH

        def note(at: int | None) -> None:
            nonlocal newest
            if at is not None and (newest is None or at > newest):
                newest = at

        for rev in q.revisions_after(marks.of("revisions"), room):
            moved.ids["revisions"] = rev.id
            if rev.key.cluster == self.cluster:
                lines.append(wire.revision_line(rev))
                note(rev.at)
        room = BATCH - len(lines)
        if room > 0:
            for ev in q.events_after(marks.of("events"), room):
                moved.ids["events"] = ev.id
                if ev.key.cluster == self.cluster:
                    lines.append(wire.event_line(ev))
                    note(ev.at)
            for rel in q.releases_after(marks.of("releases"), max(1, BATCH - len(lines))):
                moved.ids["releases"] = rel.id
                if rel.cluster == self.cluster:
                    lines.append(wire.release_line(rel))
            for aid, rec in q.audit_after(marks.of("audit"), max(1, BATCH - len(lines))):
                moved.ids["audit"] = aid
                if rec.key.cluster == self.cluster:
                    lines.append(wire.audit_line(rec))
            for log in q.logs_after(marks.of("logs"), max(1, min(100, BATCH - len(lines)))):
                moved.ids["logs"] = log.id
                if log.cluster == self.cluster:
                    lines.append(wire.log_line(log))
            for cid, events in store.activity.chunks_after(marks.of("node_event_chunks"), 1):
                moved.ids["node_event_chunks"] = cid
                lines += [wire.node_line(e) for e in events]
        records = len(lines)
        with_status = self._status_due(force=records == 0)
        if with_status:
            lines += [wire.status_line(s) for s in watchstatus.load(store.db, self.cluster)]
        if not lines and not with_status:
            return None
        return Delivery(pack_text(wire.body_of(lines)), records, moved, newest, with_status)

    def _status_due(self, force: bool) -> bool:
        """The recorder's resource rows go along every few seconds (alone when nothing else does)."""
        since = time.monotonic() - self._status_sent
        return since >= STATUS_EVERY and (force or since >= 2 * STATUS_EVERY)

    # -- sending ------------------------------------------------------------------------

    def _send(self, d: Delivery) -> float:
        """0 when delivered; else how long to wait before trying again."""
        req = urllib.request.Request(self.url, data=d.body, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/x-ndjson",
            "Content-Encoding": "zstd", "User-Agent": USER_AGENT})  # fmt: skip
        s = self.status
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                r.read()
        except urllib.error.HTTPError as err:
            s.errors += 1
            detail = err.read()[:300].decode("utf-8", "replace").strip()
            s.last_error = f"{err.code}: {detail}"
            if err.code in (429, 503):
                s.state = "busy"
                return _retry_after(err.headers.get("Retry-After"))
            if err.code in (401, 403):
                if s.state != "refused":
                    self.warn(f"{self.peer} refused the token for cluster {self.cluster}: {detail}")
                s.state = "refused"
                return MAX_BACKOFF
            s.state = "retrying"
            return self._next_backoff()
        except (OSError, http.client.HTTPException) as err:
            s.errors += 1
            s.last_error = str(getattr(err, "reason", err))[:300]
            s.state = "retrying"
            return self._next_backoff()
        s.state, s.last_error = "shipping", ""
        s.shipped += d.records
        s.batches += 1
        s.last_ok_at = now_ns()
        if d.newest is not None and (s.newest_at is None or d.newest > s.newest_at):
            s.newest_at = d.newest
        self._backoff = EVERY
        return 0

    def _next_backoff(self) -> float:
        wait, self._backoff = self._backoff, min(MAX_BACKOFF, self._backoff * 2)
        return wait


def _retry_after(value: str | None) -> float:
    try:
        return min(MAX_RETRY_AFTER, max(0.1, float(value or 1)))
    except ValueError:
        return 1.0
