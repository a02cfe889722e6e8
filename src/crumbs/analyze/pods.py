"""Pods: unschedulable, image pulls, crash loops, OOM kills, config errors, failing probes, evictions, stuck terminating.

Findings are grouped by the pods' top owner (three crash-looping pods of one
Deployment are one finding about the Deployment, naming the pods); pods
without an owner are their own subject. Pods of Jobs are left to the Job and
CronJob analyzers once the Job has finished.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crumbs.analyze.base import (
    MINUTE,
    analyzer,
    condition,
    event_evidence,
    finding,
    meta,
    short,
    status,
    time_of,
    top_owner,
)
from crumbs.analyze.onset import crash_began, earliest, events_began
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, Finding, Severity, StoredRevision, mapping, sequence
from crumbs.timeutil import format_time

PULL_ERRORS = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
}
CONFIG_ERRORS = {
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "ContainerCannotRun",
}
STUCK_AFTER = 5 * MINUTE
STUCK_LONG = 30 * MINUTE
STORM_WINDOW = 60 * MINUTE
STORM_RESTARTS = 3
"""Restarts within the window that make a storm, counted across recorded revisions."""
STORM_TOTAL = 5
"""Restarts in all that make a storm when only one revision shows them (its last one recent)."""
JOB_PODS_TOLD_HERE = frozenset(
    {
        "image-pull",
        "config-error",
        "unschedulable",
        "stuck-terminating",
        "stuck-starting",
        "scheduling-gated",
    }
)
"""What pods of a Job are reported for here; their runs' failures are the Job analyzers'
(unless the Job is not in the data: then its failed pods are told here)."""
HOOK_FAILURES = frozenset({"FailedPostStartHook", "FailedPreStopHook"})
"""The kubelet's events when a lifecycle hook fails."""
START_FAILURES = frozenset({"FailedMount", "FailedAttachVolume", "FailedCreatePodSandBox",
                            "FailedCreatePodContainer", "NetworkNotReady", "FailedSync"})  # fmt: skip
NOT_READY_AFTER = 5 * MINUTE


@dataclass
class Problem:
    rule: str
    severity: str
    what: str
    """What is wrong, for the title: ``crash-looping``."""
    detail: str
    since: int | None
    container: str = ""
    pods: list[StoredRevision] = field(default_factory=list)
    remediation: str = ""


