"""The agent's own row in ``crumbs status``: one per node, beside the recorder's resources.

Kept in the same table (and so shipped to a central store the same way): resource
``node/NAME``, kind ``NodeAgent``, the loader as its version, events written, events the kernel
dropped as its errors, and when it was last heard from (``lagSeconds``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crumbs.model import ResourceStatus
from crumbs.store import Store, watchstatus
from crumbs.timeutil import now_ns

if TYPE_CHECKING:
    from crumbs.agent.run import AgentStats

KIND = "NodeAgent"


def node_resource(node: str) -> str:
    return f"node/{node}"


def save_node_status(
    store: Store, cluster: str, node: str, stats: AgentStats, state: str = "tracing"
) -> None:
    now = now_ns()
    notes = [f"{stats.lost:,} events lost (the kernel's buffer was full)"] if stats.lost else []
    if stats.unattributed:
        notes.append(f"{stats.unattributed:,} not yet attributed to a pod")
    notes.extend(stats.errors[-2:])
    row = ResourceStatus(cluster, node_resource(node), KIND, state, stats.loader,
                         stats.newest_at or None, now, stats.events, 0, stats.lost,
                         "; ".join(notes)[:500], now)  # fmt: skip
    watchstatus.save(store.db, [(row, "", "")])
