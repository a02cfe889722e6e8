"""PodDisruptionBudgets that match no pods or allow no disruption, and the drains they hold.

- ``selects-nothing``: a budget whose selector matches no pod (protects nothing).
- ``blocks-evictions``: a budget allowing no disruption: from the controller's status
  (``disruptionsAllowed: 0``), or without it (a manifest, an archive) from the spec —
  minAvailable as high as the running pods it selects, or maxUnavailable 0 (popeye's POP-901).
- ``drain-blocked``: a cordoned Node still running pods such a budget selects: ``kubectl
  drain`` retries their eviction forever ("Cannot evict pod as it would violate the pod's
  disruption budget"), and node upgrades and scale-downs wait. The budget is a related object,
  so its changes rank as causes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from crumbs.analyze.base import MINUTE, analyzer, finding, holds_since, meta, spec, status
from crumbs.analyze.selectors import Requirement, from_selector
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision, mapping, sequence

DRAIN_STUCK_AFTER = 10 * MINUTE
"""kubectl drain retries a refused eviction every 5 s: ten minutes of it is a stuck drain."""


@analyzer(
    "policy",
    ("PodDisruptionBudget", "Node"),
    "Disruption budgets that match no pods or block every eviction; drains they hold",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    blocking: list[tuple[StoredRevision, list[Requirement]]] = []
    for pdb in view.objects("PodDisruptionBudget"):
        selector = from_selector(spec(pdb.doc).get("selector"))
        if selector is None:
            continue
        if view.objects("Pod") and not view.select("Pod", pdb.key.namespace, selector):
            yield finding(
                "policy",
                "selects-nothing",
                Severity.INFO,
                pdb,
                f"PodDisruptionBudget {pdb.key.name}: its selector matches no pods",
            )
            continue
        said = _allows_none(view, pdb, selector)
        if said is not None:
            blocking.append((pdb, selector))
            yield finding("policy", "blocks-evictions", Severity.WARNING, pdb, f"PodDisruptionBudget {pdb.key.name}: allows no disruption",
                          detail=f"{said}: node drains will wait", remediation="scale the workload up or loosen minAvailable/maxUnavailable")  # fmt: skip
    if blocking:
        yield from _drains(view, blocking)


def _allows_none(view: ClusterView, pdb: StoredRevision, selector: list[Requirement]) -> str | None:  # fmt: skip
    """Why the budget allows no eviction now, or None when it allows some."""
    st = status(pdb.doc)
    if "expectedPods" in st:
        if st.get("disruptionsAllowed") == 0 and isinstance(st["expectedPods"], int) and st["expectedPods"] > 0:  # fmt: skip
            return f"{st.get('currentHealthy', 0)} healthy, {st.get('desiredHealthy', 0)} required"
        return None
    s = spec(pdb.doc)
    running = [
        p
        for p in view.select("Pod", pdb.key.namespace, selector)
        if status(p.doc).get("phase") == "Running"
    ]
    minimum, most = s.get("minAvailable"), s.get("maxUnavailable")
    if isinstance(minimum, int) and running and minimum >= len(running):
        return f"minAvailable {minimum}, {len(running)} pods running"
    if most in (0, "0%"):
        return f"maxUnavailable {most}"
    return None


def _drains(view: ClusterView, blocking: list[tuple[StoredRevision, list[Requirement]]]) -> Iterator[Finding]:  # fmt: skip
    cordoned = [n for n in view.objects("Node") if spec(n.doc).get("unschedulable")]
    if not cordoned:
        return
    held_on: dict[object, list[tuple[StoredRevision, StoredRevision]]] = defaultdict(list)
    for pdb, selector in blocking:  # each budget's pods once, by the node they run on
        for pod in view.select("Pod", pdb.key.namespace, selector):
            if _evictable(pod):
                held_on[spec(pod.doc).get("nodeName")].append((pod, pdb))
    for node in cordoned:
        since = holds_since(view, node, lambda doc: bool(spec(doc).get("unschedulable")))
        if since is not None and view.at - since < DRAIN_STUCK_AFTER:
            continue
        held = held_on.get(node.key.name, [])
        if not held:
            continue
        budgets = sorted({p.key.namespace + "/" + p.key.name for _, p in held})
        pods = ", ".join(sorted(f"{p.key.namespace}/{p.key.name}" for p, _ in held)[:5])
        yield finding("policy", "drain-blocked", Severity.WARNING, node,
                      f"Node {node.key.name}: cordoned, but its pods cannot be evicted (PodDisruptionBudget {', '.join(budgets)})",
                      detail=f"pods still on it: {pods}{' …' if len(held) > 5 else ''}; each eviction is refused: \"Cannot evict pod as it would violate the pod's disruption budget\"",
                      since=since, related=[p.key for _, p in held] + [pod.key for pod, _ in held],
                      relations={p.key: "the disruption budget refusing its pods' evictions" for _, p in held},
                      remediation="scale the budget's workload up (so one pod may go), or loosen minAvailable/maxUnavailable for the drain")  # fmt: skip


def _evictable(pod: StoredRevision) -> bool:
    """A running pod a drain must evict (DaemonSet and mirror pods are left, ended ones gone)."""
    md = meta(pod.doc)
    if md.get("deletionTimestamp") or status(pod.doc).get("phase") in ("Succeeded", "Failed"):
        return False
    if "kubernetes.io/config.mirror" in mapping(md.get("annotations")):
        return False
    return not any(mapping(o).get("kind") == "DaemonSet" for o in sequence(md.get("ownerReferences")))  # fmt: skip