def _problems(view: ClusterView, pod: StoredRevision) -> Iterator[Problem]:
    doc = pod.doc
    st = status(doc)
    phase = st.get("phase")
    deleting = time_of(meta(doc).get("deletionTimestamp"))
    if deleting is not None:
        # deletionTimestamp is when the grace period ends: the deletion was asked for before it
        grace = meta(doc).get("deletionGracePeriodSeconds")
        asked = deleting - (grace if isinstance(grace, int) else 30) * 1_000_000_000
        if view.at - deleting > STUCK_AFTER:
            finalizers = ", ".join(str(f) for f in sequence(meta(doc).get("finalizers"))) or "none"
            yield Problem(
                rule="stuck-terminating",
                severity=Severity.WARNING,
                what="stuck terminating",
                detail=f"grace period over at {meta(doc).get('deletionTimestamp')}; finalizers: {finalizers}; node {mapping(doc.get('spec')).get('nodeName') or '?'}",
                since=asked,
                remediation="check the node is up and the finalizers' controllers run; as a last resort: kubectl delete pod --grace-period=0 --force",
            )
        return
    if phase == "Succeeded":
        return
    if phase == "Failed":
        reason = str(st.get("reason") or "")
        if reason == "Evicted":
            began = earliest(events_began(view, pod, {"Evicted"}), _ready_since(doc))
            yield Problem(
                rule="evicted",
                severity=Severity.WARNING,
                what="evicted",
                detail=short(str(st.get("message") or "")),
                since=began or time_of(st.get("startTime")),
                remediation="look at the node's pressure (memory, disk, PIDs) and the pod's requests",
            )
        elif not _job_owned(doc) or view.owner_of(pod) is None:
            exited = _exits(doc)
            said = short(f"{reason}: {st.get('message') or ''}".strip(": "))
            yield Problem(
                rule="failed",
                severity=Severity.WARNING,
                what="failed",
                detail="; ".join(x for x in (said, exited[0]) if x) + _cron_run(doc),
                since=exited[1] or time_of(st.get("startTime")),
                remediation="read the container's logs; a Job's run that failed is retried or replaced by the next one",
            )
        return
    scheduled = condition(doc, "PodScheduled")
    gates = [
        str(mapping(g).get("name"))
        for g in sequence(mapping(doc.get("spec")).get("schedulingGates"))
    ]
    if gates and (not scheduled or scheduled.get("reason") == "SchedulingGated"):
        since = time_of((scheduled or {}).get("lastTransitionTime")) or time_of(
            meta(doc).get("creationTimestamp")
        )
        if since is None or view.at - since > STUCK_AFTER:
            yield Problem(
                rule="scheduling-gated",
                severity=Severity.WARNING,
                what="held by scheduling gates",
                detail=f"gates: {', '.join(gates)} (whoever added them must remove them)",
                since=since,
                remediation="the controller that set spec.schedulingGates removes them when ready: check it runs (a queue, a quota manager such as Kueue)",
            )
        return
    if (
        scheduled
        and scheduled.get("status") == "False"
        and scheduled.get("reason") == "Unschedulable"
    ):
        message = str(scheduled.get("message") or "")
        events = [e for e in view.events(pod.key) if e.reason == "FailedScheduling"]
        if events:
            message = events[-1].message
        since = earliest(
            time_of(scheduled.get("lastTransitionTime")),
            events_began(view, pod, {"FailedScheduling"}),
        )
        yield Problem(
            rule="unschedulable",
            severity=Severity.ERROR,
            what="unschedulable",
            detail=short(message),
            since=since,
            remediation="lower the requests, add capacity, or relax nodeSelector/affinity/tolerations",
        )
        return
    inits = {str(mapping(c).get("name")) for c in sequence(st.get("initContainerStatuses"))}
    for cs in [*sequence(st.get("initContainerStatuses")), *sequence(st.get("containerStatuses"))]:
        if not isinstance(cs, dict):
            continue
        name = str(cs.get("name") or "")
        which = "init container" if name in inits else "container"
        state = mapping(cs.get("state"))
        waiting = mapping(state.get("waiting"))
        last = mapping(mapping(cs.get("lastState")).get("terminated"))
        terminated = mapping(state.get("terminated"))
        reason = str(waiting.get("reason") or "")
        restarts = cs.get("restartCount") if isinstance(cs.get("restartCount"), int) else 0
        if reason in PULL_ERRORS:
            began = earliest(
                _ready_since(doc),
                events_began(view, pod, {"Failed", "BackOff", "ErrImagePull"}, name),
            )
            yield Problem(
                rule="image-pull",
                severity=Severity.ERROR,
                what=f"cannot pull image {cs.get('image') or ''}",
                detail=short(f"{reason}: {waiting.get('message') or ''}"),
                since=began,
                container=name,
                remediation="check the image name and tag exist, and the pull secret (imagePullSecrets) and registry reachability",
            )
        elif reason == "CrashLoopBackOff":
            exit_code = last.get("exitCode")
            cause = (
                f"last exit code {exit_code} ({last.get('reason') or 'Error'})"
                if last
                else "no termination recorded"
            )
            message = f": {short(str(last['message']), 120)}" if last.get("message") else ""
            oom = last.get("reason") == "OOMKilled"
            yield Problem(
                rule="oom-killed" if oom else "crashloop",
                severity=Severity.ERROR,
                what="OOM-killed and crash-looping" if oom else "crash-looping",
                detail=f"{which} {name}: {cause}, {restarts} restarts{message}{_probe_story(view, pod)}",
                since=crash_began(view, pod, name) or _ready_since(doc),
                container=name,
                remediation="raise the memory limit or find the leak"
                if oom
                else "read the container's last logs (kubectl logs --previous); compare with the last change",
            )
        elif reason in CONFIG_ERRORS:
            began = earliest(_ready_since(doc), events_began(view, pod, {"Failed"}, name))
            yield Problem(
                rule="config-error",
                severity=Severity.ERROR,
                what="cannot start",
                detail=short(f"container {name}: {reason}: {waiting.get('message') or ''}"),
                since=began,
                container=name,
                remediation="a referenced ConfigMap, Secret or key is missing, or the command is wrong",
            )
        elif (
            phase == "Running"
            and terminated
            and terminated.get("reason") != "OOMKilled"
            and terminated.get("exitCode") not in (0, None)
            and mapping(doc.get("spec")).get("restartPolicy", "Always") != "Never"
        ):
            # between two restarts: the kubelet will put it in CrashLoopBackOff next
            yield Problem(
                rule="crashloop",
                severity=Severity.ERROR,
                what="crash-looping",
                detail=f"{which} {name}: exit code {terminated.get('exitCode')} ({terminated.get('reason') or 'Error'}), {restarts} restarts{_probe_story(view, pod)}",
                since=crash_began(view, pod, name) or _ready_since(doc),
                container=name,
                remediation="read the container's last logs (kubectl logs --previous); compare with the last change",
            )
        elif terminated.get("reason") == "OOMKilled" or (
            last.get("reason") == "OOMKilled" and restarts and state.get("running")
        ):
            yield Problem(
                rule="oom-killed",
                severity=Severity.WARNING,
                what="OOM-killed",
                detail=f"container {name} was killed for memory ({restarts} restarts)",
                since=time_of((terminated or last).get("finishedAt")),
                container=name,
                remediation="raise the memory limit or find the leak",
            )
    hooks = [e for e in view.events(pod.key) if e.reason in HOOK_FAILURES]
    if hooks:
        yield Problem(
            rule="hook-failed",
            severity=Severity.WARNING,
            what=f"{hooks[-1].reason[len('Failed') :]} failing",
            detail=short(hooks[-1].message, 300),
            since=events_began(view, pod, HOOK_FAILURES),
            remediation="a lifecycle hook that fails kills (PostStart) or delays (PreStop) the container: fix its command or URL",
        )
    if phase == "Pending" and (stuck := _starting(view, pod)) is not None:
        yield stuck
    yield from _restarting(view, pod)
    ready = condition(doc, "Ready")
    if phase == "Running" and ready and ready.get("status") == "False":
        since = time_of(ready.get("lastTransitionTime"))
        unhealthy = [e for e in view.events(pod.key) if e.reason == "Unhealthy"]
        if unhealthy and _crashing(doc):
            return  # the crash loop's finding tells the probe's part: one story, not two
        if unhealthy:
            since = earliest(since, events_began(view, pod, {"Unhealthy"}))
            yield Problem(
                rule="probe-failing",
                severity=Severity.WARNING,
                what="failing probes",
                detail=short(unhealthy[-1].message),
                since=since,
                remediation="check the probe's path, port and timing against what the container serves",
            )
        elif since is not None and view.at - since > NOT_READY_AFTER and not _known(doc):
            yield Problem(
                rule="not-ready",
                severity=Severity.WARNING,
                what="not ready",
                detail=short(str(ready.get("message") or ready.get("reason") or "")),
                since=since,
            )


