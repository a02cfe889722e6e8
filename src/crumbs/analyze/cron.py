"""CronJobs, and the cron that still fires.

- the schedule, by the controller's own rules (:mod:`crumbs.analyze.cronexpr`):
  unparsable; runs missed since ``lastScheduleTime`` (over 100: the controller's
  ``TooManyMissedTimes``, it starts nothing); ``startingDeadlineSeconds`` under 10;
- runs: overlapping (``Allow``) or blocked (``Forbid``), active while suspended,
  failing lately, never succeeded; Jobs whose CronJob (by uid) is gone;
- the app it belongs to moved on or is gone: its image lags the workload of the
  same app (same app labels, Helm release or name), or a Service it calls in
  env or args no longer exists.
"""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.apps import same_app
from crumbs.analyze.base import (
    MINUTE,
    analyzer,
    condition,
    event_evidence,
    finding,
    meta,
    pod_spec_of,
    spec,
    status,
    time_of,
)
from crumbs.analyze.batch import failure_message
from crumbs.analyze.cronexpr import NS, Schedule, ScheduleError, parse
from crumbs.analyze.refs import called_services, image_parts, images
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Evidence,
    Finding,
    ObjectKey,
    Origin,
    Severity,
    StoredEvent,
    StoredRevision,
    mapping,
    sequence,
)
from crumbs.timeutil import format_time

MISS_GRACE = 2 * MINUTE
TOO_MANY_MISSED = 100
CONTROLLER_EVENTS = {
    "TooManyMissedTimes",
    "FailedNeedsStart",
    "MissSchedule",
    "JobAlreadyActive",
    "UnexpectedJob",
    "FailedCreate",
    "InvalidSchedule",
}


def scheduled_at(job: StoredRevision) -> int | None:
    ann = mapping(meta(job.doc).get("annotations"))
    return time_of(ann.get("batch.kubernetes.io/cronjob-scheduled-timestamp")) or time_of(
        meta(job.doc).get("creationTimestamp")
    )


def outcome(job: StoredRevision) -> str:
    if (c := condition(job.doc, "Complete")) and c.get("status") == "True":
        return "succeeded"
    if (c := condition(job.doc, "Failed")) and c.get("status") == "True":
        return "failed"
    return "running"


