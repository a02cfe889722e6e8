"""The service-discovery race, from node events: traffic to endpoints discovery had already dropped.

Two rules over the connects the node agent saw (``crumbs agent`` or an importer):

- ``connect-to-removed-endpoint``: a client connected to a pod IP at a moment
  it was not a ready endpoint of the Service it belonged to — removed,
  terminating, or not yet ready — by the EndpointSlice history in the store.
  How the client got the address (a DNS answer it cached, the ClusterIP it
  dialled) is shown when the node events tell. Behind kube-proxy's NAT the socket
  only knows the ClusterIP: the pod is the ``backend`` conntrack saw the
  connection translated to, and the time between the EndpointSlice change and
  the connection is how far that node's kube-proxy lagged.
- ``refused-during-rollout``: connections refused, reset or timed out to a pod
  of a workload that was rolling out at that moment (its template changed in
  the ten minutes before, or the pod was deleted within two minutes).

The cause is the rollout: the workload is the first related object, so its
template change ranks first among the causes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from crumbs.activity import NodeEvent
from crumbs.analyze.base import MINUTE, analyzer, chain, finding, meta, pod_spec_of, spec, top_owner
from crumbs.analyze.nodeevents import PodIndex, evidence, span
from crumbs.analyze.view import ClusterView
from crumbs.model import (
    Finding,
    ObjectKey,
    RevisionType,
    Severity,
    StoredRevision,
    mapping,
    sequence,
)
from crumbs.timeutil import NS, format_time

SERVICE_NAME = "kubernetes.io/service-name"
READY, TERMINATING, NOT_READY, ABSENT = "ready", "terminating", "not ready", "absent"
_RANK = {READY: 0, TERMINATING: 1, NOT_READY: 2, ABSENT: 3}
"""The best state an address has across a Service's slices: ready beats terminating beats the rest."""
FAILED = ("refused", "reset", "timeout", "unreachable")
"""Outcomes a rollout explains (not a policy drop)."""
ROLLOUT_BEFORE = 10 * MINUTE
POD_GONE_NEAR = 2 * MINUTE
REMEDIATION = (
    "give the server pods a preStop delay (e.g. `sleep 10`) so they keep serving until every client "
    "and proxy has dropped them, with terminationGracePeriodSeconds above it; make sure readiness "
    "fails before shutdown (readiness gates where a load balancer must drain first); clients must not "
    "cache endpoints or DNS answers beyond their TTL (dial the Service's ClusterIP, or re-resolve and "
    "retry on connection errors); where a node's kube-proxy lags, check its minSyncPeriod "
    "(KubeProxyConfiguration iptables, ipvs or nftables) and kubeproxy_sync_proxy_rules_duration_seconds"
)

Slice = list[StoredRevision]
"""One EndpointSlice's revisions, oldest first."""


