"""When a problem began, not when it was last seen.

A crash loop is dated from its first crash, not its newest; a failing probe
from the first ``Unhealthy`` Event; an unschedulable pod from the first
``FailedScheduling``. The evidence, earliest wins: Events' ``firstTimestamp``
(``eventTime`` for events.k8s.io) of the reasons that tell the problem, the
first revision whose ``restartCount`` grew, and the times the status itself
keeps (a container's last termination, a condition's transition).
"""

from __future__ import annotations

from crumbs.analyze.base import time_of
from crumbs.analyze.view import ClusterView
from crumbs.model import StoredRevision, mapping, sequence

CRASH_REASONS = frozenset({"BackOff", "Unhealthy", "Killing"})


def earliest(*times: int | None) -> int | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def events_began(
    view: ClusterView, pod: StoredRevision, reasons: frozenset[str] | set[str], container: str = ""
) -> int | None:
    """The first time an Event of these reasons was reported about the pod (its container)."""
    found = [
        e.first_at if e.first_at is not None else e.at
        for e in view.events(pod.key)
        if e.reason in reasons and (not container or _about(e.message, container))
    ]
    return min(found) if found else None


def _about(message: str, container: str) -> bool:
    """Kubelet messages name the container (``... failed container api in pod ...``); probe
    failures do not: they count for every container."""
    return (
        "container " not in message
        or f"container {container} " in message
        or message.endswith(f"container {container}")
    )


def crash_began(view: ClusterView, pod: StoredRevision, container: str) -> int | None:
    """The pod's first crash of ``container``: the first revision that counted a restart (its
    last termination), the first crash Events, the termination the status keeps now."""
    first_restart = None
    for rev in view.history(pod.key):
        if rev.uid != pod.uid:
            continue
        cs = _status_of(rev, container)
        restarts = cs.get("restartCount") if cs else None
        if cs and isinstance(restarts, int) and restarts > 0:
            ended = time_of(
                mapping(mapping(cs.get("lastState")).get("terminated")).get("finishedAt")
            )
            first_restart = ended if ended is not None else rev.at
            break
    now = _status_of(pod, container)
    last = (
        time_of(mapping(mapping(now.get("lastState")).get("terminated")).get("finishedAt"))
        if now
        else None
    )
    return earliest(first_restart, events_began(view, pod, CRASH_REASONS, container), last)


def _status_of(rev: StoredRevision, container: str) -> dict[str, object] | None:
    st = mapping(rev.doc.get("status"))
    for cs in [*sequence(st.get("initContainerStatuses")), *sequence(st.get("containerStatuses"))]:
        if isinstance(cs, dict) and cs.get("name") == container:
            return cs
    return None
