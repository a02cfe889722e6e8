"""The dependency graph of a cluster as of a time: the one place causes are searched.

Each edge leads from an object to one that may explain its trouble, typed and
labelled for people ("runs on Node node-a"). Edges are computed on demand, per
object, and kept for the view (:meth:`ClusterView.memo`), so a scan builds each
object's edges once however many findings pass through it. An edge may lead to
an object the view does not hold (a deleted StorageClass): its history is still
the store's.

Edges, both ways where trouble travels both ways:

- ``owner`` (to the controlling owner) and ``owns`` (a workload to its pods, ReplicaSets, Jobs);
- ``runs-on`` (a Pod to its Node);
- ``uses`` (a pod template to the ConfigMaps, Secrets, ServiceAccount, PVCs and
  imagePullSecrets it names), ``priority-class``, ``runtime-class``;
- ``claims`` (a PVC to its PV), ``storage-class`` (a PVC, a PV or a StatefulSet's
  volumeClaimTemplates to their StorageClass), ``bound`` (a PV to its claim),
  ``used-by`` (a PVC to the pods that mount it);
- ``quota``, ``limit-range``, ``namespace`` (pods and workloads to the ResourceQuotas,
  LimitRanges and the Namespace that admit their pods), ``webhook`` (to the admission
  webhooks whose rules cover their pods);
- ``policy`` (pods and workloads to the NetworkPolicies that select their pods),
  ``budget`` (to the PodDisruptionBudgets that do);
- ``selected-by`` (pods and workloads to the Services that select them), ``selects`` (a
  Service to the workloads of the pods it selects), ``slices`` (to its EndpointSlices),
  ``governed-by`` (a StatefulSet to its serviceName Service);
- ``backend`` (an Ingress or route to its Services and IngressClass);
- ``scales`` (an HPA to its target) and ``scaled-by`` (back);
- ``calls`` (a pod template to the Services it calls by DNS name in env or args);
- ``declared-by`` (to the Helm release or GitOps object that declares an object).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import meta, pod_spec_of, spec, template_selected, top_owner
from crumbs.analyze.refs import called_services, references
from crumbs.analyze.selectors import Requirement, from_map, from_selector, matches
from crumbs.analyze.view import ClusterView
from crumbs.model import Channel, Edge, ObjectKey, StoredRevision, mapping, sequence
from crumbs.trail.ownership import declared_owner

PODDED = ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob")
"""Kinds that are, or make, pods."""
MOST = 20
"""Edges of one type from one object, at most (a Service selecting 500 pods)."""
_GROUP = {"ConfigMap": "", "Secret": "", "ServiceAccount": "", "PersistentVolumeClaim": ""}
_GITOPS = {
    "Argo CD application": ("argoproj.io", "Application"),
    "Flux Kustomization": ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    "Flux HelmRelease": ("helm.toolkit.fluxcd.io", "HelmRelease"),
}
_PLURAL = {"Pod": "pods", "Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets",
           "DaemonSet": "daemonsets", "Job": "jobs", "CronJob": "cronjobs"}  # fmt: skip


def graph_of(view: ClusterView) -> Graph:
    """The view's graph (one per view)."""
    found = view.memo.get("graph")
    if not isinstance(found, Graph):
        found = view.memo["graph"] = Graph(view)
    return found


