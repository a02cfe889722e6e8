"""kubectl's table columns, per kind, as of a time: what ``kubectl get`` would have printed then.

The rules are kubectl's printers (``pkg/printers/internalversion/printers.go`` in the
Kubernetes sources), rewritten over the stored JSON: the same columns, the same cells, the
same words (a Pod's STATUS is ``CrashLoopBackOff``, ``Init:0/1``, ``Terminating``…), ages
as ``duration.HumanDuration`` prints them, counted back from the chosen time rather than
from now. A kind kubectl has no printer for gets NAME and AGE, as kubectl prints a custom
resource without printer columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crumbs.model import Obj, mapping, sequence
from crumbs.timeutil import NS, parse_time

Cells = list[str]
NONE = "<none>"
UNKNOWN = "<unknown>"


def human_duration(ns: int) -> str:
    """apimachinery's ``duration.HumanDuration``: ``45s``, ``5m30s``, ``12m``, ``5h30m``, ``20h``,
    ``3d4h``, ``45d``, ``2y30d``, ``9y``; ``<invalid>`` more than a second in the future."""
    seconds = int(ns // NS) if ns >= 0 else -int(-ns // NS)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def since(value: object, now: int) -> str:
    """``translateTimestampSince``: the age of a timestamp at ``now``; ``<unknown>`` without one."""
    at = parse_time(value) if isinstance(value, str) else None
    return UNKNOWN if at is None else human_duration(now - at)


def _meta(doc: Obj) -> dict[str, Any]:
    return mapping(doc.get("metadata"))


def _age(doc: Obj, now: int) -> str:
    return since(_meta(doc).get("creationTimestamp"), now)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def format_labels(labels: object) -> str:
    """``labels.FormatLabels``: ``k=v,…`` sorted by key, ``<none>`` when empty."""
    items = mapping(labels)
    return ",".join(f"{k}={items[k]}" for k in sorted(items)) or NONE


def format_selector(selector: object) -> str:
    """``metav1.FormatLabelSelector``: matchLabels and matchExpressions as a selector string."""
    sel = mapping(selector)
    if not sel:
        return NONE
    parts = [f"{k}={v}" for k, v in sorted(mapping(sel.get("matchLabels")).items())]
    for expr in sequence(sel.get("matchExpressions")):
        e = mapping(expr)
        key, op = str(e.get("key") or ""), str(e.get("operator") or "")
        values = ",".join(sorted(str(v) for v in sequence(e.get("values"))))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or NONE


def _containers(pod_spec: object) -> Cells:
    """``layoutContainerCells``: the containers' names, then their images, comma-separated."""
    cs = [mapping(c) for c in sequence(mapping(pod_spec).get("containers"))]
    return [
        ",".join(str(c.get("name") or "") for c in cs),
        ",".join(str(c.get("image") or "") for c in cs),
    ]


def _template_spec(doc: Obj) -> dict[str, Any]:
    return mapping(mapping(mapping(doc.get("spec")).get("template")).get("spec"))


def _condition(conditions: object, type_: str) -> dict[str, Any] | None:
    for c in sequence(conditions):
        if mapping(c).get("type") == type_:
            return mapping(c)
    return None


def _true(conditions: object, type_: str) -> bool:
    c = _condition(conditions, type_)
    return c is not None and c.get("status") == "True"


# ---- Pods ---------------------------------------------------------------------------------


def _restartable(container: object) -> bool:
    """A sidecar: an init container with ``restartPolicy: Always``."""
    return mapping(container).get("restartPolicy") == "Always"


def _terminated(status: dict[str, Any], key: str) -> dict[str, Any] | None:
    t = mapping(status.get(key)).get("terminated")
    return mapping(t) if isinstance(t, dict) else None


