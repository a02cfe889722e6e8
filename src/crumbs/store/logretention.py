"""How much of the containers' logs the store keeps: by age and by bytes.

Age is measured from the newest capture the store holds (never the wall clock: a store of
last month's incident keeps last month's logs); bytes are what the chunks take on disk
(compressed). Beyond either, the oldest chunks go first. The defaults hold a few weeks of
crash logs of a large cluster; ``CRUMBS_LOGS_KEEP_DAYS`` and ``CRUMBS_LOGS_KEEP_MB`` change them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from crumbs.errors import UsageError
from crumbs.store.dbapi import Connection
from crumbs.timeutil import NS

DAY = 86400 * NS


@dataclass(frozen=True)
class LogPolicy:
    keep_days: float = 30
    keep_bytes: int = 512 * 1024 * 1024

    @classmethod
    def from_environment(cls) -> LogPolicy:
        """The defaults, or ``CRUMBS_LOGS_KEEP_DAYS`` / ``CRUMBS_LOGS_KEEP_MB`` (positive numbers)."""
        days, mb = os.environ.get("CRUMBS_LOGS_KEEP_DAYS"), os.environ.get("CRUMBS_LOGS_KEEP_MB")
        return cls(
            _positive(days, "CRUMBS_LOGS_KEEP_DAYS") if days else cls.keep_days,
            int(_positive(mb, "CRUMBS_LOGS_KEEP_MB") * 1024 * 1024) if mb else cls.keep_bytes,
        )


def _positive(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not value > 0:
        raise UsageError(f"{name}={text!r}: a positive number")
    return value


def prune_logs(db: Connection, policy: LogPolicy) -> int:
    """Drop the chunks older than the policy's age, then the oldest until its bytes hold;
    how many went. Runs inside the caller's transaction."""
    newest = db.execute("SELECT MAX(observed_at) FROM logs").fetchone()[0]
    if newest is None:
        return 0
    before = db.total_changes
    db.execute("DELETE FROM logs WHERE observed_at < ?", (newest - int(policy.keep_days * DAY),))
    total = db.execute("SELECT COALESCE(SUM(length(data)), 0) FROM logs").fetchone()[0]
    if total > policy.keep_bytes:
        excess, doomed = total - policy.keep_bytes, []
        for lid, size in db.execute("SELECT id, length(data) FROM logs ORDER BY observed_at, id"):
            doomed.append((lid,))
            excess -= size
            if excess <= 0:
                break
        db.executemany("DELETE FROM logs WHERE id = ?", doomed)
    return db.total_changes - before
