"""Looking after a store: copying it to another backend (verified), and forgetting old history."""

from __future__ import annotations

import time
from collections.abc import Callable

from crumbs.contract import StoreCopy, StorePrune
from crumbs.store import Store
from crumbs.timeutil import format_time


def copy_store(
    source: str, destination: str, progress: Callable[[str, int], None] | None = None
) -> StoreCopy:
    """Copy the store at ``source`` into a new (or empty) one at ``destination``, then verify
    every table by rows and digest (StoreError when anything differs)."""
    started = time.monotonic()
    with Store.open(source, create=False, readonly=True) as src, Store.open(destination) as dst:
        tables = src.copy_into(dst, progress)
        return {
            "source": src.shown,
            "destination": dst.shown,
            "tables": [{"table": t.table, "rows": t.rows, "digest": t.digest} for t in tables],
            "verified": True,
            "seconds": round(time.monotonic() - started, 3),
        }


def prune_store(store: Store, before: int) -> StorePrune:
    """Forget the history before ``before``, keeping each object's state then."""
    p = store.prune(before)
    return {
        "store": store.shown,
        "cut": format_time(p.cut),
        "revisionsForgotten": p.revisions,
        "revisionsKept": p.kept,
        "events": p.events,
        "audit": p.audit,
        "documents": p.documents,
        "partitionsDropped": p.partitions,
    }
