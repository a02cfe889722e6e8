"""Services: a selector that matches no pods, no ready endpoints, a targetPort no selected container exposes,
a LoadBalancer still pending. Endpoints come from EndpointSlices, or the Endpoints object when there are none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import (
    MINUTE,
    analyzer,
    condition,
    containers,
    finding,
    holds_since,
    meta,
    spec,
    status,
    template_selected,
    time_of,
)
from crumbs.analyze.selectors import from_map
from crumbs.analyze.view import ClusterView
from crumbs.model import Evidence, Finding, Origin, Severity, StoredRevision, mapping, sequence
from crumbs.trail.values import labels as show_labels

LB_PENDING_AFTER = 10 * MINUTE
SERVICE_NAME = "kubernetes.io/service-name"


def slices_of(view: ClusterView, svc: StoredRevision) -> list[StoredRevision]:
    return [
        s
        for s in view.objects("EndpointSlice", svc.key.namespace)
        if mapping(meta(s.doc).get("labels")).get(SERVICE_NAME) == svc.key.name
    ]


def ready_endpoints(
    view: ClusterView, svc: StoredRevision
) -> tuple[int | None, list[StoredRevision]]:
    """How many ready addresses the Service has (None: no endpoint data at all), and from which objects."""
    slices = slices_of(view, svc)
    if slices:
        n = 0
        for s in slices:
            for ep in sequence(s.doc.get("endpoints")):
                if mapping(mapping(ep).get("conditions")).get("ready", True) is not False:
                    n += len(sequence(mapping(ep).get("addresses")))
        return n, slices
    eps = view.find("Endpoints", svc.key.namespace, svc.key.name)
    if eps is not None:
        return sum(
            len(sequence(mapping(s).get("addresses"))) for s in sequence(eps.doc.get("subsets"))
        ), [eps]
    return None, []


def onset_of_emptiness(view: ClusterView, sources: list[StoredRevision]) -> int | None:
    """When the endpoint objects last went from some ready addresses to none."""
    since: int | None = None
    for src in sources:
        history = view.history(src.key)
        for rev in reversed(history):
            if _ready_in(rev.doc) > 0:
                break
            since = rev.at if since is None else min(since, rev.at)
    return since


def _ready_in(doc: dict[str, Any]) -> int:
    if doc.get("kind") == "EndpointSlice":
        return sum(
            len(sequence(mapping(ep).get("addresses")))
            for ep in sequence(doc.get("endpoints"))
            if mapping(mapping(ep).get("conditions")).get("ready", True) is not False
        )
    return sum(len(sequence(mapping(s).get("addresses"))) for s in sequence(doc.get("subsets")))


def selector_since(view: ClusterView, svc: StoredRevision) -> int | None:
    """When the Service got its current selector."""
    current = spec(svc.doc).get("selector")
    since = None
    for rev in reversed(view.history(svc.key)):
        if rev.uid != svc.uid or spec(rev.doc).get("selector") != current:
            break
        since = rev.at
    return since


@analyzer(
    "services",
    ("Service", "EndpointSlice", "Endpoints", "Pod"),
    "Services that reach no pod, or reach pods on a port they do not serve",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for svc in view.objects("Service"):
        s = spec(svc.doc)
        if s.get("type") == "ExternalName":
            continue
        selector = s.get("selector")
        if isinstance(selector, dict) and selector:
            selected = view.select("Pod", svc.key.namespace, from_map(selector))
            pods = [
                p for p in selected if status(p.doc).get("phase") not in ("Succeeded", "Failed")
            ]
            if selected and not pods and svc.origin != Origin.DECLARED:
                # the selector is right: its pods ended (evicted, failed)
                ended = sorted(
                    {
                        str(status(p.doc).get("reason") or status(p.doc).get("phase"))
                        for p in selected
                    }
                )
                yield finding("services", "no-running-pods", Severity.ERROR, svc, f"Service {svc.key.name}: none of its {len(selected)} selected pods is running",
                              detail=f"they ended: {', '.join(ended)}", since=max((t for p in selected if (t := _ended(p)) is not None), default=None),
                              related=[p.key for p in selected[:20]], remediation="the selected pods are gone: see their findings")  # fmt: skip
                continue
            if not pods and view.knows("Pod") and svc.origin != Origin.DECLARED:
                idle = _scaled_to_zero(view, svc, selector)
                if idle:
                    yield _idle_finding(view, svc, idle)
                    continue
                ready, sources = ready_endpoints(view, svc)
                since = onset_of_emptiness(view, sources) or selector_since(view, svc)
                f = finding("services", "selector-matches-no-pods", Severity.ERROR, svc, f"Service {svc.key.name}: selector {show_labels(selector)} matches no pods",
                            detail=_neighbours(view, svc, selector), since=since, related=[x.key for x in sources],
                            remediation="fix the selector, or the pods' labels; compare with the Service's history (crumbs history svc/NAME)")  # fmt: skip
                f.evidence.extend(
                    Evidence(
                        "revision",
                        x.key,
                        x.at,
                        f"{x.key.kind} {x.key.name}: no ready endpoints",
                        x.id,
                    )
                    for x in sources
                )
                yield f
                continue
            ready, sources = ready_endpoints(view, svc)
            if ready == 0 and pods and svc.origin != Origin.DECLARED:
                yield finding("services", "no-ready-endpoints", Severity.ERROR, svc, f"Service {svc.key.name}: {len(pods)} pods selected, none ready",
                              since=onset_of_emptiness(view, sources), related=[p.key for p in pods] + [x.key for x in sources],
                              remediation="the selected pods are not ready: see their findings")  # fmt: skip
            if ready is None and pods and svc.origin != Origin.DECLARED:
                yield from _unready_pods(svc, pods)
            yield from _ports(svc, pods)
        if svc.origin == Origin.DECLARED:
            continue  # a manifest has no state to judge
        if s.get("type") == "LoadBalancer" and not sequence(
            mapping(status(svc.doc).get("loadBalancer")).get("ingress")
        ):
            created = time_of(meta(svc.doc).get("creationTimestamp"))
            if created is None or view.at - created > LB_PENDING_AFTER:
                yield finding("services", "load-balancer-pending", Severity.WARNING, svc, f"Service {svc.key.name}: load balancer not provisioned",
                              since=created, remediation="check the cloud controller and its events for this Service")  # fmt: skip


def _ended(pod: StoredRevision) -> int | None:
    ready = condition(pod.doc, "Ready")
    return time_of(ready.get("lastTransitionTime")) if ready else None


def _unready_pods(svc: StoredRevision, pods: list[StoredRevision]) -> Iterator[Finding]:
    """No Endpoints or EndpointSlices in the data (a cluster-info dump, an archive): the
    Service has no ready endpoint when none of its selected pods is Ready."""
    unready = [p for p in pods if mapping(condition(p.doc, "Ready")).get("status") != "True"]
    if len(unready) < len(pods):
        return
    turned = [time_of(mapping(condition(p.doc, "Ready")).get("lastTransitionTime")) for p in pods]
    since = max((t for t in turned if t is not None), default=None)
    yield finding("services", "no-ready-pods", Severity.ERROR, svc, f"Service {svc.key.name}: none of its {len(pods)} selected pods is ready",
                  detail="inferred from the pods' Ready condition: the data hold no Endpoints or EndpointSlices for it",
                  since=since, related=[p.key for p in pods],
                  remediation="the selected pods are not ready: see their findings")  # fmt: skip


def _neighbours(view: ClusterView, svc: StoredRevision, selector: dict[str, Any]) -> str:
    """What the pods of the namespace do carry under the selector's keys (the likely right value)."""
    seen: dict[str, set[str]] = {}
    for pod in view.objects("Pod", svc.key.namespace):
        labels = mapping(meta(pod.doc).get("labels"))
        for k in selector:
            if k in labels:
                seen.setdefault(k, set()).add(str(labels[k]))
    if not seen:
        return "no pod in the namespace carries the selector's label keys"
    return "pods in the namespace carry " + "; ".join(
        f"{k}={'|'.join(sorted(v)[:5])}" for k, v in seen.items()
    )


