"""Node events in people's words: which programs are package managers, editors, cron
daemons, the container runtime; what makes an event worth a line on a timeline; one line
describing it."""

from __future__ import annotations

from crumbs.activity import FAILED, NodeEvent

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