class Graph:
    def __init__(self, view: ClusterView) -> None:
        # the view keeps its graph (memo): a strong reference back would make a cycle, and the
        # whole view (every document) garbage only the cyclic GC could free, seconds at exit
        self.view: ClusterView = weakref.proxy(view)
        self._edges: dict[ObjectKey, list[Edge]] = {}
        self._down_edges: dict[ObjectKey, list[Edge]] = {}
        self._selectors: dict[ObjectKey, list[Requirement] | None] = {}
        self._pods_by_claim: dict[tuple[str, str], list[StoredRevision]] | None = None
        self._backends: dict[tuple[str, str], list[StoredRevision]] | None = None

    def edges(self, key: ObjectKey, down: bool = False) -> list[Edge]:
        """What may explain the object's trouble; with ``down``, also what it runs or serves."""
        if key not in self._edges:
            rev = self.view.get(key.kind, key.namespace, key.name, key.group)
            self._edges[key] = [] if rev is None else _capped(self._of(rev))
        if not down:
            return self._edges[key]
        if key not in self._down_edges:
            rev = self.view.get(key.kind, key.namespace, key.name, key.group)
            self._down_edges[key] = [] if rev is None else _capped(self._down(rev))
        return self._edges[key] + self._down_edges[key]

    # -- per kind ----------------------------------------------------------------------

    def _of(self, rev: StoredRevision) -> Iterator[Edge]:
        kind = rev.key.kind
        owner = self.view.owner_of(rev)
        if owner is not None:
            yield self._edge(
                rev, owner.key, "owner", f"its owner {owner.key.kind} {owner.key.name}"
            )
        yield from self._declared_by(rev)
        if kind in PODDED:
            yield from self._podded(rev)
        if kind == "PersistentVolumeClaim":
            yield from self._claim(rev)
        elif kind == "PersistentVolume":
            s = spec(rev.doc)
            ref = mapping(s.get("claimRef"))
            if ref.get("name"):
                yield self._edge(rev, self._key(rev, "", "PersistentVolumeClaim", str(ref.get("namespace") or ""), str(ref["name"])),
                                 "bound", f"PersistentVolumeClaim {ref['name']}, bound to it")  # fmt: skip
            yield from self._storage_class(rev, s.get("storageClassName"))
        elif kind in ("Ingress", "HTTPRoute", "GRPCRoute"):
            yield from self._routes(rev)
        elif kind == "HorizontalPodAutoscaler":
            target = mapping(spec(rev.doc).get("scaleTargetRef"))
            if target.get("kind") and target.get("name"):
                group = str(target.get("apiVersion") or "").rpartition("/")[0]
                yield self._edge(rev, self._key(rev, group, str(target["kind"]), rev.key.namespace, str(target["name"])),
                                 "scales", f"{target['kind']} {target['name']}, which it scales")  # fmt: skip

    def _podded(self, rev: StoredRevision) -> Iterator[Edge]:
        ns, kind, name = rev.key.namespace, rev.key.kind, rev.key.name
        pod_spec = pod_spec_of(rev.doc)
        if kind == "Pod" and spec(rev.doc).get("nodeName"):
            node = str(spec(rev.doc)["nodeName"])
            yield self._edge(
                rev, self._key(rev, "", "Node", "", node), "runs-on", f"Node {node}, where it runs"
            )
        for ref in references(pod_spec):
            if ref.name:
                yield self._edge(rev, self._key(rev, _GROUP[ref.kind], ref.kind, ns, ref.name), "uses",
                                 f"{ref.kind} {ref.name} ({ref.where} of {kind} {name})")  # fmt: skip
        for field, group, target in (("priorityClassName", "scheduling.k8s.io", "PriorityClass"),
                                     ("runtimeClassName", "node.k8s.io", "RuntimeClass")):  # fmt: skip
            value = pod_spec.get(field)
            if isinstance(value, str) and value:
                yield self._edge(
                    rev,
                    self._key(rev, group, target, "", value),
                    "uses",
                    f"{target} {value} ({field})",
                )
        for svc_ns, svc_name, where in called_services(pod_spec, ns):
            yield self._edge(
                rev,
                self._key(rev, "", "Service", svc_ns, svc_name),
                "calls",
                f"Service {svc_ns}/{svc_name} it calls ({where})",
            )
        if kind == "StatefulSet":
            s = spec(rev.doc)
            if s.get("serviceName"):
                yield self._edge(rev, self._key(rev, "", "Service", ns, str(s["serviceName"])), "governed-by",
                                 f"Service {s['serviceName']}, its serviceName")  # fmt: skip
            for vct in sequence(s.get("volumeClaimTemplates")):
                yield from self._storage_class(
                    rev, mapping(spec(mapping(vct))).get("storageClassName")
                )
        for admitting, kind_word in (("ResourceQuota", "quota"), ("LimitRange", "limit-range")):
            for obj in self.view.objects(admitting, ns):
                yield self._edge(
                    rev, obj.key, kind_word, f"{admitting} {obj.key.name} of namespace {ns}"
                )
        namespace = self.view.get("Namespace", "", ns, "")
        if namespace is not None:
            yield self._edge(rev, namespace.key, "namespace", f"Namespace {ns}, where it runs")
        yield from self._webhooks(rev)
        labels = _pod_labels(rev.doc)
        if labels:
            for svc in self.view.objects("Service", ns):
                selector = spec(svc.doc).get("selector")
                if (
                    isinstance(selector, dict)
                    and selector
                    and all(labels.get(k) == v for k, v in selector.items())
                ):
                    yield self._edge(
                        rev,
                        svc.key,
                        "selected-by",
                        f"Service {svc.key.name}, which selects its pods",
                    )
            for kind_, edge, word in (
                ("NetworkPolicy", "policy", "NetworkPolicy"),
                ("PodDisruptionBudget", "budget", "PodDisruptionBudget"),
            ):
                for obj in self.view.objects(kind_, ns):
                    req = self._selector(obj)
                    if req is not None and matches(req, labels):
                        yield self._edge(
                            rev, obj.key, edge, f"{word} {obj.key.name}, which selects its pods"
                        )
        for hpa in self.view.objects("HorizontalPodAutoscaler", ns):
            scaled = mapping(spec(hpa.doc).get("scaleTargetRef"))
            if scaled.get("kind") == kind and scaled.get("name") == name:
                yield self._edge(
                    rev,
                    hpa.key,
                    "scaled-by",
                    f"HorizontalPodAutoscaler {hpa.key.name}, which scales it",
                )

    def _selector(self, obj: StoredRevision) -> list[Requirement] | None:
        """A NetworkPolicy's podSelector or a PDB's selector, parsed once."""
        if obj.key not in self._selectors:
            field = "podSelector" if obj.key.kind == "NetworkPolicy" else "selector"
            self._selectors[obj.key] = from_selector(spec(obj.doc).get(field))
        return self._selectors[obj.key]

    def _owned(self, rev: StoredRevision, kind: str) -> list[StoredRevision]:
        if rev.key.kind == "Deployment" and kind == "Pod":
            return [
                p
                for rs in self.view.owned_by(rev, "ReplicaSet")
                for p in self.view.owned_by(rs, "Pod")
            ]
        return self.view.owned_by(rev, kind)

    def _claim(self, rev: StoredRevision) -> Iterator[Edge]:
        s = spec(rev.doc)
        if s.get("volumeName"):
            yield self._edge(rev, self._key(rev, "", "PersistentVolume", "", str(s["volumeName"])), "claims",
                             f"PersistentVolume {s['volumeName']}, its volume")  # fmt: skip
        yield from self._storage_class(rev, s.get("storageClassName"))

    def _storage_class(self, rev: StoredRevision, name: Any) -> Iterator[Edge]:
        if isinstance(name, str) and name:
            yield self._edge(rev, self._key(rev, "storage.k8s.io", "StorageClass", "", name), "storage-class",
                             f"StorageClass {name}")  # fmt: skip

    def _down(self, rev: StoredRevision) -> Iterator[Edge]:
        """Edges to what an object runs or serves (its pods, a claim's users, a Service's
        workloads, endpoints and routes): asked for only on the way down from a finding."""
        kind = rev.key.kind
        if kind in PODDED and kind != "Pod":
            children = {
                "CronJob": ("Job",),
                "Deployment": ("ReplicaSet", "Pod"),
                "Job": ("Pod",),
            }.get(kind, ("Pod",))
            for child_kind in children:
                for child in self._owned(rev, child_kind):
                    yield self._edge(
                        rev, child.key, "owns", f"its {child.key.kind} {child.key.name}"
                    )
        elif kind == "PersistentVolumeClaim":
            for pod in self._claimants().get((rev.key.namespace, rev.key.name), []):
                yield self._edge(rev, pod.key, "used-by", f"Pod {pod.key.name}, which mounts it")
        elif kind == "Service":
            yield from self._service(rev)

    def _service(self, rev: StoredRevision) -> Iterator[Edge]:
        selector = spec(rev.doc).get("selector")
        if isinstance(selector, dict) and selector:
            owners: dict[ObjectKey, StoredRevision] = {}
            for pod in self.view.select("Pod", rev.key.namespace, from_map(selector))[:MOST]:
                top = top_owner(self.view, pod)
                owners.setdefault(top.key, top)
            for key in owners:
                yield self._edge(
                    rev, key, "selects", f"{key.kind} {key.name}, whose pods it selects"
                )
            for w in template_selected(self.view, rev.key.namespace, from_map(selector), SERVED):
                if w.key not in owners:  # its template is selected, even with no pod now
                    yield self._edge(rev, w.key, "selects", f"{w.key.kind} {w.key.name}, whose pod template it selects")  # fmt: skip
        for s in self.view.objects("EndpointSlice", rev.key.namespace):
            if mapping(meta(s.doc).get("labels")).get("kubernetes.io/service-name") == rev.key.name:
                yield self._edge(rev, s.key, "slices", f"EndpointSlice {s.key.name}, its endpoints")
        for route in self._routes_to().get((rev.key.namespace, rev.key.name), []):
            yield self._edge(
                rev,
                route.key,
                "routed-by",
                f"{route.key.kind} {route.key.name}, which routes to it",
            )

    def _routes(self, rev: StoredRevision) -> Iterator[Edge]:
        for svc in _backends(rev.doc):
            yield self._edge(
                rev,
                self._key(rev, "", "Service", rev.key.namespace, svc),
                "backend",
                f"Service {svc}, its backend",
            )
        cls = spec(rev.doc).get("ingressClassName")
        if isinstance(cls, str) and cls:
            yield self._edge(
                rev,
                self._key(rev, "networking.k8s.io", "IngressClass", "", cls),
                "backend",
                f"IngressClass {cls}",
            )

    def _webhooks(self, rev: StoredRevision) -> Iterator[Edge]:
        """Admission webhooks whose rules cover the pods (or the workload) being created."""
        resources = {"pods", _PLURAL.get(rev.key.kind, "")}
        for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            for config in self.view.objects(kind):
                for hook in sequence(config.doc.get("webhooks")):
                    covered = {
                        str(r)
                        for rule in sequence(mapping(hook).get("rules"))
                        for r in sequence(mapping(rule).get("resources"))
                    }
                    if covered & resources or "*" in covered:
                        yield self._edge(
                            rev,
                            config.key,
                            "webhook",
                            f'admission webhook "{mapping(hook).get("name")}" of {kind} {config.key.name}',
                        )
                        break

    def _declared_by(self, rev: StoredRevision) -> Iterator[Edge]:
        owner = declared_owner(rev.doc)
        if owner is None or owner.channel == Channel.CONTROLLER:
            return
        if owner.channel == Channel.HELM:
            prefix = f"sh.helm.release.v1.{owner.name}.v"
            secrets = [s for s in self.view.objects("Secret", owner.namespace or rev.key.namespace)
                       if s.key.name.startswith(prefix) and s.key.name[len(prefix):].isdigit()]  # fmt: skip
            if secrets:
                newest = max(secrets, key=lambda s: int(s.key.name[len(prefix) :]))
                yield self._edge(
                    rev,
                    newest.key,
                    "declared-by",
                    f"Helm release {owner.name}, which installs {rev.key.kind} {rev.key.name}",
                )
            return
        group_kind = _GITOPS.get(owner.kind)
        if group_kind is not None:
            for app in self.view.objects(group_kind[1], group=group_kind[0]):
                if app.key.name == owner.name and (
                    not owner.namespace or app.key.namespace == owner.namespace
                ):
                    yield self._edge(
                        rev,
                        app.key,
                        "declared-by",
                        f"{owner.kind} {owner.name}, which syncs {rev.key.kind} {rev.key.name}",
                    )

    # -- reverse indexes, built once ---------------------------------------------------

    def _claimants(self) -> dict[tuple[str, str], list[StoredRevision]]:
        if self._pods_by_claim is None:
            self._pods_by_claim = defaultdict(list)
            for pod in self.view.objects("Pod"):
                for ref in references(spec(pod.doc)):
                    if ref.kind == "PersistentVolumeClaim" and ref.name:
                        self._pods_by_claim[(pod.key.namespace, ref.name)].append(pod)
        return self._pods_by_claim

    def _routes_to(self) -> dict[tuple[str, str], list[StoredRevision]]:
        if self._backends is None:
            self._backends = defaultdict(list)
            for kind in ("Ingress", "HTTPRoute", "GRPCRoute"):
                for route in self.view.objects(kind):
                    for svc in _backends(route.doc):
                        self._backends[(route.key.namespace, svc)].append(route)
        return self._backends

    @staticmethod
    def _key(rev: StoredRevision, group: str, kind: str, namespace: str, name: str) -> ObjectKey:
        return ObjectKey(rev.key.cluster, group, kind, namespace, name)

    @staticmethod
    def _edge(rev: StoredRevision, dst: ObjectKey, kind: str, label: str) -> Edge:
        return Edge(rev.key, dst, kind, label)


