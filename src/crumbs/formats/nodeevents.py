"""The JSON lines form of node events (``crumbs.node-event/v1``): what ``crumbs agent --output``
writes and ``crumbs ingest`` reads back, checked field by field."""

from __future__ import annotations

from typing import Any

from crumbs.activity import SCHEMA, TYPES, NodeEvent
from crumbs.timeutil import format_time, parse_time


def to_json(e: NodeEvent) -> dict[str, Any]:
    t = e.type
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "time": format_time(e.at),
        "type": t,
        "node": e.node,
        "source": e.source,
        "process": {
            "pid": e.pid,
            "ppid": e.ppid,
            "uid": e.uid,
            "comm": e.comm,
            "binary": e.binary,
            "args": e.args,
            "parent": e.parent,
        },
        "pod": {
            "namespace": e.namespace,
            "name": e.pod,
            "uid": e.pod_uid,
            "container": e.container,
            "containerID": e.container_id,
        }
        if (e.pod or e.pod_uid or e.container_id)
        else None,
        "cgroup": {"id": e.cgroup, "path": e.cgroup_path},
        "host": e.host,
        "connection": None,
        "dns": None,
        "exit": None,
    }
    if t in ("connect", "accept"):
        out["connection"] = {
            "saddr": e.saddr,
            "sport": e.sport,
            "daddr": e.daddr,
            "dport": e.dport,
            "dialed": e.dialed,
            "backend": e.backend,
            "outcome": e.outcome,
        }
    elif t == "dns":
        out["dns"] = {
            "qname": e.qname,
            "qtype": e.qtype,
            "rcode": e.rcode,
            "answers": e.answers,
            "server": e.server,
        }
    elif t == "exit":
        out["exit"] = {"code": e.exit_code, "signal": e.signal}
    if e.id is not None:
        out["id"] = e.id
    return out


def is_node_event(value: dict[str, Any]) -> bool:
    return value.get("schema") == SCHEMA


class BadNodeEvent(ValueError):
    """A node event line that does not hold what its schema says."""


def _str(d: dict[str, Any], k: str) -> str:
    v = d.get(k)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise BadNodeEvent(f'"{k}" is a {type(v).__name__}, not a string')
    return v


def _int(d: dict[str, Any], k: str, default: int = 0) -> int:
    v = d.get(k)
    if v is None:
        return default
    if not isinstance(v, int) or isinstance(v, bool):
        raise BadNodeEvent(f'"{k}" is a {type(v).__name__}, not an integer')
    if not -(2**63) <= v < 2**63:
        raise BadNodeEvent(f'"{k}" is out of range')
    return v


def _opt_int(d: dict[str, Any], k: str) -> int | None:
    return None if d.get(k) is None else _int(d, k)


def _obj(d: dict[str, Any], k: str) -> dict[str, Any]:
    v = d.get(k)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise BadNodeEvent(f'"{k}" is a {type(v).__name__}, not an object')
    return v


def _strs(d: dict[str, Any], k: str) -> list[str]:
    v = d.get(k)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise BadNodeEvent(f'"{k}" is not a list of strings')
    return list(v)


def from_json(value: dict[str, Any]) -> NodeEvent:
    """The inverse of :func:`to_json`; raises :class:`BadNodeEvent` naming the field."""
    raw_time = value.get("time")
    at = parse_time(raw_time) if isinstance(raw_time, str) else None
    if at is None:
        raise BadNodeEvent(f'"time" is not an RFC 3339 time: {str(raw_time)[:40]!r}')
    t = value.get("type")
    if t not in TYPES:
        raise BadNodeEvent(f'"type" must be one of {", ".join(TYPES)}, not {str(t)[:40]!r}')
    p, pod, cg = _obj(value, "process"), _obj(value, "pod"), _obj(value, "cgroup")
    c, d, x = _obj(value, "connection"), _obj(value, "dns"), _obj(value, "exit")
    host = value.get("host", False)
    if not isinstance(host, bool):
        raise BadNodeEvent('"host" is not a boolean')
    return NodeEvent(
        at=at,
        type=t,
        node=_str(value, "node"),
        source=_str(value, "source") or "crumbs-agent",
        pid=_int(p, "pid"),
        ppid=_int(p, "ppid"),
        uid=_int(p, "uid", -1),
        comm=_str(p, "comm"),
        binary=_str(p, "binary"),
        args=_strs(p, "args"),
        parent=_str(p, "parent"),
        cgroup=_int(cg, "id"),
        cgroup_path=_str(cg, "path"),
        container_id=_str(pod, "containerID"),
        namespace=_str(pod, "namespace"),
        pod=_str(pod, "name"),
        pod_uid=_str(pod, "uid"),
        container=_str(pod, "container"),
        host=host,
        saddr=_str(c, "saddr"),
        sport=_int(c, "sport"),
        daddr=_str(c, "daddr"),
        dport=_int(c, "dport"),
        dialed=_str(c, "dialed"),
        backend=_str(c, "backend"),
        outcome=_str(c, "outcome"),
        exit_code=_opt_int(x, "code"),
        signal=_opt_int(x, "signal"),
        qname=_str(d, "qname"),
        qtype=_str(d, "qtype"),
        rcode=_str(d, "rcode"),
        answers=_strs(d, "answers"),
        server=_str(d, "server"),
    )