def _states(doc: dict[str, object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ep in sequence(doc.get("endpoints")):
        cond = mapping(mapping(ep).get("conditions"))
        state = (
            TERMINATING
            if cond.get("terminating") is True
            else NOT_READY
            if cond.get("ready") is False
            else READY
        )
        for ip in sequence(mapping(ep).get("addresses")):
            out[str(ip)] = state
    return out


class Endpoints:
    """Each Service's endpoint IPs over time, from its EndpointSlices' histories."""

    def __init__(self, view: ClusterView) -> None:
        self.slices: dict[tuple[str, str], list[list[tuple[int, dict[str, str]]]]] = defaultdict(
            list
        )
        self.by_ip: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.keys: dict[tuple[str, str], list[ObjectKey]] = defaultdict(list)
        seen: set[ObjectKey] = set()
        current = list(view.objects("EndpointSlice"))
        for s in [*current, *(d for d in view.deleted() if d.key.kind == "EndpointSlice")]:
            if s.key in seen:
                continue
            seen.add(s.key)
            svc = mapping(meta(s.doc).get("labels")).get(SERVICE_NAME)
            if not svc:
                continue
            name = (s.key.namespace, str(svc))
            timeline = [
                (r.at, {} if r.type == RevisionType.DELETED else _states(r.doc))
                for r in view.history(s.key)
            ]
            self.slices[name].append(timeline)
            self.keys[name].append(s.key)
            for _, states in timeline:
                for ip in states:
                    self.by_ip[ip].add(name)

    def state(self, svc: tuple[str, str], ip: str, at: int) -> tuple[str, int | None]:
        """(state of ``ip`` in the Service at ``at``, when that state began)."""
        best, since = ABSENT, None
        rank = _RANK
        for timeline in self.slices.get(svc, ()):
            state, began = ABSENT, None
            for when, states in timeline:
                if when > at:
                    break
                now = states.get(ip, ABSENT)
                if now != state:
                    state, began = now, when
            if rank[state] < rank[best]:
                best, since = state, began
            elif state == best and began is not None and (since is None or began > since):
                since = began
        return best, since

    def first_seen(self, svc: tuple[str, str], ip: str) -> int | None:
        times = [w for tl in self.slices.get(svc, ()) for w, st in tl if ip in st]
        return min(times) if times else None


@analyzer(
    "discovery",
    ("EndpointSlice", "Service", "Pod"),
    "Service-discovery races from node events: connects to endpoints already removed, refusals during rollouts",
)
def analyze(view: ClusterView) -> Iterator[Finding]:
    connects = [e for e in view.node_events() if e.type == "connect" and (e.daddr or e.backend)]
    if not connects:
        return
    endpoints = Endpoints(view)
    by_cluster_ip = _cluster_ips(view)
    pods = PodIndex(view)
    resolved = _resolutions(view.node_events())
    raced: dict[tuple[tuple[str, str], str, str], list[tuple[NodeEvent, str, int | None]]] = (
        defaultdict(list)
    )
    counted: set[int] = set()
    for i, e in enumerate(connects):
        ip = _dest(e)
        services = endpoints.by_ip.get(ip)
        if not services:
            continue
        dialled = by_cluster_ip.get(_host(e.dialed) or e.daddr) if e.backend else None
        if dialled is not None:  # the kernel chose this pod for that Service's ClusterIP
            services = {dialled} & services or {dialled}
        states = {svc: endpoints.state(svc, ip, e.at) for svc in services}
        ready_elsewhere = any(state == READY for state, _ in states.values())
        for svc, (state, since) in states.items():
            if state == READY or (
                ready_elsewhere and dialled is None and not _named(resolved, e, svc)
            ):
                continue
            if state == ABSENT:
                first = endpoints.first_seen(svc, ip)
                if since is None and (first is None or first - e.at > ROLLOUT_BEFORE):
                    continue  # the address joined this Service long after: another pod's IP
                state = "removed" if since is not None else "not yet added"
            raced[(svc, e.where, ip)].append((e, state, since))
            counted.add(i)
    for (svc, client, ip), hits in raced.items():
        yield _race(view, endpoints, pods, resolved, svc, client, ip, hits)
    yield from _rollouts(
        view, pods, [e for i, e in enumerate(connects) if i not in counted and e.outcome in FAILED]
    )


def _host(address: str) -> str:
    """``ip`` of ``ip:port`` (``[v6]:port`` too); ``""`` for none."""
    host, sep, _ = address.rpartition(":")
    return host.strip("[]") if sep else ""


def _dest(e: NodeEvent) -> str:
    """Where the connection really went: the backend conntrack saw it translated to, else the
    socket's destination."""
    return _host(e.backend) or e.daddr


def _cluster_ips(view: ClusterView) -> dict[str, tuple[str, str]]:
    """Each Service's ClusterIP(s) → (namespace, name)."""
    out: dict[str, tuple[str, str]] = {}
    for s in view.objects("Service"):
        sp = spec(s.doc)
        for ip in [sp.get("clusterIP"), *sequence(sp.get("clusterIPs"))]:
            if isinstance(ip, str) and ip and ip != "None":
                out[ip] = (s.key.namespace, s.key.name)
    return out


def _resolutions(events: list[NodeEvent]) -> dict[tuple[str, str], list[NodeEvent]]:
    """DNS answers by (who asked, address answered)."""
    out: dict[tuple[str, str], list[NodeEvent]] = defaultdict(list)
    for e in events:
        if e.type == "dns" and e.answers:
            for a in e.answers:
                out[(e.where, a)].append(e)
    return out


def _named(
    resolved: dict[tuple[str, str], list[NodeEvent]], e: NodeEvent, svc: tuple[str, str]
) -> NodeEvent | None:
    """The DNS answer (before ``e``) that gave the client this address under the Service's name."""
    ns, name = svc
    for d in reversed(resolved.get((e.where, e.daddr), [])):
        if d.at <= e.at and (
            d.qname == name or d.qname.startswith(f"{name}.{ns}") or d.qname.startswith(f"{name}.")
        ):
            return d
    return None


def _race(
    view: ClusterView,
    endpoints: Endpoints,
    pods: PodIndex,
    resolved: dict[tuple[str, str], list[NodeEvent]],
    svc: tuple[str, str],
    client: str,
    ip: str,
    hits: list[tuple[NodeEvent, str, int | None]],
) -> Finding:
    events = [e for e, _, _ in hits]
    first, state, since = hits[0]
    ns, name = svc
    service = view.find("Service", ns, name) or view.deleted_object("Service", ns, name)
    subject = service or view.history(endpoints.keys[svc][0])[-1]  # a Service gone: its slice
    backend = pods.at_ip(ip, first.at)
    related: list[ObjectKey] = []
    relations: dict[ObjectKey, str] = {}
    if backend is not None:
        owner = top_owner(view, backend)
        if owner.key != backend.key:
            related.append(owner.key)
            relations[owner.key] = (
                f"{owner.key.kind} {owner.key.name}, which runs the pod that held {ip}"
            )
        # the pod itself is not a candidate cause: its deletion is the rollout's doing
    client_pod = pods.pod_of(first)
    if client_pod is not None:
        related.append(client_pod.key)
        relations[client_pod.key] = "the client"
    related.extend(k for k in endpoints.keys[svc] if k not in related)
    outcomes: dict[str, int] = defaultdict(int)
    for e in events:
        outcomes[e.outcome] += 1
    how = []
    dns = _named(resolved, first, svc)
    if dns is not None:
        how.append(
            f"the client resolved {dns.qname} to {ip} at {format_time(dns.at, precise=False)}"
        )
    cluster_ip = str(spec(service.doc).get("clusterIP") or "") if service else ""
    translated = [e for e in events if e.backend]
    if translated:
        last: dict[str, int] = {}  # node → its last translation to the endpoint
        for e in translated:
            last[e.node or "?"] = max(last.get(e.node or "?", e.at), e.at)
        lagged = ""
        if since is not None and state in ("removed", TERMINATING, NOT_READY):
            lags = [(n, (at - since) / NS) for n, at in sorted(last.items())]
            each = f" ({', '.join(f'{n} {s:.1f}s' for n, s in lags)})" if len(lags) > 1 else ""
            lagged = (
                f": kube-proxy there still sent new connections to it {max(s for _, s in lags):.1f}s "
                f"after the endpoint was {state}{each}: its sync lag behind the EndpointSlice change "
                "was at least that"
            )
        how.append(
            f"node {', '.join(sorted(last))} translated {translated[0].dialed or translated[0].daddr} "
            f"to {translated[0].backend}{lagged}"
        )
    elif cluster_ip and any(e.dialed.startswith(cluster_ip + ":") for e in events):
        how.append(f"it dialled the ClusterIP {cluster_ip}")
    when = (
        f"{(first.at - since) / NS:.1f}s after it was {state}"
        if since is not None and state in ("removed", TERMINATING, NOT_READY)
        else state
    )
    target = f"{ip} ({backend.key.name})" if backend else ip
    detail = (
        f"{len(events)} connection(s) ({', '.join(f'{n} {o}' for o, n in sorted(outcomes.items()))}) from {client} to {target}, "
        f"the first {when} in Service {ns}/{name}'s EndpointSlices"
        + (f"; {'; '.join(how)}" if how else "")
    )
    f = finding(
        "discovery",
        "connect-to-removed-endpoint",
        Severity.WARNING,
        subject,
        f"{client} connected to {target} after Service {name} no longer listed it as ready ({state})",
        detail=detail,
        since=first.at,
        related=related,
        relations=relations,
        discriminator=f"{client}->{ip}",
        remediation=REMEDIATION,
    )
    f.evidence.extend(evidence(events, client_pod.key if client_pod else subject.key))
    return f


def _rollouts(view: ClusterView, pods: PodIndex, failed: list[NodeEvent]) -> Iterator[Finding]:
    groups: dict[ObjectKey, list[tuple[NodeEvent, StoredRevision, str]]] = defaultdict(list)
    owners: dict[ObjectKey, StoredRevision] = {}
    for e in failed:
        backend = pods.at_ip(_dest(e), e.at)
        if backend is None:
            continue
        owner = top_owner(view, backend)
        why = _rolling(view, owner, backend, e.at)
        if why:
            groups[owner.key].append((e, backend, why))
            owners[owner.key] = owner
    for key, hits in groups.items():
        owner = owners[key]
        events = [e for e, _, _ in hits]
        clients = sorted({e.where for e in events})
        f = finding(
            "discovery",
            "refused-during-rollout",
            Severity.WARNING,
            owner,
            f"{len(events)} connection(s) to {key.kind} {key.name}'s pods failed while it was rolling out",
            detail=f"{span(events)}; {hits[0][2]}; clients: {', '.join(clients[:5])}",
            since=events[0].at,
            related=[k for k in chain(view, hits[0][1])[1:] if k != key] + [hits[0][1].key],
            discriminator=key.name,
            remediation=REMEDIATION,
        )
        f.evidence.extend(evidence(events, key))
        yield f


def _rolling(view: ClusterView, owner: StoredRevision, pod: StoredRevision, at: int) -> str:
    """Why ``owner`` counts as rolling out at ``at`` (empty: it was not)."""
    history = view.history(owner.key)
    for before, after in zip(history, history[1:], strict=False):
        if at - ROLLOUT_BEFORE <= after.at <= at and pod_spec_of(before.doc) != pod_spec_of(
            after.doc
        ):
            return f"its pod template changed at {format_time(after.at, precise=False)}"
    gone = [
        r.at
        for r in view.history(pod.key)
        if r.type == RevisionType.DELETED or meta(r.doc).get("deletionTimestamp")
    ]
    if any(abs(g - at) <= POD_GONE_NEAR for g in gone):
        return f"pod {pod.key.name} was being deleted"
    return ""
