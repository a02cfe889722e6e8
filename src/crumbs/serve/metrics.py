"""``/metrics``: Prometheus metrics of ``crumbs serve`` (``prometheus-client``, only here).

Requests and their latency by route (the route's template, never the object's name: bounded
labels), and what the store holds, read at scrape time: its size on disk, each cluster's newest
data time, the findings by severity as of the store's newest time (computed once per change of
the store, not per scrape), and the copilot's runs, tokens and cost from the decision traces.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from crumbs.store import Store, investigations
from crumbs.store import traces as stored_traces

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    """What the store holds, read when Prometheus scrapes."""

    def __init__(
        self, open_store: Callable[[], Store], findings: Callable[[Store], dict[str, int]]
    ) -> None:
        self._open = open_store
        self._findings = findings
        self._lock = threading.Lock()
        self._cached: tuple[str, dict[str, int]] | None = None

    def collect(self) -> Iterator[Any]:
        try:
            store = self._open()
        except Exception:  # an unreachable store: no store metrics this scrape (/readyz says why)
            return
        with store:
            size = GaugeMetricFamily("crumbs_store_bytes", "Size of the store's database file.")
            size.add_metric([], float(store.size()))
            yield size
            newest = GaugeMetricFamily(
                "crumbs_store_newest_data_timestamp_seconds",
                "Each cluster's newest observed revision time (Unix seconds).",
                labels=["cluster"],
            )
            for cluster, at in store.queries.newest_by_cluster().items():
                newest.add_metric([cluster], at / 1e9)
            yield newest
            found = GaugeMetricFamily(
                "crumbs_findings",
                "Findings as of the store's newest time, by severity.",
                labels=["severity"],
            )
            for severity, n in self._findings_of(store).items():
                found.add_metric([severity], float(n))
            yield found
            t = stored_traces.totals(store.db)
            runs = CounterMetricFamily("crumbs_copilot_runs", "Copilot runs recorded.")
            runs.add_metric([], float(t.runs))
            yield runs
            tokens = CounterMetricFamily(
                "crumbs_copilot_tokens",
                "Tokens sent to and received from models.",
                labels=["direction"],
            )
            tokens.add_metric(["in"], float(t.tokens_in))
            tokens.add_metric(["out"], float(t.tokens_out))
            yield tokens
            cost = CounterMetricFamily(
                "crumbs_copilot_cost_dollars", "What the models' providers charged, as priced."
            )
            cost.add_metric([], t.cost)
            yield cost
            outcomes, sent = investigations.counts(store.db)
            by_outcome = CounterMetricFamily(
                "crumbs_investigations",
                "Alerts investigated, by outcome (explained, unexplained, nothing, unmapped).",
                labels=["outcome"],
            )
            for outcome in ("explained", "unexplained", "nothing", "unmapped"):
                by_outcome.add_metric([outcome], float(outcomes.get(outcome, 0)))
            yield by_outcome
            deliveries = CounterMetricFamily(
                "crumbs_notifications",
                "Notifications delivered or failed, by kind.",
                labels=["kind", "state"],
            )
            for (kind, state), n in sorted(sent.items()):
                deliveries.add_metric([kind, state], float(n))
            yield deliveries

    def _findings_of(self, store: Store) -> dict[str, int]:
        stamp = store.facts_stamp()
        with self._lock:
            if self._cached is not None and self._cached[0] == stamp:
                return self._cached[1]
        counts = self._findings(store)
        with self._lock:
            self._cached = (stamp, counts)
        return counts


class Metrics:
    """The server's registry: request metrics it observes, and the store's collected on scrape."""

    def __init__(
        self, open_store: Callable[[], Store], findings: Callable[[Store], dict[str, int]]
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "crumbs_http_requests",
            "HTTP requests answered.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "crumbs_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.to_notification = Histogram(
            "crumbs_alert_to_notification_seconds",
            "From an alert's receipt to a notification sent about it.",
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
        )
        self.intake_failures = Counter(
            "crumbs_alert_intake_failures",
            "Alerts whose investigation failed (the log of crumbs serve says why).",
            registry=self.registry,
        )
        self.registry.register(StoreCollector(open_store, findings))

    def alerted(self, seconds: float | None) -> None:
        """The alert intake's observations: a delivery's time since receipt, or (None) a failure."""
        if seconds is None:
            self.intake_failures.inc()
        else:
            self.to_notification.observe(seconds)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
