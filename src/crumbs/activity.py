"""What ran and talked on a node: the node event model shared by the agent, importers, store and analyzers.

One :class:`NodeEvent` per process exec or exit, TCP connect or accept, DNS
query or answer, tied (when it could be) to a pod. Like Kubernetes objects, the model
lives here and the rest along the same route: the JSON lines form
(:mod:`crumbs.formats.nodeevents`: ``to_json`` / ``from_json``) is what ``crumbs agent
--output`` writes and ``crumbs ingest`` reads back; the store packs them
(:mod:`crumbs.store.activity`); the words and one-line descriptions people read are
:mod:`crumbs.analyze.nodewords`::

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

from dataclasses import dataclass, field

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
    backend: str = ""
    """``ip:port`` the kernel translated the dialled address to (a Service's DNAT, from
    conntrack): the pod that really got the connection; ``""`` when nothing was translated or
    conntrack was not read. (Before ``id``: the store packs the fields in order, and chunks
    stored before it existed unpack with it empty.)"""
    id: int | None = None
    """The row id in the store, once stored."""

    @property
    def subject(self) -> str:
        """What the event is about, for rollups: the binary, ``ip:port``, or the DNS name."""
        t = self.type
        if t in ("exec", "exit"):
            return self.binary or self.comm
        if t in ("connect", "accept"):
            return f"{bracketed(self.daddr)}:{self.dport}"
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


FAILED = ("refused", "reset", "timeout", "unreachable", "dropped")
"""Connect outcomes that are failures."""


def bracketed(ip: str) -> str:
    """An address as it goes before a port: IPv6 in brackets."""
    return f"[{ip}]" if ":" in ip else ip
