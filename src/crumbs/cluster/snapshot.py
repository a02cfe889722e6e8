"""One list of everything, now: what ``crumbs scan --live`` analyses when no recording exists.

Discovery, then every resource listed (in pages, eight at a time), into a
store (a temporary one for ``scan --live``), each object dated now: the
analyzers see the cluster as it is; causes can only be the changes the objects
themselves date (creations within the week, by their ``creationTimestamp``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from crumbs.cluster.discovery import ApiResource, discover
from crumbs.cluster.follow import list_all
from crumbs.cluster.transport import ApiError, Target, Transport
from crumbs.formats.objects import interpret
from crumbs.model import Event, HelmRelease, Revision
from crumbs.store import Store
from crumbs.timeutil import now_ns

PARALLEL = 8


def snapshot(
    store: Store,
    targets: list[Target],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> int:
    """List every resource of each cluster into ``store``; the time of the snapshot."""
    at = now_ns()
    with store.writer() as writer:
        for target in targets:
            transport = Transport(target)
            try:
                found = discover(transport, include, exclude)
            except (ApiError, ConnectionError) as err:
                warn(f"{target.name}: discovery failed: {err}")
                continue
            for what, why in found.skipped:
                if why != "excluded":
                    warn(f"{target.name}: {what}: {why}")

            def one(
                res: ApiResource, t: Transport = transport
            ) -> tuple[ApiResource, list[dict[str, object]] | str]:
                try:
                    return res, list_all(t, res)[1]
                except (ApiError, ConnectionError) as err:
                    return res, str(err)

            with ThreadPoolExecutor(PARALLEL) as pool:
                for res, items in pool.map(one, found.resources):
                    if isinstance(items, str):
                        warn(f"{target.name}: {res.name}: {items} (skipped)")
                        continue
                    where = f"{target.name}:{res.name}"
                    for obj in items:
                        for rec in interpret(obj, where, target.name, at):
                            if isinstance(rec, (Revision, Event, HelmRelease)):
                                writer.add(rec)
            transport.close()
    return at
