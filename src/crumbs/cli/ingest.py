"""``crumbs ingest PATH...``: read standard formats into the store."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable

import orjson
import typer
from rich.console import Console

from crumbs.activity import NodeEvent
from crumbs.app.facts import facts_of
from crumbs.cli.common import (
    OUTPUT_OPTION,
    SECRET_DIGESTS_OPTION,
    OnOff,
    Output,
    db_path,
    emit_json,
    paused_gc,
    quiet,
)
from crumbs.cli.progress import Progress
from crumbs.errors import EXIT_ERROR, EXIT_OK, UsageError
from crumbs.formats.documents import DEFAULT_MAX_DOCUMENT
from crumbs.formats.logs import Where
from crumbs.formats.objects import Record
from crumbs.formats.reader import iter_paths, iter_pod_logs
from crumbs.model import (
    AuditRecord,
    Event,
    HelmRelease,
    LogChunk,
    Note,
    Obj,
    Origin,
    Problem,
    Revision,
    RevisionType,
    Skipped,
    StoredRevision,
    mapping,
    sequence,
)
from crumbs.report.text import clean, console
from crumbs.store import Selector, Store
from crumbs.store.activity import ActivityWriter
from crumbs.store.writer import BATCH_SIZE, Writer
from crumbs.timeutil import format_time
from crumbs.trail.reconstruct import DEPLOYED, OWNED, from_releases, reconstructed

STORED: dict[type, str] = {
    Revision: "revisions",
    Event: "events",
    HelmRelease: "releases",
    AuditRecord: "audit",
    LogChunk: "logs",
}
"""What the writer takes, and what it is counted as."""


def ingest(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files, directories (walked), or - for stdin."),
    cluster: str = typer.Option(
        "default", "--cluster", help="Name of the cluster the data comes from."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Stop at the first rejected document; its file is not stored."
    ),
    max_object_size: int = typer.Option(
        DEFAULT_MAX_DOCUMENT,
        "--max-object-size",
        min=1024,
        max=2**31,
        help="Largest object accepted, in bytes.",
    ),
    batch_size: int = typer.Option(
        BATCH_SIZE, "--batch-size", min=1, max=1_000_000, help="Records per transaction."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also list what was skipped and why."
    ),
    pod: str = typer.Option(
        None, "--pod", help="NS/NAME: the paths are `kubectl logs` output of this pod."
    ),
    container: str = typer.Option("", "--container", "-c", help="With --pod: the container."),
    previous: bool = typer.Option(
        False, "--previous", help="With --pod: the previous container's log (kubectl logs -p)."
    ),
    secret_digests: OnOff = SECRET_DIGESTS_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Read Kubernetes objects, Lists, watch events, Events and cluster-info dumps into the store.

    Formats are told by content: JSON or YAML objects and Lists (kubectl get -o
    json|yaml), multi-document YAML, watch-event JSON lines (kubectl get -w
    --output-watch-events -o json), kubectl cluster-info dump trees and the
    container logs they keep; with --pod, plain `kubectl logs` output. Re-ingesting
    the same data adds nothing.
    """
    where = _pod_log_target(pod, container, previous)
    store = Store.open(db_path(ctx), create=True)
    out = console(stderr=True)
    activity = store.activity_writer(cluster)
    snapshots: list[dict[str, object]] = []
    started = time.perf_counter()
    with (
        store,
        paused_gc(),
        store.writer(
            secret_digests is OnOff.on,
            batch_size=sys.maxsize if strict else batch_size,
            max_document=max_object_size,
        ) as writer,
        Progress("ingest", "records", _size(paths), quiet(ctx)) as progress,
    ):
        run = _Run(
            writer, activity, strict, batch_size, out if output is Output.text else None, progress
        )
        try:
            sources = (
                iter_pod_logs(paths, cluster, where)
                if where is not None
                else iter_paths(paths, cluster, max_object_size)
            )
            for path, files in sources:
                if not run.files(files):
                    break
                taken = writer.end_snapshot()
                if taken is not None:
                    made = reconstruct(store, writer, taken, cluster)
                    snapshots.append(
                        {"path": path, "observedAt": format_time(taken), "reconstructed": made}
                    )
            writer.flush()
            activity.write(run.node_events)
            if writer.stats.revisions or writer.stats.releases:
                facts_of(store, cluster)  # kept for `info`, while the store stays as it is now
        finally:
            activity.close()
    read, problems, skipped, notes = run.read, run.problems, run.skipped, run.notes
    problems.extend(writer.stats.problems)
    stats = writer.stats
    seconds = time.perf_counter() - started
    if output is Output.json:
        emit_json(
            {
                "store": store.shown,
                "read": read,
                "stored": {
                    "revisions": stats.revisions,
                    "unchanged": stats.unchanged,
                    "events": stats.events,
                    "releases": stats.releases,
                    "audit": stats.audits,
                    "logs": stats.logs,
                    "nodeEvents": activity.written,
                },
                "problems": [{"where": p.where, "message": p.message} for p in problems],
                "notes": [{"where": n.where, "message": n.message} for n in notes],
                "skipped": [{"where": s.where, "reason": s.reason} for s in skipped],
                "snapshots": snapshots,
                "seconds": round(seconds, 3),
            }
        )
    else:
        if verbose:
            for s in skipped:
                out.print(f"[dim]skipped[/] {clean(s.where)}: {clean(s.reason)}", highlight=False)
        for p in writer.stats.problems:
            out.print(f"[red]rejected[/] {clean(str(p))}", highlight=False)
        rejected = f"; [red]{len(problems)} rejected[/]" if problems else ""
        stopped = " (stopped: --strict)" if strict and problems else ""
        files_skipped = sum(1 for s in skipped if not re.search(r":\d+$|#|\[\d+\]$", s.where))
        if files_skipped:
            rejected += f"; {files_skipped} skipped" + ("" if verbose else " (-v says why)")
        for snap in snapshots:
            out.print(
                f"[dim]{clean(snap['path'])}: observed at {snap['observedAt']} (the newest time it holds)[/]",
                highlight=False,
            )
        out.print(
            f"stored {stats.revisions} revisions ({stats.unchanged} unchanged), {stats.events} events"
            + (f", {stats.releases} Helm release records" if stats.releases else "")
            + (f", {stats.audits} audit records" if stats.audits else "")
            + (f", {stats.logs} container logs" if stats.logs else "")
            + (f", {activity.written} node events" if activity.written else "")
            + " "
            f"from {read['files']} files into {clean(store.shown)} in {seconds:.2f}s{rejected}{stopped}",
            highlight=False,
        )
    return EXIT_ERROR if problems else EXIT_OK


