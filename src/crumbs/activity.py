"""What ran and talked on a node: the node event model shared by the agent, importers, store and analyzers.

One :class:`NodeEvent` per process exec or exit, TCP connect or accept, DNS
query or answer, tied (when it could be) to a pod. The JSON lines form
(:func:`to_json` / :func:`from_json`) is what ``crumbs agent --output`` writes
and ``crumbs ingest`` reads back::

    {"schema": "crumbs.node-event/v1", "time": "2026-11-28T10:00:00.123456789Z",
     "type": "connect", "node": "node-1", "source": "crumbs-agent",
     "process": {"pid": 4242, "ppid": 1, "uid": 0, "comm": "curl", "binary": "/usr/bin/curl",
                 "args": ["curl", "http://billing"], "parent": "sh"},
     "pod": {"namespace": "shop", "name": "web-7d9", "uid": "…", "container": "web",
             "containerID": "containerd://…"},
     "cgroup": {"id": 1234, "path": "/kubepods.slice/…"}, "host": false,
     "connection": {"saddr": "10.0.0.5", "sport": 41234, "daddr": "10.0.1.7", "dport": 8080,
                    "dialed": "10.96.0.10:80", "outcome": "refused"},
     "dns": null, "exit": null}
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from typing import Any

from crumbs.timeutil import format_time, parse_time

SCHEMA = "crumbs.node-event/v1"

TYPES = ("exec", "exit", "connect", "accept", "dns")

OUTCOMES = ("established", "refused", "reset", "timeout", "unreachable", "error", "sent", "dropped")
"""How a TCP connect ended (accepts are always ``established``). From packet observers
(Hubble): ``sent`` (a SYN, outcome unseen) and ``dropped`` (by policy)."""


@dataclass(slots=True)
class NodeEvent:
    at: int
    """Wall-clock time, ns since the epoch."""
    type: str
    node: str = ""
    source: str = "crumbs-agent"
    """Who saw it: ``crumbs-agent``, ``tetragon``, ``inspektor-gadget``, ``hubble``."""
    pid: int = 0
    ppid: int = 0
    uid: int = -1
    comm: str = ""
    binary: str = ""
    args: list[str] = field(default_factory=list)
    parent: str = ""
    """The parent process's name (``cron``, ``runc:[2:INIT]``, ``sh``)."""
    cgroup: int = 0
    cgroup_path: str = ""
    container_id: str = ""
    """``containerd://…``, ``cri-o://…``, ``docker://…`` as the Pod status writes it."""
    namespace: str = ""
    pod: str = ""
    pod_uid: str = ""
    container: str = ""
    host: bool = False
    """A process outside any container (the node's own: kubelet, cron, sshd)."""
    saddr: str = ""
    sport: int = 0
    daddr: str = ""
    dport: int = 0
    dialed: str = ""
    """``ip:port`` the process passed to connect(2) (a Service ClusterIP before any translation)."""
    outcome: str = ""
    exit_code: int | None = None
    signal: int | None = None
    qname: str = ""
    qtype: str = ""
    rcode: str = ""
    """``NOERROR``, ``NXDOMAIN``, ``SERVFAIL``…; empty for a query."""
    answers: list[str] = field(default_factory=list)
    server: str = ""
    id: int | None = None
    """The row id in the store, once stored."""

    @property
    def subject(self) -> str:
        """What the event is about, for rollups: the binary, ``ip:port``, or the DNS name."""
        t = self.type
        if t in ("exec", "exit"):
            return self.binary or self.comm
        if t in ("connect", "accept"):
            return f"{_host(self.daddr)}:{self.dport}"
        return self.qname

    @property
    def result(self) -> str:
        """The outcome, the DNS response code, or the exit status."""
        t = self.type
        if t in ("connect", "accept"):
            return self.outcome
        if t == "dns":
            return self.rcode or "query"
        if t == "exit":
            if self.signal:
                return f"signal {self.signal}"
            return f"exit {self.exit_code}" if self.exit_code is not None else ""
        return ""

    @property
    def where(self) -> str:
        """``shop/web-7d9`` or ``host`` or the container id, for people."""
        if self.pod:
            return f"{self.namespace}/{self.pod}"
        if self.host:
            return "host"
        return self.container_id or self.pod_uid or "unknown"