def _pod(doc: Obj, now: int, wide: bool) -> Cells:
    spec, status, meta = mapping(doc.get("spec")), mapping(doc.get("status")), _meta(doc)
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or "") or phase
    conditions = status.get("conditions")
    for c in sequence(conditions):
        if (
            mapping(c).get("type") == "PodScheduled"
            and mapping(c).get("reason") == "SchedulingGated"
        ):
            reason = "SchedulingGated"
    inits = {str(mapping(c).get("name")): mapping(c) for c in sequence(spec.get("initContainers"))}
    total = len(sequence(spec.get("containers"))) + sum(
        1 for c in inits.values() if _restartable(c)
    )
    ready = restarts = sidecar_restarts = 0
    last: int | None = None
    sidecar_last: int | None = None

    def later(a: int | None, t: dict[str, Any] | None) -> int | None:
        at = parse_time(t.get("finishedAt")) if t and isinstance(t.get("finishedAt"), str) else None
        return at if at is not None and (a is None or at > a) else a

    initializing = False
    init_statuses = [mapping(s) for s in sequence(status.get("initContainerStatuses"))]
    for i, cs in enumerate(init_statuses):
        restarts += _int(cs.get("restartCount"))
        last = later(last, _terminated(cs, "lastState"))
        sidecar = _restartable(inits.get(str(cs.get("name")), {}))
        if sidecar:
            sidecar_restarts += _int(cs.get("restartCount"))
            sidecar_last = later(sidecar_last, _terminated(cs, "lastState"))
        state = mapping(cs.get("state"))
        term = mapping(state.get("terminated")) if "terminated" in state else None
        waiting = mapping(state.get("waiting")) if "waiting" in state else None
        if term is not None and _int(term.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready += 1
            continue
        if term is not None:
            if not term.get("reason"):
                signal = _int(term.get("signal"))
                reason = (
                    f"Init:Signal:{signal}"
                    if signal
                    else f"Init:ExitCode:{_int(term.get('exitCode'))}"
                )
            else:
                reason = f"Init:{term.get('reason')}"
        elif (
            waiting is not None
            and waiting.get("reason")
            and waiting.get("reason") != "PodInitializing"
        ):
            reason = f"Init:{waiting.get('reason')}"
        else:
            reason = f"Init:{i}/{len(inits)}"
        initializing = True
        break
    if not initializing or _true(conditions, "Initialized"):
        restarts, last = sidecar_restarts, sidecar_last
        running = False
        for cs in reversed([mapping(s) for s in sequence(status.get("containerStatuses"))]):
            restarts += _int(cs.get("restartCount"))
            last = later(last, _terminated(cs, "lastState"))
            state = mapping(cs.get("state"))
            waiting, term = mapping(state.get("waiting")), mapping(state.get("terminated"))
            if waiting.get("reason"):
                reason = str(waiting["reason"])
            elif term.get("reason"):
                reason = str(term["reason"])
            elif "terminated" in state:
                signal = _int(term.get("signal"))
                reason = f"Signal:{signal}" if signal else f"ExitCode:{_int(term.get('exitCode'))}"
            elif cs.get("ready") is True and "running" in state:
                running = True
                ready += 1
        if reason == "Completed" and running:
            reason = "Running" if _true(conditions, "Ready") else "NotReady"
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    shown = str(restarts)
    if restarts and last is not None:
        shown = f"{restarts} ({human_duration(now - last)} ago)"
    cells = [f"{ready}/{total}", reason, shown, _age(doc, now)]
    if wide:
        ips = [mapping(i).get("ip") for i in sequence(status.get("podIPs"))]
        ip = str(ips[0] if ips and ips[0] else status.get("podIP") or "") or NONE
        gates = sequence(spec.get("readinessGates"))
        shown_gates = NONE
        if gates:
            true = sum(1 for g in gates if _true(conditions, str(mapping(g).get("conditionType"))))
            shown_gates = f"{true}/{len(gates)}"
        cells += [ip, str(spec.get("nodeName") or "") or NONE,
                  str(status.get("nominatedNodeName") or "") or NONE, shown_gates]  # fmt: skip
    return cells


# ---- workloads ----------------------------------------------------------------------------


def _deployment(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st = mapping(doc.get("spec")), mapping(doc.get("status"))
    cells = [f"{_int(st.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
             str(_int(st.get("updatedReplicas"))), str(_int(st.get("availableReplicas"))), _age(doc, now)]  # fmt: skip
    return cells + (
        [*_containers(_template_spec(doc)), format_selector(spec.get("selector"))] if wide else []
    )


def _replicaset(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st = mapping(doc.get("spec")), mapping(doc.get("status"))
    cells = [str(_int(spec.get("replicas"))), str(_int(st.get("replicas"))),
             str(_int(st.get("readyReplicas"))), _age(doc, now)]  # fmt: skip
    return cells + (
        [*_containers(_template_spec(doc)), format_selector(spec.get("selector"))] if wide else []
    )


def _replication_controller(doc: Obj, now: int, wide: bool) -> Cells:
    spec = mapping(doc.get("spec"))
    cells = _replicaset(doc, now, False)
    return cells + (
        [*_containers(_template_spec(doc)), format_labels(spec.get("selector"))] if wide else []
    )


def _statefulset(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st = mapping(doc.get("spec")), mapping(doc.get("status"))
    cells = [f"{_int(st.get('readyReplicas'))}/{_int(spec.get('replicas'))}", _age(doc, now)]
    return cells + (_containers(_template_spec(doc)) if wide else [])


def _daemonset(doc: Obj, now: int, wide: bool) -> Cells:
    st = mapping(doc.get("status"))
    counts = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady",
              "updatedNumberScheduled", "numberAvailable")  # fmt: skip
    cells = [str(_int(st.get(c))) for c in counts]
    cells += [format_labels(_template_spec(doc).get("nodeSelector")), _age(doc, now)]
    selector = mapping(doc.get("spec")).get("selector")
    return cells + ([*_containers(_template_spec(doc)), format_selector(selector)] if wide else [])


def _job(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st, meta = mapping(doc.get("spec")), mapping(doc.get("status")), _meta(doc)
    succeeded = _int(st.get("succeeded"))
    if isinstance(spec.get("completions"), int):
        completions = f"{succeeded}/{spec['completions']}"
    else:
        parallelism = _int(spec.get("parallelism"))
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start = parse_time(st["startTime"]) if isinstance(st.get("startTime"), str) else None
    end = parse_time(st["completionTime"]) if isinstance(st.get("completionTime"), str) else None
    duration = "" if start is None else human_duration((end if end is not None else now) - start)
    conditions = st.get("conditions")
    if _true(conditions, "Complete"):
        status = "Complete"
    elif _true(conditions, "Failed"):
        status = "Failed"
    elif meta.get("deletionTimestamp"):
        status = "Terminating"
    elif _true(conditions, "Suspended"):
        status = "Suspended"
    elif _true(conditions, "FailureTarget"):
        status = "FailureTarget"
    else:
        status = "Running"
    cells = [status, completions, duration, _age(doc, now)]
    return cells + (
        [*_containers(_template_spec(doc)), format_selector(spec.get("selector"))] if wide else []
    )


def _bool(value: object) -> str:
    """``printBoolPtr``."""
    return "<unset>" if not isinstance(value, bool) else ("True" if value else "False")


def _cronjob(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st = mapping(doc.get("spec")), mapping(doc.get("status"))
    last = st.get("lastScheduleTime")
    cells = [str(spec.get("schedule") or ""), str(spec.get("timeZone") or "") or NONE,
             _bool(spec.get("suspend")), str(len(sequence(st.get("active")))),
             since(last, now) if last else NONE, _age(doc, now)]  # fmt: skip
    job = mapping(mapping(spec.get("jobTemplate")).get("spec"))
    pod_spec = mapping(mapping(job.get("template")).get("spec"))
    return cells + ([*_containers(pod_spec), format_selector(job.get("selector"))] if wide else [])


# ---- network ------------------------------------------------------------------------------


def _load_balancer(status: object, wide: bool) -> str:
    found = sorted({str(i.get("ip") or i.get("hostname") or "") for i in map(mapping, sequence(
        mapping(mapping(status).get("loadBalancer")).get("ingress"))) if i.get("ip") or i.get("hostname")})  # fmt: skip
    text = ",".join(found)
    return text[:13] + "..." if not wide and len(text) > 16 else text


def _service(doc: Obj, now: int, wide: bool) -> Cells:
    spec = mapping(doc.get("spec"))
    kind = str(spec.get("type") or "ClusterIP")
    ips = [str(i) for i in sequence(spec.get("clusterIPs"))] or (
        [str(spec["clusterIP"])] if spec.get("clusterIP") else []
    )
    external = [str(i) for i in sequence(spec.get("externalIPs"))]
    if kind in ("ClusterIP", "NodePort"):
        ext = ",".join(external) or NONE
    elif kind == "LoadBalancer":
        lb = _load_balancer(doc.get("status"), wide)
        ext = ",".join([*(lb.split(",") if lb else []), *external]) or "<pending>"
    elif kind == "ExternalName":
        ext = str(spec.get("externalName") or "")
    else:
        ext = UNKNOWN
    ports = []
    for p in map(mapping, sequence(spec.get("ports"))):
        proto = p.get("protocol") or "TCP"
        node_port = _int(p.get("nodePort"))
        ports.append(
            f"{p.get('port')}:{node_port}/{proto}" if node_port else f"{p.get('port')}/{proto}"
        )
    cells = [kind, ips[0] if ips else NONE, ext, ",".join(ports) or NONE, _age(doc, now)]
    return cells + ([format_labels(spec.get("selector"))] if wide else [])


def _ingress(doc: Obj, now: int, wide: bool) -> Cells:
    spec = mapping(doc.get("spec"))
    rules = [mapping(r) for r in sequence(spec.get("rules"))]
    hosts = [str(r["host"]) for r in rules if r.get("host")][:3]
    shown = ",".join(hosts) or "*"
    if len(rules) > 3 and hosts:
        shown += f" + {len(rules) - 3} more..."
    ports = "80, 443" if sequence(spec.get("tls")) else "80"
    return [str(spec.get("ingressClassName") or "") or NONE, shown,
            _load_balancer(doc.get("status"), wide), ports, _age(doc, now)]  # fmt: skip


def _more(items: list[str], limit: int = 3) -> str:
    """``listWithMoreString``."""
    shown = ",".join(items[:limit])
    if len(items) > limit:
        return f"{shown} + {len(items) - limit} more..."
    return shown or "<unset>"


def _endpointslice(doc: Obj, now: int, wide: bool) -> Cells:
    ports = []
    for p in map(mapping, sequence(doc.get("ports"))):
        ports.append(
            str(p["port"]) if isinstance(p.get("port"), int) else str(p.get("name") or "*")
        )
    addresses = [
        str(a)
        for e in sequence(doc.get("endpoints"))
        for a in sequence(mapping(e).get("addresses"))
    ]
    return [str(doc.get("addressType") or ""), _more(ports), _more(addresses), _age(doc, now)]


def _endpoints(doc: Obj, now: int, wide: bool) -> Cells:
    shown: list[str] = []
    count = 0
    for ss in map(mapping, sequence(doc.get("subsets"))):
        ips = [str(mapping(a).get("ip") or "") for a in sequence(ss.get("addresses"))]
        ports: list[dict[str, Any] | None] = [mapping(p) for p in sequence(ss.get("ports"))]
        for port in ports or [None]:
            count += len(ips)
            for ip in ips:
                if len(shown) < 3:
                    host = f"[{ip}]" if ":" in ip else ip
                    shown.append(ip if port is None else f"{host}:{port.get('port')}")
    text = ",".join(shown) or NONE
    if count > 3:
        text += f" + {count - 3} more..."
    return [text if sequence(doc.get("subsets")) else NONE, _age(doc, now)]


def _network_policy(doc: Obj, now: int, wide: bool) -> Cells:
    return [format_selector(mapping(doc.get("spec")).get("podSelector")), _age(doc, now)]


# ---- cluster, config, storage ------------------------------------------------------------


def _node(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st, meta = mapping(doc.get("spec")), mapping(doc.get("status")), _meta(doc)
    ready = _condition(st.get("conditions"), "Ready")
    status = (
        ["Unknown"]
        if ready is None
        else (["Ready"] if ready.get("status") == "True" else ["NotReady"])
    )
    if spec.get("unschedulable") is True:
        status.append("SchedulingDisabled")
    roles = set()
    for k, v in mapping(meta.get("labels")).items():
        if k.startswith("node-role.kubernetes.io/") and k.removeprefix("node-role.kubernetes.io/"):
            roles.add(k.removeprefix("node-role.kubernetes.io/"))
        elif k == "kubernetes.io/role" and v:
            roles.add(str(v))
    info = mapping(st.get("nodeInfo"))
    cells = [
        ",".join(status),
        ",".join(sorted(roles)) or NONE,
        _age(doc, now),
        str(info.get("kubeletVersion") or ""),
    ]
    if wide:
        addresses = [mapping(a) for a in sequence(st.get("addresses"))]

        def address(kind: str) -> str:
            return next((str(a.get("address")) for a in addresses if a.get("type") == kind), NONE)

        cells += [address("InternalIP"), address("ExternalIP")]
        cells += [
            str(info.get(k) or "") or UNKNOWN
            for k in ("osImage", "kernelVersion", "containerRuntimeVersion")
        ]
    return cells


def _namespace(doc: Obj, now: int, wide: bool) -> Cells:
    return [str(mapping(doc.get("status")).get("phase") or ""), _age(doc, now)]


def _configmap(doc: Obj, now: int, wide: bool) -> Cells:
    return [
        str(len(mapping(doc.get("data"))) + len(mapping(doc.get("binaryData")))),
        _age(doc, now),
    ]


def _secret(doc: Obj, now: int, wide: bool) -> Cells:
    return [str(doc.get("type") or ""), str(len(mapping(doc.get("data")))), _age(doc, now)]


def _service_account(doc: Obj, now: int, wide: bool) -> Cells:
    return [str(len(sequence(doc.get("secrets")))), _age(doc, now)]


_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


def _access_modes(modes: object) -> str:
    """``GetAccessModesAsString``: in kubectl's order, abbreviated."""
    given = {str(m) for m in sequence(modes)}
    return ",".join(short for mode, short in _MODES if mode in given)


def _class(doc: Obj) -> str:
    spec = mapping(doc.get("spec"))
    beta = mapping(_meta(doc).get("annotations")).get("volume.beta.kubernetes.io/storage-class")
    return str(spec.get("storageClassName") or beta or "")


def _pv(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st, meta = mapping(doc.get("spec")), mapping(doc.get("status")), _meta(doc)
    claim = mapping(spec.get("claimRef"))
    phase = "Terminating" if meta.get("deletionTimestamp") else str(st.get("phase") or "")
    return [str(mapping(spec.get("capacity")).get("storage") or ""), _access_modes(spec.get("accessModes")),
            str(spec.get("persistentVolumeReclaimPolicy") or ""), phase,
            f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "", _class(doc),
            str(spec.get("volumeAttributesClassName") or "") or "<unset>", str(st.get("reason") or ""),
            _age(doc, now), str(spec.get("volumeMode") or "") or "<unset>"]  # fmt: skip


def _pvc(doc: Obj, now: int, wide: bool) -> Cells:
    spec, st, meta = mapping(doc.get("spec")), mapping(doc.get("status")), _meta(doc)
    phase = "Terminating" if meta.get("deletionTimestamp") else str(st.get("phase") or "")
    bound = bool(spec.get("volumeName"))
    capacity = str(mapping(st.get("capacity")).get("storage") or "") if bound else ""
    modes = _access_modes(st.get("accessModes")) if bound else ""
    return [phase, str(spec.get("volumeName") or ""), capacity, modes, _class(doc),
            str(spec.get("volumeAttributesClassName") or "") or "<unset>", _age(doc, now),
            str(spec.get("volumeMode") or "") or "<unset>"]  # fmt: skip


def _storage_class(doc: Obj, now: int, wide: bool) -> Cells:
    return [str(doc.get("provisioner") or ""), str(doc.get("reclaimPolicy") or "Delete"),
            str(doc.get("volumeBindingMode") or "Immediate"),
            "true" if doc.get("allowVolumeExpansion") is True else "false", _age(doc, now)]  # fmt: skip


def _event(doc: Obj, now: int, wide: bool) -> Cells:
    first = (
        since(doc.get("firstTimestamp"), now)
        if doc.get("firstTimestamp")
        else since(doc.get("eventTime"), now)
    )
    last = since(doc.get("lastTimestamp"), now) if doc.get("lastTimestamp") else first
    series = mapping(doc.get("series"))
    count = _int(doc.get("count")) or 1
    if series:
        last, count = since(series.get("lastObservedTime"), now), _int(series.get("count"))
    obj = mapping(doc.get("involvedObject")) or mapping(doc.get("regarding"))
    kind = str(obj.get("kind") or "").lower()
    target = f"{kind}/{obj['name']}" if obj.get("name") else kind
    message = str(doc.get("message") or doc.get("note") or "").strip()
    if not wide:
        return [last, str(doc.get("type") or ""), str(doc.get("reason") or ""), target, message]
    source = mapping(doc.get("source"))
    origin = ", ".join(str(x) for x in (source.get("component") or doc.get("reportingController"),
                                        source.get("host") or doc.get("reportingInstance")) if x)  # fmt: skip
    return [last, str(doc.get("type") or ""), str(doc.get("reason") or ""), target, str(obj.get("fieldPath") or ""),
            origin, message, first, str(count), str(_meta(doc).get("name") or "")]  # fmt: skip


def _pdb(doc: Obj, now: int, wide: bool) -> Cells:
    spec = mapping(doc.get("spec"))
    return [str(spec["minAvailable"]) if "minAvailable" in spec else "N/A",
            str(spec["maxUnavailable"]) if "maxUnavailable" in spec else "N/A",
            str(_int(mapping(doc.get("status")).get("disruptionsAllowed"))), _age(doc, now)]  # fmt: skip


def _binding(doc: Obj, now: int, wide: bool) -> Cells:
    ref = mapping(doc.get("roleRef"))
    cells = [f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(doc, now)]
    if wide:
        subjects = [mapping(s) for s in sequence(doc.get("subjects"))]
        for kind in ("User", "Group"):
            cells.append(", ".join(str(s.get("name")) for s in subjects if s.get("kind") == kind))
        cells.append(
            ", ".join(
                f"{s.get('namespace', '')}/{s.get('name')}"
                for s in subjects
                if s.get("kind") == "ServiceAccount"
            )
        )
    return cells


def _webhooks(doc: Obj, now: int, wide: bool) -> Cells:
    return [str(len(sequence(doc.get("webhooks")))), _age(doc, now)]


def _lease(doc: Obj, now: int, wide: bool) -> Cells:
    return [str(mapping(doc.get("spec")).get("holderIdentity") or ""), _age(doc, now)]


def _generic(doc: Obj, now: int, wide: bool) -> Cells:
    return [_age(doc, now)]


@dataclass(frozen=True)
class Printer:
    columns: tuple[str, ...]
    """After NAME (and NAMESPACE before it, when listing several namespaces)."""
    wide: tuple[str, ...]
    cells: Callable[[Obj, int, bool], Cells]


_CONTAINERS = ("CONTAINERS", "IMAGES", "SELECTOR")
PRINTERS: dict[str, Printer] = {
    "Pod": Printer(("READY", "STATUS", "RESTARTS", "AGE"), ("IP", "NODE", "NOMINATED NODE", "READINESS GATES"), _pod),
    "Deployment": Printer(("READY", "UP-TO-DATE", "AVAILABLE", "AGE"), _CONTAINERS, _deployment),
    "ReplicaSet": Printer(("DESIRED", "CURRENT", "READY", "AGE"), _CONTAINERS, _replicaset),
    "ReplicationController": Printer(("DESIRED", "CURRENT", "READY", "AGE"), _CONTAINERS, _replication_controller),
    "StatefulSet": Printer(("READY", "AGE"), ("CONTAINERS", "IMAGES"), _statefulset),
    "DaemonSet": Printer(("DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"), _CONTAINERS, _daemonset),
    "Job": Printer(("STATUS", "COMPLETIONS", "DURATION", "AGE"), _CONTAINERS, _job),
    "CronJob": Printer(("SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"), _CONTAINERS, _cronjob),
    "Service": Printer(("TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"), ("SELECTOR",), _service),
    "Ingress": Printer(("CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"), (), _ingress),
    "EndpointSlice": Printer(("ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"), (), _endpointslice),
    "Endpoints": Printer(("ENDPOINTS", "AGE"), (), _endpoints),
    "NetworkPolicy": Printer(("POD-SELECTOR", "AGE"), (), _network_policy),
    "Node": Printer(("STATUS", "ROLES", "AGE", "VERSION"), ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"), _node),
    "Namespace": Printer(("STATUS", "AGE"), (), _namespace),
    "ConfigMap": Printer(("DATA", "AGE"), (), _configmap),
    "Secret": Printer(("TYPE", "DATA", "AGE"), (), _secret),
    "ServiceAccount": Printer(("SECRETS", "AGE"), (), _service_account),
    "PersistentVolume": Printer(("CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS",
                                 "VOLUMEATTRIBUTESCLASS", "REASON", "AGE", "VOLUMEMODE"), (), _pv),
    "PersistentVolumeClaim": Printer(("STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS",
                                      "VOLUMEATTRIBUTESCLASS", "AGE", "VOLUMEMODE"), (), _pvc),
    "StorageClass": Printer(("PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"), (), _storage_class),
    "Event": Printer(("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"),
                     ("LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"), _event),
    "PodDisruptionBudget": Printer(("MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"), (), _pdb),
    "RoleBinding": Printer(("ROLE", "AGE"), ("USERS", "GROUPS", "SERVICEACCOUNTS"), _binding),
    "ClusterRoleBinding": Printer(("ROLE", "AGE"), ("USERS", "GROUPS", "SERVICEACCOUNTS"), _binding),
    "MutatingWebhookConfiguration": Printer(("WEBHOOKS", "AGE"), (), _webhooks),
    "ValidatingWebhookConfiguration": Printer(("WEBHOOKS", "AGE"), (), _webhooks),
    "Lease": Printer(("HOLDER", "AGE"), (), _lease),
}  # fmt: skip
GENERIC = Printer(("AGE",), (), _generic)
REPLACES_COLUMNS = {"Event"}
"""Kinds whose wide table replaces the columns rather than adding to them (and has no NAME
first: kubectl's events list starts with LAST SEEN)."""


def header(kind: str, wide: bool) -> list[str]:
    """The columns after NAME (for Events, all of them)."""
    p = PRINTERS.get(kind, GENERIC)
    if kind in REPLACES_COLUMNS:
        return list(p.wide if wide else p.columns)
    return [*p.columns, *(p.wide if wide else ())]


def cells(kind: str, doc: Obj, now: int, wide: bool = False) -> Cells:
    """One object's cells after NAME, as kubectl printed them at ``now``."""
    return PRINTERS.get(kind, GENERIC).cells(doc, now, wide)


def default_storage_class(doc: Obj) -> bool:
    annotations = mapping(_meta(doc).get("annotations"))
    return any(annotations.get(a) == "true" for a in ("storageclass.kubernetes.io/is-default-class",
                                                       "storageclass.beta.kubernetes.io/is-default-class"))  # fmt: skip
