"""PodDisruptionBudgets that match no pods, or allow no disruption (drains will hang)."""

from __future__ import annotations

from collections.abc import Iterator

from crumbs.analyze.base import finding, spec, status
from crumbs.analyze.registry import analyzer
from crumbs.analyze.selectors import Requirement, from_selector
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, Severity, StoredRevision


@analyzer(
    "policy",
    ("PodDisruptionBudget",),
    "Disruption budgets that match no pods or block every eviction",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for pdb in view.objects("PodDisruptionBudget"):
        selector = from_selector(spec(pdb.doc).get("selector"))
        if (
            selector is not None
            and view.objects("Pod")
            and not view.select("Pod", pdb.key.namespace, selector)
        ):
            yield finding(
                "policy",
                "selects-nothing",
                Severity.INFO,
                pdb,
                f"PodDisruptionBudget {pdb.key.name}: its selector matches no pods",
            )
            continue
        st = status(pdb.doc)
        if "expectedPods" not in st and selector is not None:
            yield from _from_spec(view, pdb, selector)
            continue
        if (
            st.get("disruptionsAllowed") == 0
            and isinstance(st.get("expectedPods"), int)
            and st["expectedPods"] > 0
        ):
            healthy, desired = st.get("currentHealthy", 0), st.get("desiredHealthy", 0)
            yield finding("policy", "blocks-evictions", Severity.WARNING, pdb, f"PodDisruptionBudget {pdb.key.name}: allows no disruption",
                          detail=f"{healthy} healthy, {desired} required: node drains will wait", remediation="scale the workload up or loosen minAvailable/maxUnavailable")  # fmt: skip


def _from_spec(
    view: ClusterView, pdb: StoredRevision, selector: list[Requirement]
) -> Iterator[Finding]:
    """Without the controller's status (a manifest, an archive): minAvailable as high as the
    pods it selects, or maxUnavailable 0, allow no eviction (popeye's POP-901)."""
    s = spec(pdb.doc)
    running = [
        p
        for p in view.select("Pod", pdb.key.namespace, selector)
        if status(p.doc).get("phase") == "Running"
    ]
    minimum, most = s.get("minAvailable"), s.get("maxUnavailable")
    if (isinstance(minimum, int) and running and minimum >= len(running)) or most in (0, "0%"):
        said = (
            f"minAvailable {minimum}, {len(running)} pods running"
            if isinstance(minimum, int)
            else f"maxUnavailable {most}"
        )
        yield finding("policy", "blocks-evictions", Severity.WARNING, pdb, f"PodDisruptionBudget {pdb.key.name}: allows no disruption",
                      detail=f"{said}: node drains will wait", remediation="scale the workload up or loosen minAvailable/maxUnavailable")  # fmt: skip