RUNTIME_PARENTS = ("runc", "crun", "conmon", "containerd-shim", "runc:[2:INIT]", "runc:[1:CHILD]")
"""Parents that mean "the container runtime started this" (a container's start, or `kubectl exec`)."""
PACKAGE_MANAGERS = frozenset(
    {
        "apt",
        "apt-get",
        "dpkg",
        "yum",
        "dnf",
        "microdnf",
        "rpm",
        "apk",
        "pip",
        "pip3",
        "npm",
        "yarn",
        "gem",
        "zypper",
        "pacman",
    }
)
EDITORS = frozenset({"vi", "vim", "nvim", "nano", "emacs", "ed", "pico", "joe"})
CRON_DAEMONS = frozenset({"cron", "crond", "anacron", "atd", "busybox-cron"})
FAILED = ("refused", "reset", "timeout", "unreachable", "dropped")


def program(e: NodeEvent) -> str:
    """The executable's base name: ``apt-get``."""
    return (e.binary or e.comm).rsplit("/", 1)[-1]


def breadcrumb(e: NodeEvent) -> str:
    """Why this event belongs on a timeline (empty: it does not): what nobody recorded elsewhere."""
    if e.type == "exec":
        if e.host and e.parent in CRON_DAEMONS:
            return f"{e.parent} ran a job on the node"
        if not e.host and program(e) in PACKAGE_MANAGERS:
            return "a package manager ran inside a container"
        if not e.host and program(e) in EDITORS:
            return "an editor ran inside a container"
        if (
            not e.host
            and e.parent.startswith(RUNTIME_PARENTS)
            and program(e) in {"sh", "bash", "ash", "dash", "zsh"}
        ):
            return "a shell started by the container runtime (kubectl exec)"
        return ""
    if e.type == "connect" and e.outcome in FAILED:
        return f"connection {e.outcome}"
    if e.type == "dns" and e.rcode not in ("", "NOERROR"):
        return f"DNS {e.rcode}"
    return ""


def describe(e: NodeEvent) -> str:
    """One line for people: what happened, where."""
    where = f"{e.where} on {e.node}" if e.node else e.where
    if e.type == "exec":
        cmd = " ".join(e.args) if e.args else e.binary
        parent = f" (parent {e.parent})" if e.parent else ""
        return f"exec {cmd[:200]} in {where}{parent}"
    if e.type == "connect":
        dialed = f" (dialed {e.dialed})" if e.dialed and e.dialed != f"{e.daddr}:{e.dport}" else ""
        return f"{e.comm or 'a process'} in {where} connected to {e.daddr}:{e.dport}: {e.outcome}{dialed}"
    if e.type == "dns":
        return f"{e.comm or 'a process'} in {where} resolved {e.qname} {e.rcode or 'query'} {' '.join(e.answers)}".rstrip()
    return f"{e.type} {e.subject} in {where}"


PACKED = tuple(f.name for f in fields(NodeEvent) if f.name != "id")
"""The order of a packed event's values (the store keeps events packed: [1, *values])."""
_pack = operator.attrgetter(*PACKED)


def pack(e: NodeEvent) -> tuple[Any, ...]:
    """The event's values in :data:`PACKED` order, after a format version (1): compact and fast."""
    return (1, *_pack(e))


def unpack(values: list[Any], id: int | None = None) -> NodeEvent:
    if not values or values[0] != 1:
        raise ValueError(f"unknown packed node event version {values[:1]!r}")
    e = NodeEvent(*values[1:])
    e.id = id
    return e


def _host(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


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
        outcome=_str(c, "outcome"),
        exit_code=_opt_int(x, "code"),
        signal=_opt_int(x, "signal"),
        qname=_str(d, "qname"),
        qtype=_str(d, "qtype"),
        rcode=_str(d, "rcode"),
        answers=_strs(d, "answers"),
        server=_str(d, "server"),
    )