def _capped(edges: Iterator[Edge]) -> list[Edge]:
    out: list[Edge] = []
    per_type: dict[str, int] = defaultdict(int)
    seen: set[tuple[ObjectKey, str]] = set()
    for e in edges:
        if e.dst == e.src or (e.dst, e.type) in seen or per_type[e.type] >= MOST:
            continue
        seen.add((e.dst, e.type))
        per_type[e.type] += 1
        out.append(e)
    return out


def _pod_labels(doc: dict[str, Any]) -> dict[str, Any]:
    """The labels of the pods an object is or makes."""
    if doc.get("kind") == "Pod":
        return mapping(meta(doc).get("labels"))
    tpl = mapping(spec(doc).get("template"))
    if doc.get("kind") == "CronJob":
        tpl = mapping(mapping(mapping(spec(doc).get("jobTemplate")).get("spec")).get("template"))
    return mapping(mapping(tpl.get("metadata")).get("labels"))


def _backends(doc: dict[str, Any]) -> list[str]:
    """The Service names an Ingress or a Gateway API route sends to."""
    s = spec(doc)
    out: list[str] = []
    if doc.get("kind") == "Ingress":
        default = mapping(mapping(s.get("defaultBackend")).get("service")).get("name")
        if default:
            out.append(str(default))
        for rule in sequence(s.get("rules")):
            for path in sequence(mapping(mapping(rule).get("http")).get("paths")):
                name = mapping(mapping(mapping(path).get("backend")).get("service")).get("name")
                if name:
                    out.append(str(name))
    else:
        for rule in sequence(s.get("rules")):
            for ref in sequence(mapping(rule).get("backendRefs")):
                r = mapping(ref)
                if r.get("name") and r.get("kind", "Service") == "Service":
                    out.append(str(r["name"]))
    return list(dict.fromkeys(out))


SERVED = ("Deployment", "StatefulSet", "DaemonSet")
"""Workloads a Service may front: their pod template's labels say so even at zero replicas."""