def _exits(doc: dict[str, Any]) -> tuple[str, int | None]:
    """How the pod's containers ended: ``container job exited 3 (Error)``, and when the last did."""
    said: list[str] = []
    last: int | None = None
    st = status(doc)
    for cs in [*sequence(st.get("initContainerStatuses")), *sequence(st.get("containerStatuses"))]:
        ended = mapping(mapping(mapping(cs).get("state")).get("terminated"))
        code = ended.get("exitCode")
        if code in (0, None):
            continue
        message = f": {short(str(ended['message']), 120)}" if ended.get("message") else ""
        said.append(
            f"container {mapping(cs).get('name')} exited {code} ({ended.get('reason') or 'Error'}){message}"
        )
        at = time_of(ended.get("finishedAt"))
        last = at if last is None or (at is not None and at > last) else last
    return "; ".join(said), last


def _cron_run(doc: dict[str, Any]) -> str:
    """A Job named like a CronJob's run (``NAME-<minutes since the epoch>``): say which."""
    for ref in sequence(meta(doc).get("ownerReferences")):
        name = str(mapping(ref).get("name") or "")
        if mapping(ref).get("kind") != "Job" or "-" not in name:
            continue
        base, _, minutes = name.rpartition("-")
        started = time_of(status(doc).get("startTime"))
        if minutes.isdigit() and started is not None:
            scheduled = int(minutes) * 60 * 1_000_000_000
            if abs(started - scheduled) < 24 * 60 * MINUTE:
                return f"; the run of CronJob {base} scheduled at {format_time(scheduled)} (its Job {name} is not in the data)"
        return f" (its Job {name} is not in the data)"
    return ""


