"""Container logs in dumps and archives: which pod and container wrote them, and when.

Recognised:

- ``kubectl cluster-info dump``: ``NS/POD/logs.txt`` (and the same sections inline in a
  dump written to stdout), one section per container::

      ==== START logs for container C of pod NS/POD ====
      ...
      ==== END logs for container C of pod NS/POD ====

  (kubectl writes ``Request log error: …`` as the body when it could not get them);
- must-gather and ``oc adm inspect``:
  ``namespaces/NS/pods/POD/C/C/logs/current.log`` and ``previous.log`` (``previous.insecure.log``);
- OpenShift Insights archives:
  ``namespaces/NS/pods/POD/containers/C/logs/last-N-lines.log`` (the conditional gatherer) and
  ``config/pod/NS/logs/POD/*.log`` (lines an operator's pod wrote that matched a pattern;
  the container is not said).

A line's time is the RFC 3339 prefix ``kubectl logs --timestamps`` writes (the
runtime's, with its zone; the archives above capture with it). A prefix without a
zone is the application's own and is not trusted. A line's time counts toward the
snapshot's observed time (the capture came after it). Only the last
:data:`MAX_BYTES` of one container's section are kept: the lines before a crash.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from crumbs.model import LogChunk, Skipped
from crumbs.timeutil import log_line_time

MAX_BYTES = 1024 * 1024
"""The tail of one container's log kept from one source."""
MAX_LINE = 16 * 1024
"""A longer line is cut (and says so)."""

HEADER = re.compile(
    rb"^==== START logs for container (?P<c>[^\s/]+) of pod (?P<ns>[^\s/]+)/(?P<pod>[^\s/]+) ====\s*$"
)
FOOTER = re.compile(rb"^==== END logs for container [^\n]*====\s*$")
FETCH_FAILED = (b"Request log error: ", b"Create log request error: ")

_PATHS = (
    re.compile(r"(?:^|/)namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/]+)/(?P<c>[^/]+)/(?P=c)/logs/"
               r"(?P<which>current|previous)(?:\.insecure)?\.log$"),
    re.compile(r"(?:^|/)namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/]+)/containers/(?P<c>[^/]+)/logs/"
               r"last-\d+-lines\.log$"),
    re.compile(r"(?:^|/)config/pod/(?P<ns>[^/]+)/logs/(?P<pod>[^/]+)/[^/]+\.log$"),
)  # fmt: skip
NODE_JOURNAL = re.compile(r"(?:^|/)config/node/logs/[^/]+\.log$")
"""Insights keeps a node's journal (kubelet, CRI-O) there: not one container's log."""


@dataclass(frozen=True, slots=True)
class Where:
    namespace: str
    pod: str
    container: str
    previous: bool | None


def log_path(path: str) -> Where | Skipped | None:
    """The pod and container a log file's path names, when it is one of the layouts above."""
    normal = path.replace("\\", "/")
    if NODE_JOURNAL.search(normal):
        return Skipped(path, "a node's journal (kubelet, runtime), not a container's log: not kept")
    for rx in _PATHS:
        m = rx.search(normal)
        if m:
            which = m.groupdict().get("which")
            return Where(m["ns"], m["pod"], m.groupdict().get("c") or "",
                         None if which is None else which == "previous")  # fmt: skip
    return None


class Tail:
    """The last ``limit`` bytes of lines, decoded; how many were left out."""

    def __init__(self, limit: int = MAX_BYTES) -> None:
        self.limit = limit
        self.lines: deque[str] = deque()
        self.size = 0
        self.dropped = 0

    def add(self, raw: bytes) -> None:
        line = raw.rstrip(b"\r\n")
        if len(line) > MAX_LINE:
            line = line[:MAX_LINE] + b" [cut]"
        text = line.decode("utf-8", "replace")
        self.lines.append(text)
        self.size += len(text) + 1
        while self.size > self.limit and len(self.lines) > 1:
            self.size -= len(self.lines.popleft()) + 1
            self.dropped += 1


def chunk(cluster: str, where: Where, tail: Tail, name: str) -> LogChunk | Skipped:
    lines = list(tail.lines)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return Skipped(
            name, f"no log lines for {where.namespace}/{where.pod} {where.container}".rstrip()
        )
    if len(lines) == 1 and lines[0].encode().startswith(FETCH_FAILED):
        return Skipped(name, f"kubectl could not get these logs: {lines[0][:200]}")
    first, last = log_line_time(lines[0]), None
    for line in reversed(lines):
        last = log_line_time(line)
        if last is not None:
            break
    if first is None:
        first = next((t for t in map(log_line_time, lines) if t is not None), None)
    if tail.dropped:
        lines.insert(0, f"[{tail.dropped} earlier lines not kept]")
    return LogChunk(cluster, where.namespace, where.pod, where.container, lines, name,
                    first, last, where.previous)  # fmt: skip


def from_file(cluster: str, where: Where, lines: Iterable[bytes], name: str) -> LogChunk | Skipped:
    tail = Tail()
    for raw in lines:
        tail.add(raw)
    return chunk(cluster, where, tail, name)


@dataclass(slots=True)
class Section:
    """A cluster-info dump's log section met between JSON values (its stdout form)."""

    where: Where
    tail: Tail


def section_start(raw: bytes) -> Section | None:
    head = HEADER.match(raw)
    if head is None:
        return None
    return Section(
        Where(head["ns"].decode(), head["pod"].decode(), head["c"].decode(), False), Tail()
    )


def dump_sections(cluster: str, lines: Iterable[bytes], name: str) -> Iterator[LogChunk | Skipped]:
    """The sections of a cluster-info dump's ``logs.txt`` (or of its stdout form)."""
    current: tuple[Section, int] | None = None
    for lineno, raw in enumerate(lines, 1):
        started = section_start(raw)
        if started is not None:
            if current is not None:
                yield chunk(cluster, current[0].where, current[0].tail, f"{name}:{current[1]}")
            current = (started, lineno)
        elif current is not None:
            if FOOTER.match(raw):
                yield chunk(cluster, current[0].where, current[0].tail, f"{name}:{current[1]}")
                current = None
            else:
                current[0].tail.add(raw)
    if current is not None:
        yield chunk(cluster, current[0].where, current[0].tail, f"{name}:{current[1]}")
