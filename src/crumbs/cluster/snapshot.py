"""One list of everything, now: what ``crumbs scan --live`` analyses when no recording exists.

Discovery, then every resource listed (in pages, eight at a time), into a
store (a temporary one for ``scan --live``), each object dated now: the
analyzers see the cluster as it is; causes can only be the changes the objects
themselves date (creations within the week, by their ``creationTimestamp``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from crumbs.cluster.discovery import ApiResource, discover_or_warn, storable
from crumbs.cluster.follow import list_all
from crumbs.cluster.podlogs import Limits, LogFetcher
from crumbs.cluster.transport import ApiError, Target, Transport
from crumbs.store import Store
from crumbs.timeutil import now_ns

PARALLEL = 8
SCAN_LOGS = Limits(per_second=10, burst=20, queue=100)
"""``scan --live --logs``: at most 100 failed runs' logs, 10 a second (a scan should not wait)."""


def snapshot(
    store: Store,
    targets: list[Target],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
    logs: Limits | None = None,
) -> int:
    """List every resource of each cluster into ``store``; the time of the snapshot. With
    ``logs``: the logs of the failed container runs the pods show, within those limits."""
    at = now_ns()
    with store.writer() as writer:
        for target in targets:
            transport = Transport(target)
            resources = discover_or_warn(transport, include, exclude, warn)
            fetcher = LogFetcher({target.name: transport}, writer.add, logs, warn) if logs else None

            def one(
                res: ApiResource, t: Transport = transport
            ) -> tuple[ApiResource, list[dict[str, object]] | str]:
                try:
                    return res, list_all(t, res)[1]
                except (ApiError, ConnectionError) as err:
                    return res, str(err)

            with ThreadPoolExecutor(PARALLEL) as pool:
                for res, items in pool.map(one, resources):
                    if isinstance(items, str):
                        warn(f"{target.name}: {res.name}: {items} (skipped)")
                        continue
                    where = f"{target.name}:{res.name}"
                    for obj in items:
                        for rec in storable(obj, where, target.name, at):
                            writer.add(rec)
                        if fetcher is not None and res.kind == "Pod" and res.group == "":
                            fetcher.offer(target.name, obj)
            if fetcher is not None:
                fetcher.drain()
            transport.close()
    return at