def _starting(view: ClusterView, pod: StoredRevision) -> Problem | None:
    """A scheduled pod that has not started its containers for too long: volumes that do not
    mount, a sandbox the runtime cannot create, an init container that never ends."""
    doc = pod.doc
    scheduled = condition(doc, "PodScheduled")
    if not scheduled or scheduled.get("status") != "True":
        return None
    since = earliest(
        time_of(status(doc).get("startTime")), time_of(scheduled.get("lastTransitionTime"))
    )
    if since is None or view.at - since <= STUCK_AFTER:
        return None
    st = status(doc)
    init = [mapping(c) for c in sequence(st.get("initContainerStatuses"))]
    main = [mapping(c) for c in sequence(st.get("containerStatuses"))]
    waiting = {
        str(mapping(mapping(c.get("state")).get("waiting")).get("reason") or "")
        for c in init + main
    }
    if waiting - {"", "ContainerCreating", "PodInitializing"}:
        return None  # a pull, config or crash problem: its own rule tells it
    running_init = [c for c in init if mapping(c.get("state")).get("running")]
    blocked = [
        e for e in view.events(pod.key) if e.type == "Warning" and e.reason in START_FAILURES
    ]
    if blocked:
        what, detail = "stuck starting", f"{blocked[-1].reason}: {short(blocked[-1].message, 300)}"
        since = min(since, events_began(view, pod, START_FAILURES) or since)
    elif running_init:
        c = running_init[0]
        started = mapping(mapping(c.get("state")).get("running")).get("startedAt")
        what, detail = (
            "stuck initializing",
            f"init container {c.get('name')} running since {started or '?'}, not finished",
        )
    elif init and not all(mapping(c.get("state")).get("terminated") for c in init):
        names = ", ".join(
            str(c.get("name")) for c in init if not mapping(c.get("state")).get("terminated")
        )
        what, detail = "stuck initializing", f"init container {names} not started"
    elif "ContainerCreating" in waiting or "PodInitializing" in waiting or not main:
        what, detail = (
            "stuck creating containers",
            "containers waiting (ContainerCreating) with no Event saying why",
        )
    else:
        return None
    severity = Severity.ERROR if view.at - since > STUCK_LONG else Severity.WARNING
    return Problem(
        rule="stuck-starting",
        severity=severity,
        what=what,
        detail=detail,
        since=since,
        remediation="see the pod's Events (FailedMount, FailedCreatePodSandBox) and the node's kubelet; an init container waits for what it needs",
    )


def _restarting(view: ClusterView, pod: StoredRevision) -> Iterator[Problem]:
    """Running containers that keep restarting (popeye's POP-205 and more): the restarts
    counted across the recorded revisions of the last hour, else a high count whose last
    restart is recent; exit 137 and liveness failures say who killed them."""
    if status(pod.doc).get("phase") != "Running":
        return
    for cs in sequence(status(pod.doc).get("containerStatuses")):
        c = mapping(cs)
        state, last = (
            mapping(c.get("state")),
            mapping(mapping(c.get("lastState")).get("terminated")),
        )
        count = c.get("restartCount")
        if (
            not state.get("running")
            or not isinstance(count, int)
            or not count
            or last.get("reason") == "OOMKilled"
        ):
            continue
        name = str(c.get("name") or "")
        grew = _growth(view, pod, name, count)
        ended = time_of(last.get("finishedAt"))
        recent = ended is not None and view.at - ended <= STORM_WINDOW
        if grew is not None and grew[0] >= STORM_RESTARTS:
            told = f"{grew[0]} restarts in {max(1, grew[1] // MINUTE)} min ({count} in all)"
        elif grew is None and recent and count >= STORM_TOTAL:
            told = f"{count} restarts, the last at {last.get('finishedAt')}"
        else:
            continue
        code = last.get("exitCode")
        killed = " (137: killed with SIGKILL)" if code == 137 else ""
        yield Problem(
            rule="restarting",
            severity=Severity.WARNING,
            what="restarting",
            detail=f"container {name}: {told}; last exit code {code}{killed} ({last.get('reason') or 'Error'}){_probe_story(view, pod)}",
            since=crash_began(view, pod, name) or ended,
            container=name,
            remediation="read the container's last logs (kubectl logs --previous); a liveness probe that kills a slow container needs more time or a startupProbe",
        )