def _ports(svc: StoredRevision, pods: list[StoredRevision]) -> Iterator[Finding]:
    exposed_numbers: set[int] = set()
    exposed_names: set[str] = set()
    declared = False
    for pod in pods:
        for c in containers(spec(pod.doc), init=False):
            for p in sequence(c.get("ports")):
                pm = mapping(p)
                declared = True
                if isinstance(pm.get("containerPort"), int):
                    exposed_numbers.add(pm["containerPort"])
                if pm.get("name"):
                    exposed_names.add(str(pm["name"]))
    if not declared:
        return  # containers that declare no ports can still listen on any: nothing to say
    for port in sequence(spec(svc.doc).get("ports")):
        pm = mapping(port)
        target = pm.get("targetPort", pm.get("port"))
        missing = (isinstance(target, int) and target not in exposed_numbers) or (
            isinstance(target, str) and not target.isdigit() and target not in exposed_names
        )
        if isinstance(target, str) and target.isdigit():
            missing = int(target) not in exposed_numbers
        if missing:
            offered = ", ".join(
                [*(str(n) for n in sorted(exposed_numbers)), *sorted(exposed_names)]
            )
            yield finding("services", "target-port-not-exposed", Severity.ERROR, svc, f"Service {svc.key.name}: targetPort {target} is not a port of the selected pods",
                          detail=f"port {pm.get('port')} → {target}; the pods' containers expose {offered}", discriminator=str(pm.get("port")),
                          related=[p.key for p in pods[:5]], remediation="point targetPort at a containerPort (number or name) the pods declare")  # fmt: skip


def _scaled_to_zero(view: ClusterView, svc: StoredRevision, selector: dict[str, Any]) -> list[StoredRevision]:  # fmt: skip
    """The workloads whose pod template the selector matches, when every one is at zero."""
    # DaemonSets aside: they have no replicas to scale to zero
    fronted = template_selected(view, svc.key.namespace, from_map(selector), ("Deployment", "StatefulSet"))  # fmt: skip
    return fronted if fronted and all(spec(w.doc).get("replicas") == 0 for w in fronted) else []


def _idle_finding(view: ClusterView, svc: StoredRevision, idle: list[StoredRevision]) -> Finding:
    names = ", ".join(f"{w.key.kind} {w.key.name}" for w in idle)
    since = max((t for w in idle if (t := holds_since(view, w, lambda d: spec(d).get("replicas") == 0)) is not None), default=None)  # fmt: skip
    return finding("services", "workload-scaled-to-zero", Severity.WARNING, svc, f"Service {svc.key.name}: no pods, {names} scaled to zero",
                   detail="it has no endpoints: whoever calls it gets connection refused or timeouts", since=since,
                   related=[w.key for w in idle], relations={w.key: "the workload it fronts" for w in idle},
                   remediation="scale the workload up if the Service should answer; else remove the Service, or its callers' use of it")  # fmt: skip