def reconstruct(store: Store, writer: Writer, at: int, cluster: str) -> int:
    """Revisions of the objects first seen in a snapshot taken at ``at``, rebuilt from what
    it holds (:mod:`crumbs.trail.reconstruct`): workloads from their ReplicaSets and
    ControllerRevisions, anything a Helm release rendered from the release's history; how many."""
    writer.flush()  # the snapshot is in the store
    made = 0
    done: set[tuple[str, str, str]] = set()
    for kind, keeper in OWNED.items():
        workloads = [
            w
            for w in store.queries.state_at(
                at, Selector(cluster=cluster, kinds=[("apps", kind)]), lazy=True, live=True
            )
            if w.at == at and store.queries.previous(w) is None
        ]
        if not workloads:
            continue
        kept: dict[tuple[str, str], list[Obj]] = {}
        for k in store.queries.state_at(
            at, Selector(cluster=cluster, kinds=[("apps", keeper)]), lazy=True, live=True
        ):
            kept.setdefault((k.key.cluster, k.key.namespace), []).append(k.doc)
        for w in workloads:
            past = reconstructed(w.doc, w.at, kept.get((w.key.cluster, w.key.namespace), []))
            if past:
                done.add((w.key.kind, w.key.namespace, w.key.name))
            made += _store_past(writer, w, past)
    for (kind, namespace, name), renders in _rendered(store, cluster, at).items():
        if (kind, namespace, name) in done:
            continue  # the kept templates tell that workload's past already
        found: list[StoredRevision] = []
        for ns in dict.fromkeys((namespace, "")):  # a cluster-scoped object has no namespace
            sel = Selector(cluster=cluster, namespace=ns, kinds=[(None, kind)], name=name)
            found = found or store.queries.state_at(at, sel, lazy=True, live=True)
        for obj in found:
            if obj.at == at and store.queries.previous(obj) is None:
                made += _store_past(writer, obj, from_releases(obj.doc, obj.at, renders))
    writer.flush()
    return made


def _store_past(writer: Writer, rev: StoredRevision, past: list[tuple[int, Obj, str]]) -> int:
    for i, (when, doc, source) in enumerate(past):
        rtype = RevisionType.ADDED if i == 0 else RevisionType.MODIFIED
        writer.add(Revision(rev.key, rev.uid, when, rtype, doc, f"reconstructed from {source}",
                            origin=Origin.RECONSTRUCTED))  # fmt: skip
    return len(past)