def _growth(
    view: ClusterView, pod: StoredRevision, container: str, now: int
) -> tuple[int, int] | None:
    """How many restarts the recorded revisions of the last hour saw, over how long (None:
    no earlier revision of this pod in that hour)."""
    earlier, before = view.history_window(pod.key, view.at - STORM_WINDOW, view.at)
    for rev in [*([before] if before else []), *earlier]:
        if rev.uid != pod.uid or rev.at >= pod.at:
            continue
        for cs in sequence(status(rev.doc).get("containerStatuses")):
            if mapping(cs).get("name") == container and isinstance(
                mapping(cs).get("restartCount"), int
            ):
                return now - int(mapping(cs)["restartCount"]), pod.at - max(
                    rev.at, view.at - STORM_WINDOW
                )
    return None


def _crashing(doc: dict[str, Any]) -> bool:
    for cs in sequence(status(doc).get("containerStatuses")):
        waiting = mapping(mapping(mapping(cs).get("state")).get("waiting"))
        if waiting.get("reason") == "CrashLoopBackOff":
            return True
    return False


def _probe_story(view: ClusterView, pod: StoredRevision) -> str:
    """A crash loop the kubelet causes itself, killing a container whose liveness probe fails."""
    failed = [
        e
        for e in view.events(pod.key)
        if e.reason == "Unhealthy" and e.message.startswith("Liveness")
    ]
    if not failed:
        return ""
    return f"; killed by its liveness probe ({short(failed[-1].message, 140)})"


def _known(doc: dict[str, Any]) -> bool:
    """Whether a container state already explains the pod's unreadiness."""
    for cs in sequence(status(doc).get("containerStatuses")):
        waiting = mapping(mapping(mapping(cs).get("state")).get("waiting"))
        if waiting.get("reason"):
            return True
    return False


def _ready_since(doc: dict[str, Any]) -> int | None:
    ready = condition(doc, "Ready") or condition(doc, "ContainersReady")
    return (
        time_of(ready.get("lastTransitionTime")) if ready else time_of(status(doc).get("startTime"))
    )


def _job_owned(doc: dict[str, Any]) -> bool:
    return any(
        isinstance(r, dict) and r.get("kind") == "Job"
        for r in sequence(meta(doc).get("ownerReferences"))
    )


@analyzer("pods", ("Pod",), "Pods that cannot be scheduled, pull, start, stay up or go away")
def analyze(view: ClusterView) -> Iterator[Finding]:
    groups: dict[tuple[object, str, str], tuple[StoredRevision, Problem]] = {}
    for pod in view.live("Pod"):
        for p in _problems(view, pod):
            if (
                _job_owned(pod.doc)
                and p.rule not in JOB_PODS_TOLD_HERE
                and (view.owner_of(pod) is not None or p.rule != "failed")
            ):
                continue  # the Job and CronJob analyzers speak for finished and failing runs
            owner = top_owner(view, pod)
            key = (owner.key, p.rule, p.container)
            if key in groups:
                first = groups[key][1]
                first.pods.append(pod)
                if p.since is not None and (first.since is None or p.since < first.since):
                    first.since = p.since
            else:
                p.pods.append(pod)
                groups[key] = (owner, p)
    for (_, rule, container), (owner, p) in groups.items():
        names = [pod.key.name for pod in p.pods]
        who = (
            f"{len(names)} pods of {owner.key.kind} {owner.key.name}"
            if owner.key.kind != "Pod"
            else f"Pod {owner.key.name}"
        )
        if owner.key.kind != "Pod" and len(names) == 1:
            who = f"Pod {names[0]} of {owner.key.kind} {owner.key.name}"
        f = finding(
            "pods",
            rule,
            p.severity,
            owner,
            f"{who}: {p.what}",
            detail=p.detail,
            since=p.since,
            remediation=p.remediation,
            discriminator=container,
        )
        for pod in p.pods:
            if pod.key != owner.key:
                f.evidence.append(
                    Evidence("object", pod.key, pod.at, f"Pod {pod.key.name}: {p.what}", pod.id)
                )
                f.related.append(pod.key)
            f.evidence.extend(
                event_evidence(e for e in view.events(pod.key) if e.type == "Warning")
            )
        yield f
