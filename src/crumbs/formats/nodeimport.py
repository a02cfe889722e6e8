"""Node events from other tools' JSON exports, mapped onto :class:`NodeEvent`.

- Crumbs' own JSON lines (``crumbs agent --output``);
- Tetragon's JSON export (``export-stdout``, ``tetra getevents -o json``):
  ``process_exec`` and ``process_exit``; other Tetragon events are skipped;
- Inspektor Gadget (``ig run trace_exec|trace_tcp|trace_dns -o json``, v0.30+);
- Hubble flows (``hubble observe -o json``, the exporter's ``events.log``):
  TCP SYNs and RSTs as connects, DNS responses from the L7 proxy.

Each converter yields a NodeEvent, a :class:`Skipped` (a record of the tool
that says nothing Crumbs keeps) or a :class:`Problem` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crumbs.activity import NodeEvent
from crumbs.formats.nodeevents import BadNodeEvent, from_json, is_node_event
from crumbs.model import Problem, Skipped, mapping, sequence
from crumbs.timeutil import parse_time, time_problem

NodeRecord = NodeEvent | Skipped | Problem

_SCHEMES = {"containerd": "containerd://", "cri-o": "cri-o://", "docker": "docker://"}


def detect(value: dict[str, Any]) -> str | None:
    """Which tool wrote this JSON object, if it is a node event at all."""
    if is_node_event(value):
        return "crumbs"
    if any(k in value for k in ("process_exec", "process_exit", "processExec", "processExit")):
        return "tetragon"
    if any(
        k in value
        for k in ("process_kprobe", "process_tracepoint", "process_lsm", "process_uprobe")
    ):
        return "tetragon"
    flow = value.get("flow")
    if isinstance(flow, dict) and ("verdict" in flow or "IP" in flow):
        return "hubble"
    if "verdict" in value and "IP" in value and "kind" not in value:
        return "hubble"
    if isinstance(value.get("proc"), dict) and ("k8s" in value or "runtime" in value):
        return "inspektor-gadget"
    return None


def convert(tool: str, value: dict[str, Any], where: str) -> Iterator[NodeRecord]:
    try:
        if tool == "crumbs":
            yield from_json(value)
        elif tool == "tetragon":
            yield from _tetragon(value, where)
        elif tool == "hubble":
            yield from _hubble(value, where)
        else:
            yield from _gadget(value, where)
    except BadNodeEvent as err:
        yield Problem(where, f"{tool} event: {err}")


def _time(value: Any, field: str) -> int:
    t = parse_time(value) if isinstance(value, str) else None
    if t is None:
        raise BadNodeEvent(f'"{field}" {time_problem(str(value))}')
    return t


def _s(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    return v if isinstance(v, str) else ("" if v is None else str(v))


def _i(d: dict[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key)
    if isinstance(v, bool):
        return default
    if isinstance(v, str) and v.isdigit() and len(v) < 19:
        v = int(v)
    if isinstance(v, int) and -(2**63) <= v < 2**63:
        return v
    return default


# -- Tetragon -----------------------------------------------------------------


def _tetragon(value: dict[str, Any], where: str) -> Iterator[NodeRecord]:
    kind = next(k for k in value if k.startswith("process"))
    body = mapping(value[kind])
    if kind not in ("process_exec", "processExec", "process_exit", "processExit"):
        yield Skipped(where, f"Tetragon {kind}: not imported")
        return
    proc, parent = mapping(body.get("process")), mapping(body.get("parent"))
    pod = mapping(proc.get("pod"))
    container = mapping(pod.get("container"))
    raw_args = _s(proc, "arguments")
    binary = _s(proc, "binary")
    e = NodeEvent(
        at=_time(value.get("time") or body.get("time"), "time"),
        type="exec" if "xec" in kind else "exit",
        node=_s(value, "node_name") or _s(value, "nodeName"),
        source="tetragon",
        pid=_i(proc, "pid"),
        ppid=_i(parent, "pid"),
        uid=_i(proc, "uid", -1),
        comm=binary.rsplit("/", 1)[-1],
        binary=binary,
        args=[binary, *raw_args.split()] if raw_args else [binary],
        parent=_s(parent, "binary").rsplit("/", 1)[-1],
        container_id=_s(container, "id"),
        namespace=_s(pod, "namespace"),
        pod=_s(pod, "name"),
        pod_uid=_s(pod, "uid"),
        container=_s(container, "name"),
        host=not pod,
    )
    if e.type == "exit":
        signal = _s(body, "signal")
        e.exit_code = None if signal else _i(body, "status")
        e.signal = _SIGNALS.get(signal, 0) or None if signal else None
    yield e


_SIGNALS = {
    "SIGHUP": 1,
    "SIGINT": 2,
    "SIGQUIT": 3,
    "SIGABRT": 6,
    "SIGKILL": 9,
    "SIGSEGV": 11,
    "SIGPIPE": 13,
    "SIGTERM": 15,
}

# -- Inspektor Gadget -----------------------------------------------------------

_IG_RCODES = {
    "Success": "NOERROR",
    "FormatError": "FORMERR",
    "ServerFailure": "SERVFAIL",
    "NameError": "NXDOMAIN",
    "NotImplemented": "NOTIMP",
    "Refused": "REFUSED",
}


def _gadget(value: dict[str, Any], where: str) -> Iterator[NodeRecord]:
    k8s, runtime, proc = (
        mapping(value.get("k8s")),
        mapping(value.get("runtime")),
        mapping(value.get("proc")),
    )
    creds, parent = mapping(proc.get("creds")), mapping(proc.get("parent"))
    cid = _s(runtime, "containerId")
    base = NodeEvent(
        at=_time(value.get("timestamp"), "timestamp"),
        type="exec",
        node=_s(k8s, "node"),
        source="inspektor-gadget",
        pid=_i(proc, "pid"),
        ppid=_i(parent, "pid"),
        uid=_i(creds, "uid", -1),
        comm=_s(proc, "comm").rstrip("\n"),
        parent=_s(parent, "comm"),
        container_id=(_SCHEMES.get(_s(runtime, "runtimeName"), "") + cid) if cid else "",
        namespace=_s(k8s, "namespace"),
        pod=_s(k8s, "podName"),
        container=_s(k8s, "containerName"),
        host=not cid,
    )
    src, dst = mapping(value.get("src")), mapping(value.get("dst"))
    if "qr" in value:
        base.type = "dns"
        base.qname = _s(value, "name").rstrip(".")
        base.qtype = _s(value, "qtype")
        if value.get("qr") == "R":
            base.rcode = _IG_RCODES.get(_s(value, "rcode"), _s(value, "rcode") or "NOERROR")
            base.answers = [a for a in _s(value, "addresses").split(",") if a]
            base.server = _s(src, "addr")
        else:
            base.server = _s(dst, "addr")
        yield base
        return
    if "exepath" in value or isinstance(value.get("args"), str) and "src" not in value:
        args = _s(value, "args")
        base.binary = _s(value, "exepath") or (args.split(" ", 1)[0] if args else base.comm)
        base.args = args.split(" ") if args else []
        yield base
        return
    kind = _s(value, "type")
    if kind in ("connect", "accept"):
        base.type = kind
        base.saddr, base.sport = _s(src, "addr"), _i(src, "port")
        base.daddr, base.dport = _s(dst, "addr"), _i(dst, "port")
        err = _s(value, "error")
        base.outcome = "established" if not err else _IG_ERRORS.get(err, "error")
        yield base
        return
    yield Skipped(where, f"Inspektor Gadget event {kind or 'of an unknown gadget'}: not imported")


_IG_ERRORS = {
    "ECONNREFUSED": "refused",
    "ETIMEDOUT": "timeout",
    "EHOSTUNREACH": "unreachable",
    "ENETUNREACH": "unreachable",
    "ECONNRESET": "reset",
}

# -- Hubble ---------------------------------------------------------------------


def _hubble(value: dict[str, Any], where: str) -> Iterator[NodeRecord]:
    flow = mapping(value.get("flow")) if "flow" in value else value
    ip, l4 = mapping(flow.get("IP")), mapping(flow.get("l4"))
    src, dst = mapping(flow.get("source")), mapping(flow.get("destination"))
    l7 = mapping(flow.get("l7"))
    node = _s(flow, "node_name") or _s(value, "node_name")
    at = _time(flow.get("time") or value.get("time"), "time")
    reply = bool(flow.get("is_reply") or flow.get("reply"))

    def event(type_: str, client: dict[str, Any], **fields: Any) -> NodeEvent:
        """An event of the flow's client endpoint (Hubble knows pods, not processes)."""
        pod = _s(client, "pod_name")
        return NodeEvent(at=at, type=type_, node=node, source="hubble", namespace=_s(client, "namespace"),
                         pod=pod, host=not pod, **fields)  # fmt: skip

    dns = mapping(l7.get("dns"))
    if dns:
        if _s(l7, "type") != "RESPONSE":
            yield Skipped(where, "Hubble DNS request (the response carries the answer)")
            return
        # the response flows back to the client: the client is the destination
        yield event(
            "dns",
            dst,
            qname=_s(dns, "query").rstrip("."),
            qtype=",".join(str(q) for q in sequence(dns.get("qtypes"))),
            rcode=_RCODES.get(_i(dns, "rcode"), str(_i(dns, "rcode"))),
            answers=[str(a) for a in sequence(dns.get("ips"))],
            server=_s(ip, "source"),
        )
        return
    tcp = mapping(l4.get("TCP"))
    flags = mapping(tcp.get("flags"))
    verdict = _s(flow, "verdict")
    if (
        not tcp
        or not (flags.get("SYN") or flags.get("RST"))
        or (flags.get("SYN") and flags.get("ACK"))
    ):
        yield Skipped(where, "Hubble flow: not a connection attempt or refusal")
        return
    client = dst if reply else src
    caddr, saddr_ = (
        (_s(ip, "destination"), _s(ip, "source"))
        if reply
        else (_s(ip, "source"), _s(ip, "destination"))
    )
    cport, sport_ = (
        (_i(tcp, "destination_port"), _i(tcp, "source_port"))
        if reply
        else (_i(tcp, "source_port"), _i(tcp, "destination_port"))
    )
    if verdict in ("DROPPED", "ERROR"):
        outcome = "dropped"
    elif flags.get("RST"):
        outcome = "refused" if reply else "reset"
    else:
        outcome = "sent"
    yield event(
        "connect", client, saddr=caddr, sport=cport, daddr=saddr_, dport=sport_, outcome=outcome
    )


_RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
