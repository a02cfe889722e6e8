"""Ingresses, Gateway API routes and NetworkPolicies that point at nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import analyzer, condition, finding, spec, time_of
from crumbs.analyze.selectors import from_selector, matches
from crumbs.analyze.view import ClusterView
from crumbs.model import Finding, ObjectKey, Severity, StoredRevision, mapping, sequence


def _service_port(view: ClusterView, ns: str, name: str, port: Any) -> str | None:
    """What is wrong with a backend reference, or None."""
    svc = view.find("Service", ns, name)
    if svc is None:
        return f"Service {name} does not exist" if view.knows("Service") else None
    if port in (None, ""):
        return None
    for p in sequence(spec(svc.doc).get("ports")):
        pm = mapping(p)
        if port in (pm.get("port"), pm.get("name")) or (
            isinstance(port, str) and port.isdigit() and int(port) == pm.get("port")
        ):
            return None
    return f"Service {name} has no port {port}"


def _ingress_backends(doc: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    s = spec(doc)
    default = mapping(s.get("defaultBackend") or s.get("backend"))
    if default:
        yield from _paths(
            {"http": {"paths": [{"backend": default, "path": "(default backend)"}]}}, ""
        )
    for rule in sequence(s.get("rules")):
        yield from _paths(mapping(rule), str(mapping(rule).get("host") or "*"))


def _paths(rule: dict[str, Any], host: str) -> Iterator[tuple[str, Any, str]]:
    for path in sequence(mapping(rule.get("http")).get("paths")):
        backend = mapping(mapping(path).get("backend"))
        service = mapping(backend.get("service"))
        name = service.get("name") or backend.get("serviceName")
        port = (
            mapping(service.get("port")).get("number")
            or mapping(service.get("port")).get("name")
            or backend.get("servicePort")
        )
        if name:
            yield str(name), port, f"{host}{mapping(path).get('path') or '/'}"


@analyzer(
    "network",
    ("Ingress", "HTTPRoute", "GRPCRoute", "Gateway", "NetworkPolicy"),
    "Ingresses and routes to missing Services or ports; policies that select nothing",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    for ing in view.objects("Ingress"):
        ns = ing.key.namespace
        for name, port, where in _ingress_backends(ing.doc):
            problem = _service_port(view, ns, name, port)
            if problem:
                yield _route(
                    view, ing, problem, where, ObjectKey(ing.key.cluster, "", "Service", ns, name)
                )
        yield from _missing_class(view, ing, "ingressClassName", "IngressClass", Severity.WARNING)
        for tls in sequence(spec(ing.doc).get("tls")):
            secret = mapping(tls).get("secretName")
            if (
                secret
                and view.objects("Secret", ns)
                and view.find("Secret", ns, str(secret)) is None
            ):
                yield finding(
                    "network",
                    "missing-tls-secret",
                    Severity.WARNING,
                    ing,
                    f"Ingress {ing.key.name}: TLS Secret {secret} does not exist",
                    discriminator=str(secret),
                )
    for kind in ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute"):
        for route in view.objects(kind):
            yield from _gateway_route(view, route)
    for gw in view.objects("Gateway"):
        yield from _missing_class(view, gw, "gatewayClassName", "GatewayClass", Severity.ERROR)
        accepted = condition(gw.doc, "Accepted") or condition(gw.doc, "Programmed")
        if accepted and accepted.get("status") == "False":
            yield finding(
                "network",
                "gateway-not-accepted",
                Severity.ERROR,
                gw,
                f"Gateway {gw.key.name}: {accepted.get('type')} False ({accepted.get('reason')})",
                detail=str(accepted.get("message") or ""),
            )
    for np in view.objects("NetworkPolicy"):
        selector = from_selector(spec(np.doc).get("podSelector"))
        if selector and not view.select("Pod", np.key.namespace, selector):
            yield finding(
                "network",
                "policy-selects-nothing",
                Severity.INFO,
                np,
                f"NetworkPolicy {np.key.name}: its podSelector matches no pods",
            )
        yield from _peers(view, np)
    yield from _classless(view)


def _peers(view: ClusterView, np: StoredRevision) -> Iterator[Finding]:
    """Ingress ``from`` and egress ``to`` peers whose selectors match nothing (popeye's POP-1201,
    POP-1202): the rule allows traffic from or to nobody, usually a label that changed."""
    if not view.objects("Pod"):
        return
    namespaces = view.objects("Namespace")
    for direction, field in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(sequence(spec(np.doc).get(direction))):
            for j, peer in enumerate(map(mapping, sequence(mapping(rule).get(field)))):
                ns_req = (
                    from_selector(peer.get("namespaceSelector"))
                    if "namespaceSelector" in peer
                    else None
                )
                pod_req = from_selector(peer.get("podSelector")) if "podSelector" in peer else None
                chosen = [np.key.namespace] if ns_req is None else [
                    n.key.name for n in namespaces if matches(ns_req, _namespace_labels(n))
                ]  # fmt: skip
                what = ""
                if ns_req is not None and namespaces and not chosen:
                    what = "namespaceSelector matches no namespace"
                elif (
                    pod_req is not None
                    and (ns_req is None or namespaces)
                    and not any(view.select("Pod", ns, pod_req) for ns in chosen)
                ):
                    what = "podSelector matches no pods" + (
                        f" in {', '.join(chosen[:3])}" if ns_req is not None else ""
                    )
                if what:
                    yield finding("network", "peer-matches-nothing", Severity.WARNING, np, f"NetworkPolicy {np.key.name}: {direction} rule {i + 1}, peer {j + 1}: {what}",
                                  detail=f"the rule's {field} peer allows no traffic", discriminator=f"{direction}/{i}/{j}",
                                  remediation="fix the peer's labels, or the pods' or namespaces' labels")  # fmt: skip


def _namespace_labels(ns: StoredRevision) -> dict[str, Any]:
    """A Namespace's labels, with the one the API server sets on every namespace (1.21+)."""
    labels = mapping(mapping(ns.doc.get("metadata")).get("labels"))
    return {"kubernetes.io/metadata.name": ns.key.name, **labels}


