"""The cron that still fires, seen from the node: what CronJob pods and host cron daemons actually ran.

- ``cron-ran-after-cronjob-deleted``: a process ran in a pod of a Job whose CronJob is gone;
- ``cron-ran-stale-image``: a CronJob pod ran an image older than the one its app's workload runs now;
- ``cron-ran-app-gone``: a CronJob pod ran although the workload of its app was deleted;
- ``host-cron-job``: a host cron daemon (cron, crond, anacron, atd) started a process on the node:
  a scheduled job no Kubernetes object declares (a breadcrumb on the node's timeline).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from crumbs.activity import NodeEvent
from crumbs.analyze.apps import APP_KINDS, same_app
from crumbs.analyze.base import analyzer, finding, meta, pod_spec_of
from crumbs.analyze.nodeevents import PodIndex, evidence, node_key, span
from crumbs.analyze.nodewords import CRON_DAEMONS
from crumbs.analyze.refs import image_parts, images
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Finding,
    ObjectKey,
    RevisionType,
    Severity,
    StoredRevision,
    mapping,
    sequence,
)
from crumbs.timeutil import format_time


def _owner_ref(rev: StoredRevision, kind: str) -> dict[str, object] | None:
    for ref in sequence(meta(rev.doc).get("ownerReferences")):
        if mapping(ref).get("kind") == kind:
            return mapping(ref)
    return None


def _job_of(view: ClusterView, pod: StoredRevision) -> StoredRevision | None:
    ref = _owner_ref(pod, "Job")
    if ref is None:
        return None
    ns, name = pod.key.namespace, str(ref.get("name"))
    return view.find("Job", ns, name) or view.deleted_object("Job", ns, name)


def _deleted_at(view: ClusterView, key: ObjectKey, uid: str) -> int | None:
    """When the incarnation ``uid`` of an object was deleted, as far as the data tell.

    Its DELETED revision; else, when the name was taken again by another uid, the
    first sight of that one (the old one was gone by then); else unknown.
    """
    history = view.history(key)
    for rev in history:
        if rev.type == RevisionType.DELETED and (not uid or rev.uid == uid):
            return rev.at
    later = [r.at for r in history if uid and r.uid != uid]
    return min(later) if later else None


@analyzer(
    "node-cron",
    ("Pod", "Job", "CronJob", "Node"),
    "What scheduled jobs actually ran on the nodes: CronJob pods gone stale, host cron daemons",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    execs = [e for e in view.node_events() if e.type == "exec"]
    if not execs:
        return
    pods = PodIndex(view)
    by_pod: dict[str, list[NodeEvent]] = defaultdict(list)
    host: dict[tuple[str, str], list[NodeEvent]] = defaultdict(list)
    for e in execs:
        if e.host and e.parent in CRON_DAEMONS:
            host[(e.node, e.binary or e.comm)].append(e)
        elif not e.host and (e.pod_uid or e.pod):
            by_pod[e.pod_uid or f"{e.namespace}/{e.pod}"].append(e)
    for events in by_pod.values():
        pod = pods.pod_of(events[0])
        if pod is None:
            continue
        job = _job_of(view, pod)
        if job is None:
            continue
        yield from _cron_pod(view, pod, job, events)
    for (node, binary), events in host.items():
        key = node_key(view, node)
        subject = view.get("Node", "", node)
        f = Finding(
            "node-cron",
            "host-cron-job",
            Severity.INFO,
            key,
            subject.uid if subject else "",
            "v1",
            f"{events[0].parent} on node {node} ran {binary} {span(events)}",
            detail=f"command: {' '.join(events[-1].args) or binary}; no Kubernetes object declares this job",
            since=events[0].at,
            discriminator=binary,
            remediation="if this job matters to the cluster, move it into a CronJob (declared, versioned, observable); else remove it from the node's crontab",
        )
        f.evidence.extend(evidence(events, key))
        yield f


def _cron_pod(
    view: ClusterView, pod: StoredRevision, job: StoredRevision, events: list[NodeEvent]
) -> Iterator[Finding]:
    ref = _owner_ref(job, "CronJob")
    if ref is None:
        return
    ns, name = job.key.namespace, str(ref.get("name"))
    cj = view.find("CronJob", ns, name)
    related = [job.key, pod.key]
    if cj is None or cj.uid != ref.get("uid"):
        key = ObjectKey(pod.key.cluster, "batch", "CronJob", ns, name)
        gone_at = _deleted_at(view, key, str(ref.get("uid") or ""))
        if gone_at is not None:  # runs before the deletion were the CronJob's own
            events = [e for e in events if e.at > gone_at]
            if not events:
                return
        ran = f"{events[0].binary or events[0].comm} {span(events)} on {events[0].node}"
        after = f", after its deletion at {format_time(gone_at, precise=False)}" if gone_at else ""
        f = Finding("node-cron", "cron-ran-after-cronjob-deleted", Severity.WARNING, key, str(ref.get("uid") or ""), "batch/v1",
                    f"Job {job.key.name} of deleted CronJob {name} still ran {ran}{after}",
                    detail="its pods outlived their CronJob (deleted with --cascade=orphan, or re-created under the same name)",
                    since=events[0].at, related=related, discriminator=job.key.name,
                    remediation=f"delete Job {job.key.name} and its pods if the CronJob was retired on purpose")  # fmt: skip
        f.evidence.extend(evidence(events, pod.key))
        yield f
        return
    ran = f"{events[0].binary or events[0].comm} {span(events)} on {events[0].node}"
    app = same_app(view, cj)
    ran_images = images(pod_spec_of(pod.doc))
    if app is not None:
        workload, why = app
        theirs = {image_parts(i)[0]: image_parts(i)[1] for i in images(pod_spec_of(workload.doc))}
        for image in ran_images:
            repo, tag = image_parts(image)
            if repo in theirs and theirs[repo] != tag:
                f = finding("node-cron", "cron-ran-stale-image", Severity.WARNING, cj,
                            f"CronJob {name} really ran {repo}:{tag} ({ran}) while {workload.key.kind} {workload.key.name} runs {theirs[repo]}",
                            detail=f"same app by {why}; the node saw the old image execute", since=events[0].at,
                            related=[workload.key, *related], relations={workload.key: f"{workload.key.kind} {workload.key.name}, the same app ({why})"},
                            discriminator=f"{repo}@{job.key.name}",
                            remediation=f"update the CronJob's image to {repo}:{theirs[repo]}")  # fmt: skip
                f.evidence.extend(evidence(events, pod.key))
                yield f
        return
    deleted = [d for d in view.deleted() if d.key.kind in APP_KINDS and d.key.namespace == ns]
    gone_app = same_app(view, cj, deleted)
    if gone_app is not None:
        w = gone_app[0]
        f = finding("node-cron", "cron-ran-app-gone", Severity.WARNING, cj,
                    f"CronJob {name} still ran ({ran}) although {w.key.kind} {w.key.name} of its app was deleted",
                    since=events[0].at, related=[w.key, *related], discriminator=job.key.name,
                    remediation="delete or suspend the CronJob if its app is retired")  # fmt: skip
        f.evidence.extend(evidence(events, pod.key))
        yield f