def _rendered(
    store: Store, cluster: str, at: int
) -> dict[tuple[str, str, str], list[tuple[int, int, str, Obj]]]:
    """What each applied Helm release revision rendered: (kind, namespace, name) → (deploy time,
    revision, release, the object as rendered), for objects rendered in two ways at least."""
    out: dict[tuple[str, str, str], list[tuple[int, int, str, Obj]]] = {}
    for rel in store.queries.releases(cluster=cluster, at=at):
        if rel.status not in DEPLOYED:
            continue
        deployed = rel.payload.get("deployed")
        when = deployed if isinstance(deployed, int) else rel.at
        for doc in sequence(rel.payload.get("manifest")):
            d = mapping(doc)
            md = mapping(d.get("metadata"))
            key = (
                str(d.get("kind") or ""),
                str(md.get("namespace") or rel.namespace),
                str(md.get("name") or ""),
            )
            out.setdefault(key, []).append((when, rel.revision, rel.name, d))
    return {
        k: v
        for k, v in out.items()
        if len({orjson.dumps(r[3], option=orjson.OPT_SORT_KEYS) for r in v}) > 1
    }


class _Run:
    """One ingest's reading: records to the writers, what was read, rejected, skipped, noted."""

    def __init__(
        self,
        writer: Writer,
        activity: ActivityWriter,
        strict: bool,
        batch_size: int,
        out: Console | None,
        progress: Progress,
    ) -> None:
        self.writer, self.activity, self.strict, self.batch_size = (
            writer,
            activity,
            strict,
            batch_size,
        )
        self.out, self.progress = out, progress
        self._done_bytes = 0
        self.read = {"files": 0, **dict.fromkeys(STORED.values(), 0), "nodeEvents": 0}
        self.problems: list[Problem] = []
        self.skipped: list[Skipped] = []
        self.notes: list[Note] = []
        self.node_events: list[NodeEvent] = []

    def files(self, files: Iterable[tuple[str, Iterable[Record]]]) -> bool:
        """Every file of one path; False when --strict stops the ingest."""
        for name, records in files:
            self.read["files"] += 1
            for rec in records:
                if not self.record(rec):
                    return False
            self._done_bytes += _file_size(name)
            self.progress.advance(0, self._done_bytes)
            if self.strict:
                self.writer.flush()
                self.activity.write(self.node_events)
                self.node_events = []
        return True

    def record(self, rec: Record) -> bool:
        read = self.read
        if isinstance(rec, (Revision, Event, HelmRelease, AuditRecord, LogChunk)):
            read[STORED[type(rec)]] += 1
            self.writer.add(rec)
        elif isinstance(rec, NodeEvent):
            read["nodeEvents"] += 1
            self.node_events.append(rec)
            if not self.strict and len(self.node_events) >= self.batch_size:
                self.activity.write(self.node_events)
                self.node_events = []
        elif isinstance(rec, Note):
            self.notes.append(rec)
            if self.out:
                self.out.print(f"[yellow]note[/] {clean(str(rec))}", highlight=False)
        elif isinstance(rec, Problem):
            self.problems.append(rec)
            if self.out:
                self.out.print(f"[red]rejected[/] {clean(str(rec))}", highlight=False)
            if self.strict:
                self.writer.discard()
                self.node_events = []
                return False
        else:
            self.skipped.append(rec)
        self.progress.advance()
        return True


def _file_size(name: str) -> int:
    try:
        return os.path.getsize(name) if os.path.isfile(name) else 0
    except OSError:
        return 0


def _size(paths: list[str]) -> int | None:
    """The bytes to read (files, and the files under directories); None for stdin."""
    if "-" in paths:
        return None
    total = 0
    for path in paths:
        if os.path.isdir(path):
            for dirpath, _, names in os.walk(path):
                total += sum(_file_size(os.path.join(dirpath, n)) for n in names)
        else:
            total += _file_size(path)
    return total or None


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def _pod_log_target(pod: str | None, container: str, previous: bool) -> Where | None:
    if pod is None:
        if container or previous:
            raise UsageError("--container and --previous go with --pod NS/NAME")
        return None
    ns, _, name = pod.partition("/")
    if not ns or not name or "/" in name:
        raise UsageError(f"--pod {pod!r}: NAMESPACE/NAME")
    return Where(ns, name, container, previous)
