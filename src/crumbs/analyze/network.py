"""Ingresses, Gateway API routes and NetworkPolicies that point at nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.analyze.base import condition, finding, spec
from crumbs.analyze.registry import analyzer
from crumbs.analyze.selectors import from_selector
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
