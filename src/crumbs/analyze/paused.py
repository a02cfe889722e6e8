"""Work somebody paused and nobody resumed: a CronJob suspended for several of its periods,
a Deployment whose rollouts are paused, a Job suspended.

When it was paused comes from the history (the first revision of the current
suspension), else from the managedFields entry that owns the field (a snapshot), and
who paused it from the same entry. A suspension the chart or GitOps source declares
(its manager is Helm, Argo CD or Flux) is info: somebody meant it and it is in Git.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from crumbs.analyze.base import analyzer, finding, meta, spec
from crumbs.analyze.cronexpr import ScheduleError, parse
from crumbs.analyze.view import ClusterView
from crumbs.model import Channel, Finding, Origin, Severity, StoredRevision, mapping, sequence
from crumbs.timeutil import humanize_age, parse_time
from crumbs.trail.managers import actor

PERIODS = 3
"""A CronJob suspended longer than this many of its schedule's periods is forgotten, likely."""
DECLARED = {Channel.HELM, Channel.GITOPS, Channel.IAC}


def paused_since(view: ClusterView, rev: StoredRevision, is_paused: Callable[[dict[str, Any]], bool],
                 field: str) -> tuple[int | None, str]:  # fmt: skip
    """When the current pause began and which manager wrote the field (``""``: unknown)."""
    since: int | None = None
    for old in reversed(view.history(rev.key)):
        if old.uid != rev.uid or not is_paused(old.doc):
            break
        since = old.at if old.origin != Origin.RECONSTRUCTED or since is None else since
    writer, written = _writer(rev.doc, field)
    first = view.history(rev.key)
    if since is not None and first and since == first[0].at and written is not None:
        since = min(since, written)  # paused before the first revision seen: the entry says when
    return since if since is not None else written, writer


def _writer(doc: dict[str, Any], field: str) -> tuple[str, int | None]:
    """The manager whose managedFields entry owns ``spec.<field>``, and the entry's time."""
    for entry in sequence(meta(doc).get("managedFields")):
        e = mapping(entry)
        if f"f:{field}" in mapping(mapping(e.get("fieldsV1")).get("f:spec")):
            return str(e.get("manager") or ""), parse_time(str(e.get("time") or ""))
    return "", None


def _severity(writer: str) -> str:
    return Severity.INFO if writer and actor(writer).channel in DECLARED else Severity.WARNING


def _who(writer: str) -> str:
    return f" by {writer}" if writer else ""


def _suspended(doc: dict[str, Any]) -> bool:
    return spec(doc).get("suspend") is True


def _paused(doc: dict[str, Any]) -> bool:
    return spec(doc).get("paused") is True


@analyzer("paused", ("CronJob", "Deployment", "Job"), "Work paused and not resumed: CronJobs suspended for several periods, Deployments paused, Jobs suspended")  # fmt: skip
def analyze(view: ClusterView) -> Iterator[Finding]:
    for cj in view.live("CronJob"):
        if not _suspended(cj.doc):
            continue
        since, writer = paused_since(view, cj, _suspended, "suspend")
        try:
            zone = spec(cj.doc).get("timeZone")
            schedule = parse(
                str(spec(cj.doc).get("schedule") or ""), None if zone is None else str(zone)
            )
        except ScheduleError:
            continue  # the cronjobs analyzer tells that
        missed = len(schedule.next_times(since, view.at, limit=10_000)) if since is not None else 0
        if since is not None and missed < PERIODS:
            continue  # suspended a short while: a pause, not yet forgotten
        when = (
            f"for {humanize_age(view.at - since)}"
            if since is not None
            else "since before the data begins"
        )
        yield finding("paused", "suspended", _severity(writer), cj, f"CronJob {cj.key.name}: suspended {when}{_who(writer)}",
                      detail=f"{missed} scheduled runs not made ({schedule.text})" if since is not None else f"schedule {schedule.text}",
                      since=since, remediation="resume it (kubectl patch cronjob NAME -p '{\"spec\":{\"suspend\":false}}') or delete it if it is retired")  # fmt: skip
    for dep in view.live("Deployment"):
        if _paused(dep.doc):
            since, writer = paused_since(view, dep, _paused, "paused")
            yield finding("paused", "rollouts-paused", _severity(writer), dep, f"Deployment {dep.key.name}: rollouts paused{_who(writer)}",
                          detail="changes to its template are not rolled out until it is resumed", since=since,
                          remediation="kubectl rollout resume deployment/NAME")  # fmt: skip
    for job in view.live("Job"):
        if _suspended(job.doc) and not _suspended_owner(view, job):
            since, writer = paused_since(view, job, _suspended, "suspend")
            yield finding("paused", "job-suspended", _severity(writer), job, f"Job {job.key.name}: suspended{_who(writer)}",
                          detail="its pods are not created (or were deleted) until it is resumed", since=since,
                          remediation="kubectl patch job NAME -p '{\"spec\":{\"suspend\":false}}'")  # fmt: skip


def _suspended_owner(view: ClusterView, job: StoredRevision) -> bool:
    owner = view.owner_of(job)
    return owner is not None and _suspended(owner.doc)
