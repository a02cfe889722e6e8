"""``POST /api/v1/alerts/alertmanager``: Alertmanager's webhook. The call is answered as soon as
the payload is read (Alertmanager waits for nobody); a worker thread investigates each new alert
of the group as of its start, keeps it and notifies, on a store connection of its own."""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable
from typing import Any

from crumbs.alerts import Alert
from crumbs.app.alerting import Explain, handle_new
from crumbs.errors import CrumbsError
from crumbs.formats.alertmanager import webhook
from crumbs.notify.config import Alerting
from crumbs.redaction import Redactor
from crumbs.store import Store
from crumbs.timeutil import now_ns

QUEUE = 10_000
"""Alerts waiting; beyond it Alertmanager is told 503 (it retries)."""
WORKERS = 1
"""Worker threads (each with its connection; an alert goes to the one its fingerprint picks, so
its firing and resolution keep their order). One: an investigation is Python work, and two
threads were measured no faster than one (the GIL; benchmarks/README.md) — more would take
processes."""


class Intake:
    def __init__(self, open_store: Callable[[], Store], alerting: Callable[[], Alerting], redactor: Redactor,
                 observe: Callable[[float | None], None], explain: Explain | None = None) -> None:  # fmt: skip
        self._open = open_store
        self._alerting = alerting
        self._redactor = redactor
        self._observe = observe
        """Told each delivery's seconds since the alert's receipt, and None for an alert that failed."""
        self._explain = explain
        self._queues: list[queue.Queue[tuple[Alert, int] | None]] = [
            queue.Queue(QUEUE // WORKERS) for _ in range(WORKERS)
        ]
        self._threads = [threading.Thread(target=self._run, args=(q,), name=f"crumbs-alerts-{i}", daemon=True)
                         for i, q in enumerate(self._queues)]  # fmt: skip
        for t in self._threads:
            t.start()

    def accept(self, body: bytes) -> dict[str, Any]:
        """The payload read (a bad one: InputError, 400); its alerts queued."""
        group = webhook(body, "alertmanager webhook")
        received = now_ns()
        for alert in group.alerts:  # one alert's states always go to the same worker, in order
            self._queues[zlib.crc32(alert.fingerprint.encode()) % WORKERS].put_nowait(
                (alert, received)
            )
        return {"accepted": len(group.alerts), "groupKey": group.group_key}

    def close(self) -> None:
        for q in self._queues:
            q.put(None)
        for t in self._threads:
            t.join(timeout=10)

    def _run(self, work: queue.Queue[tuple[Alert, int] | None]) -> None:
        store: Store | None = None
        while (item := work.get()) is not None:
            alert, received = item
            try:
                if store is None:
                    store = self._open()
                done = handle_new(
                    store,
                    alert,
                    self._alerting(),
                    self._redactor,
                    "webhook",
                    received,
                    self._explain,
                )
                for ms in done.latencies_ms if done else []:
                    self._observe(ms / 1000)
            except CrumbsError:
                self._observe(None)
                if store is not None:
                    store.close()
                    store = None
            except Exception:  # a bug in one alert's investigation must not stop the intake
                self._observe(None)
            finally:
                work.task_done()
        if store is not None:
            store.close()