def _classless(view: ClusterView) -> Iterator[Finding]:
    """Ingresses without a class when no IngressClass is the default (the controller that
    should serve them is not said: most controllers ignore them)."""
    classes = view.objects("IngressClass")
    if not classes or any(
        mapping(mapping(c.doc.get("metadata")).get("annotations")).get(
            "ingressclass.kubernetes.io/is-default-class"
        )
        == "true"
        for c in classes
    ):
        return
    for ing in view.objects("Ingress"):
        annotated = mapping(mapping(ing.doc.get("metadata")).get("annotations")).get(
            "kubernetes.io/ingress.class"
        )
        if not spec(ing.doc).get("ingressClassName") and not annotated:
            yield finding("network", "no-ingress-class", Severity.WARNING, ing, f"Ingress {ing.key.name}: no class, and no IngressClass is the default",
                          remediation="set spec.ingressClassName, or mark one IngressClass ingressclass.kubernetes.io/is-default-class=true")  # fmt: skip


def _missing_class(
    view: ClusterView, rev: StoredRevision, field: str, kind: str, severity: str
) -> Iterator[Finding]:
    """An Ingress or Gateway whose class (cluster-scoped) is not in the data, which has classes."""
    cls = spec(rev.doc).get(field)
    if cls and view.knows(kind) and view.get(kind, "", str(cls)) is None:
        rule = "missing-ingress-class" if kind == "IngressClass" else "missing-gateway-class"
        yield finding(
            "network",
            rule,
            severity,
            rev,
            f"{rev.key.kind} {rev.key.name}: {kind} {cls} does not exist",
        )


def _route(
    view: ClusterView, rev: StoredRevision, problem: str, where: str, target: ObjectKey
) -> Finding:
    gone = [d for d in view.deleted() if d.key == target]
    return finding("network", "backend-missing", Severity.ERROR, rev, f"{rev.key.kind} {rev.key.name}: {problem}", detail=f"route {where}",
                   since=gone[-1].at if gone else None, related=[target], discriminator=where,
                   remediation="point the route at an existing Service and port, or restore the Service")  # fmt: skip


def _gateway_route(view: ClusterView, route: StoredRevision) -> Iterator[Finding]:
    ns = route.key.namespace
    for status_parent in map(mapping, sequence(mapping(route.doc.get("status")).get("parents"))):
        for c in map(mapping, sequence(status_parent.get("conditions"))):
            if c.get("type") in ("Accepted", "ResolvedRefs") and c.get("status") == "False":
                ref = mapping(status_parent.get("parentRef"))
                yield finding("network", "route-not-accepted", Severity.ERROR, route,
                              f"{route.key.kind} {route.key.name}: not {c.get('type')} by {ref.get('kind') or 'Gateway'} {ref.get('name')} ({c.get('reason')})",
                              detail=str(c.get("message") or ""), since=time_of(c.get("lastTransitionTime")), discriminator=f"{ref.get('name')}/{c.get('type')}",
                              remediation="NotAllowedByListeners: the Gateway's listeners' allowedRoutes do not admit this route's namespace or kind")  # fmt: skip
    for parent in sequence(spec(route.doc).get("parentRefs")):
        p = mapping(parent)
        if (p.get("kind") or "Gateway") == "Gateway" and view.objects("Gateway"):
            pns = str(p.get("namespace") or ns)
            if view.get("Gateway", pns, str(p.get("name"))) is None:
                yield finding(
                    "network",
                    "parent-missing",
                    Severity.ERROR,
                    route,
                    f"{route.key.kind} {route.key.name}: Gateway {pns}/{p.get('name')} does not exist",
                    discriminator=str(p.get("name")),
                )
    for rule in sequence(spec(route.doc).get("rules")):
        for backend in sequence(mapping(rule).get("backendRefs")):
            b = mapping(backend)
            if (b.get("kind") or "Service") != "Service" or b.get("group") not in (None, ""):
                continue
            bns = str(b.get("namespace") or ns)
            problem = _service_port(view, bns, str(b.get("name")), b.get("port"))
            if problem:
                yield _route(
                    view,
                    route,
                    problem,
                    f"backendRef {b.get('name')}",
                    ObjectKey(route.key.cluster, "", "Service", bns, str(b.get("name"))),
                )
