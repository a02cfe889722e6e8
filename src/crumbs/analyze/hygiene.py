"""Hygiene of pod specs (``scan --profile lint``): settings that break nothing today but make the
next incident likelier or longer — popeye's POP-100..107, k8sgpt's and kube-score's staples.

- ``image-latest``: an image pulled by the moving ``latest`` tag, or by no tag at all (which
  means ``latest``): what runs changes with every pull, and a rollback does not roll it back.
- ``probes-missing``: a long-running container with no readiness probe (Services send it
  traffic before it can answer) or no liveness probe (a hung process is never restarted).
  Containers of Jobs and CronJobs finish by design and are not judged.
- ``requests-missing``: a container requesting neither CPU nor memory: the scheduler places it
  anywhere and it is first to be evicted (BestEffort). ``memory-limit-missing`` (info): no
  memory limit, so one leak can take its Node's memory. CPU limits are not asked for (they
  throttle more than they protect). A namespace's LimitRange defaults count as set.

One finding per object whose pod spec a person or a tool wrote (a Deployment, not each of its
pods), with the containers named.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import analyzer, authored_templates, containers, finding, pod_spec_of, spec
from crumbs.analyze.refs import image_parts
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence

_RUN_TO_COMPLETION = {"Job", "CronJob"}


@analyzer("hygiene", ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"), "Images on latest, containers without probes, requests or memory limits (--profile lint)", profile="lint")  # fmt: skip
def analyze(view: ClusterView) -> Iterator[Finding]:
    defaults = _limit_range_defaults(view)
    for rev in authored_templates(view):
        pod = pod_spec_of(rev.doc)
        yield from _latest(rev, pod)
        if rev.key.kind not in _RUN_TO_COMPLETION and not _finishes(rev, pod):
            yield from _probes(rev, pod)
        yield from _resources(rev, pod, defaults.get(rev.key.namespace, frozenset()))


def _finishes(rev: StoredRevision, pod: dict[str, Any]) -> bool:
    """A bare Pod that runs to completion (restartPolicy Never or OnFailure)."""
    return rev.key.kind == "Pod" and pod.get("restartPolicy") in ("Never", "OnFailure")


def _latest(rev: StoredRevision, pod: dict[str, Any]) -> Iterator[Finding]:
    for c in containers(pod):
        image = str(c.get("image") or "")
        if not image or "@" in image:
            continue
        _, tag = image_parts(image)
        if tag != "latest":
            continue
        untagged = ":" not in image.rsplit("/", 1)[-1]
        how = "has no tag (so latest)" if untagged else "is tagged latest"
        yield finding("hygiene", "image-latest", Severity.WARNING, rev, f"{rev.key.kind} {rev.key.name}: image {image} of container {c.get('name')} {how}",
                      detail="what runs changes with each pull, nodes may run different builds, and rolling back does not bring the old build back",
                      remediation="pin a version tag, or better a digest (image@sha256:…)", discriminator=str(c.get("name") or ""))  # fmt: skip


def _probes(rev: StoredRevision, pod: dict[str, Any]) -> Iterator[Finding]:
    for c in containers(pod, init=False):
        missing = [p for p in ("readinessProbe", "livenessProbe") if not c.get(p)]
        if not missing:
            continue
        name = str(c.get("name") or "")
        both = len(missing) == 2
        what = "no probes" if both else f"no {missing[0].removesuffix('Probe')} probe"
        detail = {
            "readinessProbe": "Services send it traffic from the moment it starts, ready or not",
            "livenessProbe": "a process that hangs without exiting is never restarted",
        }
        yield finding("hygiene", "probes-missing", Severity.WARNING if both else Severity.INFO, rev, f"{rev.key.kind} {rev.key.name}: container {name} has {what}",
                      detail="; ".join(detail[m] for m in missing), discriminator=name,
                      remediation="add a readinessProbe on the port it serves (and a livenessProbe for hangs it cannot recover from)")  # fmt: skip


def _resources(rev: StoredRevision, pod: dict[str, Any], defaulted: frozenset[str]) -> Iterator[Finding]:  # fmt: skip
    for c in containers(pod):
        name = str(c.get("name") or "")
        resources = mapping(c.get("resources"))
        requests = {**dict.fromkeys(defaulted), **mapping(resources.get("requests"))}
        limits = {**dict.fromkeys(defaulted), **mapping(resources.get("limits"))}
        if "cpu" not in requests and "memory" not in requests and "memory" not in limits:
            yield finding("hygiene", "requests-missing", Severity.WARNING, rev, f"{rev.key.kind} {rev.key.name}: container {name} requests no CPU or memory",
                          detail="the scheduler places it without looking at what it needs, and under pressure it is evicted first (BestEffort)",
                          remediation="set resources.requests (cpu, memory) near what it uses", discriminator=name)  # fmt: skip
        elif "memory" not in limits:
            yield finding("hygiene", "memory-limit-missing", Severity.INFO, rev, f"{rev.key.kind} {rev.key.name}: container {name} has no memory limit",
                          detail="a leak in it takes its Node's memory, and the kernel's OOM killer then picks among all the Node's pods",
                          remediation="set resources.limits.memory", discriminator=name)  # fmt: skip


def _limit_range_defaults(view: ClusterView) -> dict[str, frozenset[str]]:
    """Per namespace, the resources a LimitRange gives containers by default (``memory``, ``cpu``)."""
    out: dict[str, frozenset[str]] = {}
    for lr in view.objects("LimitRange"):
        given: set[str] = set()
        for limit in sequence(spec(lr.doc).get("limits")):
            item = mapping(limit)
            if item.get("type") == "Container":
                given |= set(mapping(item.get("default"))) | set(mapping(item.get("defaultRequest")))  # fmt: skip
        out[lr.key.namespace] = out.get(lr.key.namespace, frozenset()) | given
    return out
