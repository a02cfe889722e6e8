"""Hands inside containers: ``kubectl exec`` sessions, package managers and editors run in a container.

A change made inside a running container is recorded nowhere in the API:
the node saw it. An exec session is a process the container runtime started
(parent ``runc``/``crun``/``conmon``/a shim) more than a few seconds after the
container itself started; everything it started belongs to the session.

- ``exec-session`` (info): someone ran commands in the container;
- ``changed-inside-container`` (warning): a package manager or an editor ran in
  the container (in a session, or long after it started): what runs is no
  longer what the image holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from crumbs.activity import NodeEvent
from crumbs.analyze.base import analyzer, finding, status, time_of, top_owner
from crumbs.analyze.nodeevents import PodIndex, evidence, span
from crumbs.analyze.nodewords import EDITORS, PACKAGE_MANAGERS, RUNTIME_PARENTS, program
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence
from crumbs.timeutil import NS

AFTER_START = 5 * NS
"""An exec by the runtime this long after the container started is a session, not the container's own start."""
LONG_AFTER = 300 * NS


def _runtime(parent: str) -> bool:
    return parent.startswith(RUNTIME_PARENTS)


def _started(pod: StoredRevision) -> dict[str, int]:
    """Container name → when it (last) started running."""
    out: dict[str, int] = {}
    st = status(pod.doc)
    for field in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for cs in sequence(st.get(field)):
            running = mapping(mapping(mapping(cs).get("state")).get("running"))
            t = time_of(running.get("startedAt"))
            if t is not None:
                out[str(mapping(cs).get("name"))] = t
    return out


@analyzer(
    "hands-in-containers",
    ("Pod",),
    "kubectl exec sessions, package managers and editors run inside containers (node events)",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    by_pod: dict[str, list[NodeEvent]] = defaultdict(list)
    for e in view.node_events():
        if e.type == "exec" and not e.host and (e.pod_uid or e.pod):
            by_pod[e.pod_uid or f"{e.namespace}/{e.pod}"].append(e)
    if not by_pod:
        return
    pods = PodIndex(view)
    for events in by_pod.values():
        pod = pods.pod_of(events[0])
        if pod is not None:
            yield from _pod(view, pod, events)


def _pod(view: ClusterView, pod: StoredRevision, events: list[NodeEvent]) -> Iterator[Finding]:
    started = _started(pod)
    sessions: dict[tuple[str, int], list[NodeEvent]] = {}
    member: dict[tuple[str, int], tuple[str, int]] = {}
    changes: list[NodeEvent] = []
    for e in events:
        begun = started.get(e.container)
        key = (e.node, e.pid)
        parent = member.get((e.node, e.ppid))
        if parent is not None:
            sessions[parent].append(e)
            member[key] = parent
        elif _runtime(e.parent) and (begun is None or e.at - begun > AFTER_START):
            sessions[key] = [e]
            member[key] = key
        in_session = key in member
        late = begun is not None and e.at - begun > LONG_AFTER
        if program(e) in PACKAGE_MANAGERS | EDITORS and (in_session or late):
            changes.append(e)
    owner = top_owner(view, pod)
    related = [owner.key] if owner.key != pod.key else []
    for session in sessions.values():
        first = session[0]
        commands = [" ".join(e.args) or e.binary for e in session]
        f = finding("hands-in-containers", "exec-session", Severity.INFO, pod,
                    f"someone ran {len(session)} command(s) in container {first.container or first.container_id[:19]} of pod {pod.key.name}",
                    detail="; ".join(c[:120] for c in commands[:8]) + ("; …" if len(commands) > 8 else ""),
                    since=first.at, related=related, discriminator=f"session {first.node}/{first.pid}@{first.at}",
                    remediation="if the session changed anything, make the change in the image or the manifest too (else the next restart undoes it)")  # fmt: skip
        f.evidence.extend(evidence(session, pod.key))
        yield f
    if changes:
        tools = sorted({program(e) for e in changes})
        f = finding("hands-in-containers", "changed-inside-container", Severity.WARNING, pod,
                    f"{', '.join(tools)} ran inside pod {pod.key.name}: what runs is no longer what its image holds",
                    detail=f"{span(changes)}: " + "; ".join((" ".join(e.args) or e.binary)[:120] for e in changes[:5]),
                    since=changes[0].at, related=related, discriminator="changed",
                    remediation="rebuild the image with the change (or revert it) and roll the pods; forbid it with a read-only root filesystem")  # fmt: skip
        f.evidence.extend(evidence(changes, pod.key))
        yield f
