"""The newest timestamp an object carries: no snapshot holding it was taken earlier.

Looked at: creation timestamps, the time a deletion was asked for (``deletionTimestamp``
less ``deletionGracePeriodSeconds``: the end of the grace period is in the snapshot's
future), managedFields entry times,
condition transitions, updates and heartbeats (``lastHeartbeatTime``,
``lastProbeTime``: a Node posting its status at a time is evidence the
snapshot was taken after it), container states, Lease renewals, and the status
times of Pods, Jobs and CronJobs.
"""

from __future__ import annotations

from typing import Any

from crumbs.model import Obj, sequence
from crumbs.timeutil import NS, parse_time

_STATUS_TIMES = ("startTime", "completionTime", "lastScheduleTime", "lastSuccessfulTime")
_CONDITION_TIMES = ("lastTransitionTime", "lastUpdateTime", "lastHeartbeatTime", "lastProbeTime")
_STATE_TIMES = ("startedAt", "finishedAt")


def newest_timestamp(obj: Obj) -> int | None:
    md = obj.get("metadata") or {}
    best: int | None = None

    def see(value: Any) -> None:
        nonlocal best
        t = parse_time(value) if isinstance(value, str) else None
        if t is not None and (best is None or t > best):
            best = t

    see(md.get("creationTimestamp"))
    asked = _deletion_asked(md)
    if asked is not None and (best is None or asked > best):
        best = asked
    for entry in sequence(md.get("managedFields")):
        if isinstance(entry, dict):
            see(entry.get("time"))
    spec = obj.get("spec")
    if obj.get("kind") == "Lease" and isinstance(spec, dict):
        see(spec.get("renewTime"))
    status = obj.get("status")
    if isinstance(status, dict):
        for name in _STATUS_TIMES:
            see(status.get(name))
        for cond in _as_list(status.get("conditions")):
            if isinstance(cond, dict):
                for name in _CONDITION_TIMES:
                    see(cond.get(name))
        for field in ("containerStatuses", "initContainerStatuses"):
            for cs in _as_list(status.get(field)):
                for which in ("state", "lastState"):
                    state = cs.get(which) if isinstance(cs, dict) else None
                    if isinstance(state, dict):
                        for detail in state.values():
                            if isinstance(detail, dict):
                                for name in _STATE_TIMES:
                                    see(detail.get(name))
    return best


def _deletion_asked(md: dict[str, Any]) -> int | None:
    """When the deletion was asked for: ``deletionTimestamp`` is the end of the grace period
    (in the snapshot's future), so less ``deletionGracePeriodSeconds``; unknown without it."""
    ends = md.get("deletionTimestamp")
    grace = md.get("deletionGracePeriodSeconds")
    if not isinstance(ends, str) or not isinstance(grace, int) or isinstance(grace, bool):
        return None
    t = parse_time(ends)
    return t - grace * NS if t is not None else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
