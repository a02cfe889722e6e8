"""Live capture of the log a container wrote before it failed (``watch --logs``, ``scan --live
--logs``): read-only ``GET /api/v1/namespaces/NS/pods/NAME/log``.

What is fetched: for each container of a pod that **failed** — its last run terminated with a
non-zero exit code or was OOMKilled (``lastState.terminated`` after a restart, or
``state.terminated`` for a pod that does not restart), or it waits in ``CrashLoopBackOff`` — the
log of that run: ``previous=true`` when the container has restarted since, else the current
one; ``timestamps=true``, ``tailLines`` and ``limitBytes`` bounded. Once per run: the key is
(pod uid, container, restart count).

Never in the watch's way: :meth:`LogFetcher.offer` only queues (a full queue drops, counted);
one worker thread fetches, at most :attr:`Limits.per_second` requests a second (a token
bucket) and :attr:`Limits.bytes_per_hour` bytes an hour (the rest skipped, counted). Failures
are counted, with the last one's words, for ``crumbs status`` (row ``pods/log``); a 403 stops
the fetching (the optional ``pods/log`` rule is not granted) and says so once.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from crumbs.cluster.discovery import ApiResource
from crumbs.cluster.follow import Progress
from crumbs.cluster.transport import ApiError, Transport
from crumbs.model import LogChunk, mapping, sequence
from crumbs.timeutil import log_line_time, now_ns

LOG_RESOURCE = ApiResource("", "v1", "Log", "pods/log", True)
"""How the fetcher shows in ``crumbs status``."""


@dataclass(frozen=True)
class Limits:
    per_second: float = 2.0
    """Requests a second at the most (a burst of :attr:`burst`)."""
    burst: int = 10
    bytes_per_hour: int = 64 * 1024 * 1024
    tail_lines: int = 500
    limit_bytes: int = 256 * 1024
    queue: int = 256
    """Requests waiting at the most; more are dropped (and counted)."""


@dataclass(frozen=True)
class Wanted:
    """One failed run whose log to fetch."""

    cluster: str
    namespace: str
    pod: str
    uid: str
    container: str
    restarts: int
    previous: bool
    why: str


def failed_runs(cluster: str, pod: dict[str, Any]) -> Iterator[Wanted]:
    """The containers of ``pod`` whose last run failed, and which log holds it."""
    md, st = mapping(pod.get("metadata")), mapping(pod.get("status"))
    ns, name, uid = str(md.get("namespace") or ""), str(md.get("name") or ""), str(md.get("uid") or "")  # fmt: skip
    if not (ns and name and uid):
        return
    for cs in [*sequence(st.get("initContainerStatuses")), *sequence(st.get("containerStatuses"))]:
        c = mapping(cs)
        restarts = int(c.get("restartCount") or 0)
        state, last = mapping(c.get("state")), mapping(c.get("lastState"))
        now_done, last_done = mapping(state.get("terminated")), mapping(last.get("terminated"))
        waiting = str(mapping(state.get("waiting")).get("reason") or "")
        container = str(c.get("name") or "")
        if now_done and _failed(now_done):
            yield Wanted(cluster, ns, name, uid, container, restarts, False, _why(now_done))
        elif restarts and last_done and (_failed(last_done) or waiting == "CrashLoopBackOff"):
            yield Wanted(cluster, ns, name, uid, container, restarts, True, _why(last_done))


def _failed(t: dict[str, Any]) -> bool:
    return t.get("reason") == "OOMKilled" or (t.get("exitCode") not in (None, 0))


def _why(t: dict[str, Any]) -> str:
    return f"{t.get('reason') or 'exited'} (exit code {t.get('exitCode')})"


@dataclass
class Counts:
    fetched: int = 0
    bytes: int = 0
    failed: int = 0
    dropped: int = 0
    over_budget: int = 0
    last_error: str = ""
    forbidden: bool = False


@dataclass
class _Bucket:
    rate: float
    burst: int
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def take(self, stop: threading.Event) -> bool:
        """Wait for a token (False: stopped meanwhile)."""
        while not stop.is_set():
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            stop.wait((1 - self.tokens) / self.rate)
        return False


class LogFetcher:
    """Queues failed runs, fetches their logs in one thread, hands the chunks to ``deliver``."""

    def __init__(
        self,
        transports: dict[str, Transport],
        deliver: Callable[[LogChunk], None],
        limits: Limits = Limits(),
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.transports = transports
        self.deliver = deliver
        self.limits = limits
        self.warn = warn
        self.counts = Counts()
        self._state = "idle"
        self._last_event: int | None = None
        self._last_contact: int | None = None
        self._queue: queue.Queue[Wanted] = queue.Queue(limits.queue)
        self._seen: OrderedDict[tuple[str, str, str, int, bool], None] = OrderedDict()
        self._lock = threading.Lock()
        self._bucket = _Bucket(limits.per_second, limits.burst, float(limits.burst))
        self._hour: tuple[int, int] = (0, 0)  # (hour, bytes fetched in it)

    @property
    def progress(self) -> Progress:
        """The fetcher as ``crumbs status`` shows it (row ``pods/log``), from its counts."""
        c = self.counts
        return Progress(LOG_RESOURCE, self._state, "", self._last_event, self._last_contact,
                        events=c.fetched, errors=c.failed, last_error=c.last_error)  # fmt: skip

    def offer(self, cluster: str, pod: dict[str, Any]) -> None:
        """Queue the failed runs of a pod not asked for yet; never waits."""
        if self.counts.forbidden:
            return
        for w in failed_runs(cluster, pod):
            key = (w.cluster, w.uid, w.container, w.restarts, w.previous)
            with self._lock:
                if key in self._seen:
                    continue
                self._seen[key] = None
                if len(self._seen) > 100_000:
                    self._seen.popitem(last=False)
            try:
                self._queue.put_nowait(w)
            except queue.Full:
                self.counts.dropped += 1

    def run(self, stop: threading.Event) -> None:
        """Fetch what is queued until ``stop`` (the thread's body)."""
        while not stop.is_set():
            try:
                w = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.counts.forbidden or not self._bucket.take(stop):
                continue
            self.fetch(w)

    def drain(self, stop: threading.Event | None = None) -> None:
        """Fetch everything queued now (``scan --live --logs``), within the same limits."""
        stop = stop or threading.Event()
        while not self.counts.forbidden:
            try:
                w = self._queue.get_nowait()
            except queue.Empty:
                return
            if self._bucket.take(stop):
                self.fetch(w)

    def fetch(self, w: Wanted) -> None:
        hour = int(time.time() // 3600)
        if self._hour[0] != hour:
            self._hour = (hour, 0)
        if self._hour[1] >= self.limits.bytes_per_hour:
            self.counts.over_budget += 1
            return
        transport = self.transports.get(w.cluster)
        if transport is None:
            return
        path = f"/api/v1/namespaces/{quote(w.namespace)}/pods/{quote(w.pod)}/log"
        params = {"container": w.container, "previous": "true" if w.previous else "false",
                  "timestamps": "true", "tailLines": self.limits.tail_lines,
                  "limitBytes": self.limits.limit_bytes}  # fmt: skip
        self._state = "fetching"
        try:
            body = transport.text(path, params, self.limits.limit_bytes + 65536)
        except ApiError as err:
            self._failed(w, f"{err.code} {err.message}")
            if err.code == 403:
                self.counts.forbidden = True
                self._state = "forbidden"
                self.warn(f"{w.cluster}: pods/log is forbidden ({err.message}): container logs are not captured (grant the optional pods/log rule)")  # fmt: skip
            return
        except ConnectionError as err:
            self._failed(w, str(err))
            return
        self._hour = (hour, self._hour[1] + len(body))
        self.counts.fetched += 1
        self.counts.bytes += len(body)
        self._last_event = self._last_contact = now_ns()
        self._state = "ready"
        lines = body.decode("utf-8", "replace").splitlines()
        if not lines:
            return
        times = [t for t in map(log_line_time, lines) if t is not None]
        self.deliver(LogChunk(w.cluster, w.namespace, w.pod, w.container, lines,
                              f"{w.cluster}: pods/log ({'previous, ' if w.previous else ''}{w.why})",
                              times[0] if times else None, times[-1] if times else None, w.previous,
                              now_ns(), w.uid, w.restarts))  # fmt: skip

    def _failed(self, w: Wanted, message: str) -> None:
        self.counts.failed += 1
        self.counts.last_error = f"{w.namespace}/{w.pod} {w.container}: {message}"[:500]
        self._last_contact = now_ns()