@analyzer(
    "cronjobs",
    ("CronJob", "Job"),
    "CronJobs: schedules, missed and failing runs, orphans, and the cron that still fires for an app that moved on",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    current_uids = {c.uid for c in view.objects("CronJob")}
    for cj in view.objects("CronJob"):
        yield from _one(view, cj)
    yield from _orphans(view, current_uids)


def _one(view: ClusterView, cj: StoredRevision) -> Iterator[Finding]:
    s, st = spec(cj.doc), status(cj.doc)
    name = cj.key.name
    controller_events = [e for e in view.events(cj.key) if e.reason in CONTROLLER_EVENTS]
    try:
        zone = s.get("timeZone")
        schedule = parse(str(s.get("schedule") or ""), None if zone is None else str(zone))
    except ScheduleError as err:
        yield finding("cronjobs", "invalid-schedule", Severity.ERROR, cj, f"CronJob {name}: schedule {s.get('schedule')!r} is invalid", detail=str(err),
                      remediation="fix spec.schedule (5 fields; see crontab(5)) and spec.timeZone")  # fmt: skip
        return
    if not schedule.fires():
        yield finding("cronjobs", "invalid-schedule", Severity.ERROR, cj, f"CronJob {name}: schedule {schedule.text!r} never fires",
                      detail="no date matches it (a day of the month that month never has)", remediation="fix spec.schedule")  # fmt: skip
        return
    active = sequence(st.get("active"))
    jobs = sorted(view.owned_by(cj, "Job"), key=lambda j: scheduled_at(j) or 0)
    if s.get("suspend"):
        if active:
            yield finding("cronjobs", "suspended-active", Severity.WARNING, cj, f"CronJob {name}: suspended, yet {len(active)} job(s) still active",
                          remediation="suspending stops new runs only: delete the active Jobs if they must stop")  # fmt: skip
        return
    deadline = s.get("startingDeadlineSeconds")
    if isinstance(deadline, int) and deadline < 10:
        yield finding("cronjobs", "deadline-too-short", Severity.WARNING, cj, f"CronJob {name}: startingDeadlineSeconds {deadline} is under 10",
                      detail="the controller checks every 10 seconds: runs may be missed", remediation="set startingDeadlineSeconds to 10 or more (or remove it)")  # fmt: skip
    if cj.origin == Origin.DECLARED:
        yield from _moved_on(view, cj)
        return  # a manifest's runs are not known: only what it declares is judged
    yield from _missed(view, cj, schedule, deadline, controller_events)
    policy = s.get("concurrencyPolicy") or "Allow"
    if policy == "Allow" and len(active) > 1:
        yield finding("cronjobs", "overlapping-runs", Severity.WARNING, cj, f"CronJob {name}: {len(active)} runs active at once",
                      detail=f"runs take longer than the schedule's interval ({schedule.text})", remediation="set concurrencyPolicy Forbid or Replace, or make runs shorter")  # fmt: skip
    blocked = [e for e in controller_events if e.reason == "JobAlreadyActive"]
    if policy == "Forbid" and blocked:
        f = finding(
            "cronjobs",
            "runs-skipped",
            Severity.WARNING,
            cj,
            f"CronJob {name}: runs skipped while the previous one is still active",
        )
        f.evidence.extend(event_evidence(blocked))
        yield f
    yield from _runs(view, cj, jobs)
    yield from _moved_on(view, cj)


def _missed(
    view: ClusterView,
    cj: StoredRevision,
    schedule: Schedule,
    deadline: object,
    events: list[StoredEvent],
) -> Iterator[Finding]:
    st = status(cj.doc)
    last = time_of(st.get("lastScheduleTime")) or time_of(meta(cj.doc).get("creationTimestamp"))
    if last is None:
        return
    earliest = last
    if isinstance(deadline, int) and deadline >= 0:
        earliest = max(last, view.at - deadline * NS)
    missed = schedule.next_times(earliest, view.at - MISS_GRACE, limit=TOO_MANY_MISSED + 1)
    too_many = [e for e in events if e.reason in ("TooManyMissedTimes", "FailedNeedsStart")]
    if len(missed) > TOO_MANY_MISSED or too_many:
        # the controller counts misses when it looks: past the 100th, or on resuming
        since = missed[TOO_MANY_MISSED] if len(missed) > TOO_MANY_MISSED else None
        resumed = _resumed_at(view, cj)
        if resumed is not None and (since is None or resumed > since):
            since = resumed
        if too_many and since is None:
            since = too_many[0].at
        f = finding("cronjobs", "too-many-missed", Severity.ERROR, cj, f"CronJob {cj.key.name}: more than {TOO_MANY_MISSED} missed start times: the controller starts nothing",
                    detail=f"last scheduled {format_time(last, precise=False)}; schedule {schedule.text}" + (f"; resumed {format_time(resumed, precise=False)}" if resumed else ""), since=since,
                    remediation="set startingDeadlineSeconds (the controller then only counts recent misses), or re-create the CronJob")  # fmt: skip
        f.evidence.extend(event_evidence(too_many))
        yield f
    elif missed:
        yield finding("cronjobs", "missed-runs", Severity.WARNING, cj, f"CronJob {cj.key.name}: {len(missed)} scheduled run(s) did not start",
                      detail=f"expected at {', '.join(format_time(t, precise=False) for t in missed[:3])}{'…' if len(missed) > 3 else ''}; last scheduled {format_time(last, precise=False)}",
                      since=missed[0], remediation="check kube-controller-manager, the CronJob's events, and startingDeadlineSeconds")  # fmt: skip


def _runs(view: ClusterView, cj: StoredRevision, jobs: list[StoredRevision]) -> Iterator[Finding]:
    finished = [j for j in jobs if outcome(j) != "running"]
    if not finished or outcome(finished[-1]) != "failed":
        return
    failing = []
    for job in reversed(finished):
        if outcome(job) != "failed":
            break
        failing.append(job)
    failing.reverse()
    never = not status(cj.doc).get("lastSuccessfulTime") and all(
        outcome(j) == "failed" for j in finished
    )
    message = failure_message(view, failing[-1])
    title = f"CronJob {cj.key.name}: " + (
        "has never succeeded" if never else f"last {len(failing)} run(s) failed"
    )
    f = finding("cronjobs", "never-succeeded" if never else "failing-runs", Severity.ERROR, cj, title, detail=message,
                since=scheduled_at(failing[0]), related=[j.key for j in failing],
                remediation="read the failed run's logs; check what the job runs against what its app runs now")  # fmt: skip
    for job in failing:
        f.evidence.append(
            Evidence(
                "object",
                job.key,
                job.at,
                f"Job {job.key.name}: failed ({(condition(job.doc, 'Failed') or {}).get('reason')})",
                job.id,
            )
        )
    app = same_app(view, cj)
    if app is not None:
        # the app's changes are candidate causes of the cron's failures
        f.related.append(app[0].key)
        f.relations[app[0].key] = f"{app[0].key.kind} {app[0].key.name}, the same app ({app[1]})"
    yield f


def _moved_on(view: ClusterView, cj: StoredRevision) -> Iterator[Finding]:
    pod_spec = pod_spec_of(cj.doc)
    app = same_app(view, cj)
    if app is not None:
        workload, why = app
        theirs = {image_parts(i)[0]: image_parts(i)[1] for i in images(pod_spec_of(workload.doc))}
        for image in images(pod_spec):
            repo, tag = image_parts(image)
            if repo in theirs and theirs[repo] != tag:
                since = _image_since(view, workload, repo)
                yield finding("cronjobs", "image-lags-app", Severity.WARNING, cj,
                              f"CronJob {cj.key.name} still runs {repo}:{tag} while {workload.key.kind} {workload.key.name} runs {theirs[repo]}",
                              detail=f"same app by {why}; the CronJob was left behind when the app moved on", since=since,
                              related=[workload.key], relations={workload.key: f"{workload.key.kind} {workload.key.name}, the same app ({why})"}, discriminator=repo,
                              remediation=f"update the CronJob's image to {repo}:{theirs[repo]} (or deploy both from one source, e.g. the Helm chart)")  # fmt: skip
    else:
        gone = _app_gone(view, cj)
        if gone is not None:
            yield finding("cronjobs", "app-gone", Severity.WARNING, cj, f"CronJob {cj.key.name} still fires, but {gone.key.kind} {gone.key.name} of its app was deleted",
                          since=gone.at, related=[gone.key], remediation="delete or suspend the CronJob if its app is retired")  # fmt: skip
    services = {(ns, svc): where for ns, svc, where in called_services(pod_spec, cj.key.namespace)}
    if services and view.knows("Service"):
        deleted = {
            (d.key.namespace, d.key.name): d for d in view.deleted() if d.key.kind == "Service"
        }
        for (ns, svc), where in services.items():
            if view.namespace not in (None, ns):
                continue  # another namespace is outside this view
            if view.find("Service", ns, svc) is None:
                gone_rev = deleted.get((ns, svc))
                yield finding("cronjobs", "calls-missing-service", Severity.WARNING, cj, f"CronJob {cj.key.name} calls Service {ns}/{svc}, which does not exist",
                              detail=f"{svc}.{ns}.svc in {where}" + (f"; deleted {format_time(gone_rev.at, precise=False)}" if gone_rev else ""),
                              since=gone_rev.at if gone_rev else None, related=[ObjectKey(cj.key.cluster, "", "Service", ns, svc)], discriminator=f"{ns}/{svc}")  # fmt: skip


def _resumed_at(view: ClusterView, cj: StoredRevision) -> int | None:
    """When the CronJob was last un-suspended, if it ever was."""
    history = [r for r in view.history(cj.key) if r.uid == cj.uid]
    for before, after in zip(reversed(history[:-1]), reversed(history[1:]), strict=True):
        if spec(before.doc).get("suspend") and not spec(after.doc).get("suspend"):
            return after.at
    return None


def _image_since(view: ClusterView, workload: StoredRevision, repo: str) -> int | None:
    """When the app's workload took its current tag of ``repo``."""
    current = next(
        (i for i in images(pod_spec_of(workload.doc)) if image_parts(i)[0] == repo), None
    )
    since = None
    for rev in reversed(view.history(workload.key)):
        if current not in images(pod_spec_of(rev.doc)):
            break
        since = rev.at
    return since


def _app_gone(view: ClusterView, cj: StoredRevision) -> StoredRevision | None:
    deleted = [
        d
        for d in view.deleted()
        if d.key.kind in ("Deployment", "StatefulSet", "DaemonSet")
        and d.key.namespace == cj.key.namespace
    ]
    match = same_app(view, cj, deleted)
    return match[0] if match else None


def _orphans(view: ClusterView, current_uids: set[str]) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[StoredRevision]] = {}
    for job in view.objects("Job"):
        for ref in sequence(meta(job.doc).get("ownerReferences")):
            r = mapping(ref)
            if r.get("kind") == "CronJob" and r.get("uid") and str(r["uid"]) not in current_uids:
                groups.setdefault((job.key.namespace, str(r.get("name"))), []).append(job)
    for (ns, owner), jobs in groups.items():
        first = jobs[0]
        recreated = view.find("CronJob", ns, owner)
        how = "was re-created (new uid)" if recreated else "no longer exists"
        yield finding("cronjobs", "orphaned-jobs", Severity.WARNING, first, f"{len(jobs)} Job(s) of CronJob {owner}, which {how}",
                      detail=", ".join(j.key.name for j in jobs[:5]), related=[j.key for j in jobs] + ([recreated.key] if recreated else []),
                      discriminator=owner, remediation="delete the leftover Jobs (and their pods), or adopt them")  # fmt: skip
