"""Jobs that failed (BackoffLimitExceeded, DeadlineExceeded), with the failing container's message.
Completed Jobs are not problems; Jobs of CronJobs are left to the CronJob analyzer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import analyzer, condition, finding, meta, status, time_of
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence


def failure_message(view: ClusterView, job: StoredRevision) -> str:
    """The last failing container's reason, exit code and message among the Job's pods."""
    best: tuple[int, str] | None = None
    for pod in view.owned_by(job, "Pod"):
        for cs in sequence(status(pod.doc).get("containerStatuses")):
            term = mapping(mapping(mapping(cs).get("state")).get("terminated")) or mapping(
                mapping(mapping(cs).get("lastState")).get("terminated")
            )
            if term and term.get("exitCode") not in (0, None):
                when = time_of(term.get("finishedAt")) or 0
                text = f"container {mapping(cs).get('name')}: {term.get('reason') or 'Error'} (exit {term.get('exitCode')})"
                if term.get("message"):
                    text += f": {' '.join(str(term['message']).split())[:160]}"
                if best is None or when > best[0]:
                    best = (when, text)
    return best[1] if best else ""


def is_cron_job(doc: dict[str, Any]) -> bool:
    return any(
        isinstance(r, dict) and r.get("kind") == "CronJob"
        for r in sequence(meta(doc).get("ownerReferences"))
    )


@analyzer("jobs", ("Job",), "Jobs that failed")
def analyze(view: ClusterView) -> Iterator[Finding]:
    for job in view.objects("Job"):
        if is_cron_job(job.doc):
            continue
        failed = condition(job.doc, "Failed")
        if failed and failed.get("status") == "True":
            detail = failure_message(view, job) or str(failed.get("message") or "")
            yield finding("jobs", "failed", Severity.ERROR, job, f"Job {job.key.name}: failed ({failed.get('reason')})", detail=detail,
                          since=time_of(status(job.doc).get("startTime")), related=[p.key for p in view.owned_by(job, "Pod")],
                          remediation="read the failing pod's logs; compare with the last change of what it runs")  # fmt: skip
