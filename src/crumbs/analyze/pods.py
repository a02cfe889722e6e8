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
from crumbs.analyze.registry import analyzer
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, Finding, Severity, StoredRevision, mapping, sequence

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
        grace = meta(doc).get("deletionGracePeriodSeconds")
        deadline = deleting + (grace if isinstance(grace, int) else 30) * 1_000_000_000
        if view.at - deadline > STUCK_AFTER:
            finalizers = ", ".join(str(f) for f in sequence(meta(doc).get("finalizers"))) or "none"
            yield Problem("stuck-terminating", Severity.WARNING, "stuck terminating", f"deletion requested at {meta(doc).get('deletionTimestamp')}; finalizers: {finalizers}; node {mapping(doc.get('spec')).get('nodeName') or '?'}", deleting,
                          remediation="check the node is up and the finalizers' controllers run; as a last resort: kubectl delete pod --grace-period=0 --force")  # fmt: skip
        return
    if phase == "Succeeded":
        return
    if phase == "Failed":
        reason = str(st.get("reason") or "")
        if reason == "Evicted":
            yield Problem("evicted", Severity.WARNING, "evicted", short(str(st.get("message") or "")), time_of(st.get("startTime")),
                          remediation="look at the node's pressure (memory, disk, PIDs) and the pod's requests")  # fmt: skip
        elif not _job_owned(doc):
            yield Problem(
                "failed",
                Severity.WARNING,
                "failed",
                short(f"{reason}: {st.get('message') or ''}".strip(": ")),
                None,
            )
        return
    scheduled = condition(doc, "PodScheduled")
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
        yield Problem("unschedulable", Severity.ERROR, "unschedulable", short(message), since,
                      remediation="lower the requests, add capacity, or relax nodeSelector/affinity/tolerations")  # fmt: skip
        return
    for cs in [*sequence(st.get("initContainerStatuses")), *sequence(st.get("containerStatuses"))]:
        if not isinstance(cs, dict):
            continue
        name = str(cs.get("name") or "")
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
            yield Problem("image-pull", Severity.ERROR, f"cannot pull image {cs.get('image') or ''}", short(f"{reason}: {waiting.get('message') or ''}"), began, name,
                          remediation="check the image name and tag exist, and the pull secret (imagePullSecrets) and registry reachability")  # fmt: skip
        elif reason == "CrashLoopBackOff":
            exit_code = last.get("exitCode")
            cause = (
                f"last exit code {exit_code} ({last.get('reason') or 'Error'})"
                if last
                else "no termination recorded"
            )
            message = f": {short(str(last['message']), 120)}" if last.get("message") else ""
            oom = last.get("reason") == "OOMKilled"
            yield Problem("oom-killed" if oom else "crashloop", Severity.ERROR, "OOM-killed and crash-looping" if oom else "crash-looping",
                          f"container {name}: {cause}, {restarts} restarts{message}{_probe_story(view, pod)}", crash_began(view, pod, name) or _ready_since(doc), name,
                          remediation="raise the memory limit or find the leak" if oom else "read the container's last logs (kubectl logs --previous); compare with the last change")  # fmt: skip
        elif reason in CONFIG_ERRORS:
            began = earliest(_ready_since(doc), events_began(view, pod, {"Failed"}, name))
            yield Problem("config-error", Severity.ERROR, "cannot start", short(f"container {name}: {reason}: {waiting.get('message') or ''}"), began, name,
                          remediation="a referenced ConfigMap, Secret or key is missing, or the command is wrong")  # fmt: skip
        elif (
            phase == "Running"
            and terminated
            and terminated.get("reason") != "OOMKilled"
            and terminated.get("exitCode") not in (0, None)
            and mapping(doc.get("spec")).get("restartPolicy", "Always") != "Never"
        ):
            # between two restarts: the kubelet will put it in CrashLoopBackOff next
            yield Problem("crashloop", Severity.ERROR, "crash-looping",
                          f"container {name}: exit code {terminated.get('exitCode')} ({terminated.get('reason') or 'Error'}), {restarts} restarts{_probe_story(view, pod)}", crash_began(view, pod, name) or _ready_since(doc), name,
                          remediation="read the container's last logs (kubectl logs --previous); compare with the last change")  # fmt: skip
        elif terminated.get("reason") == "OOMKilled" or (
            last.get("reason") == "OOMKilled" and restarts and state.get("running")
        ):
            yield Problem("oom-killed", Severity.WARNING, "OOM-killed", f"container {name} was killed for memory ({restarts} restarts)", time_of((terminated or last).get("finishedAt")), name,
                          remediation="raise the memory limit or find the leak")  # fmt: skip
    ready = condition(doc, "Ready")
    if phase == "Running" and ready and ready.get("status") == "False":
        since = time_of(ready.get("lastTransitionTime"))
        unhealthy = [e for e in view.events(pod.key) if e.reason == "Unhealthy"]
        if unhealthy and _crashing(doc):
            return  # the crash loop's finding tells the probe's part: one story, not two
        if unhealthy:
            since = earliest(since, events_began(view, pod, {"Unhealthy"}))
            yield Problem("probe-failing", Severity.WARNING, "failing probes", short(unhealthy[-1].message), since,
                          remediation="check the probe's path, port and timing against what the container serves")  # fmt: skip
        elif since is not None and view.at - since > NOT_READY_AFTER and not _known(doc):
            yield Problem(
                "not-ready",
                Severity.WARNING,
                "not ready",
                short(str(ready.get("message") or ready.get("reason") or "")),
                since,
            )


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
            if _job_owned(pod.doc) and p.rule not in (
                "image-pull",
                "config-error",
                "unschedulable",
                "stuck-terminating",
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
