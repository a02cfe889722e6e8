"""``crumbs agent``: what runs and talks on this node, tied to pods; ``crumbs activity``: read it back."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from functools import partial

import typer

from crumbs.activity import TYPES, NodeEvent
from crumbs.app.activity import activity as app_activity
from crumbs.cli.common import (
    ALL_NAMESPACES_OPTION,
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    db_path,
    emit_json,
    one_scope,
    open_store,
    selector_option,
)
from crumbs.cli.shipping import SPOOL_OPTION, TO_OPTION, shipper_for, shipping
from crumbs.cli.stopping import stop_event
from crumbs.errors import EXIT_OK, UsageError
from crumbs.report.text import clean, console
from crumbs.timeutil import format_time, parse_duration


def agent(
    ctx: typer.Context,
    node: str = typer.Option(
        None, "--node", help="This node's name (default: $NODE_NAME, else the host name)."
    ),
    cluster: str = typer.Option(
        None,
        "--cluster",
        envvar="CRUMBS_CLUSTER_NAME",
        help="The cluster's name in the store, as `crumbs watch` wrote it (default: the store's only cluster, else default).",
    ),
    output: str = typer.Option(
        None, "--output", help="Also write events as JSON lines to this file (- for stdout)."
    ),
    no_store: bool = typer.Option(
        False, "--no-store", help="Do not write into the store (with --output)."
    ),
    retain: int = typer.Option(
        1_000_000, "--retain", min=1, help="Raw events kept in the store (rollups stay)."
    ),
    retain_for: str = typer.Option(
        None,
        "--retain-for",
        help="Also drop raw events older than this (7d, 12h); rollups stay.",
    ),
    pods_every: float = typer.Option(
        5.0,
        "--pods-every",
        min=0.1,
        max=86400,
        help="Seconds between re-reads of the store's Pods.",
    ),
    pod_ttl: float = typer.Option(
        300.0,
        "--pod-ttl",
        min=0,
        max=86400 * 30,
        help="Seconds a deleted pod still attributes late events.",
    ),
    duration: float = typer.Option(
        0.0,
        "--for",
        min=0,
        max=10**9,
        help="Stop after this many seconds (default: until SIGINT/SIGTERM).",
    ),
    bpftrace: str = typer.Option("bpftrace", "--bpftrace", help="The bpftrace binary."),
    loader: str = typer.Option(
        "auto",
        "--loader",
        help="auto (libbpf when its compiled probes are there, else bpftrace), libbpf or bpftrace.",
    ),
    bpf_object: str = typer.Option(
        None,
        "--bpf-object",
        envvar="CRUMBS_BPF_OBJECT",
        help="The libbpf loader's compiled probes (default: the ones `make bpf` built).",
    ),
    ring_mb: int = typer.Option(
        None,
        "--ring-mb",
        help="libbpf loader: each ring buffer's size in MiB, a power of 2 (default 16, 8 for processes: ~0.65 s of DNS at 100k/s if the agent stalls; it must hold more than the 20 ms the reader may sleep).",
    ),
    to: str = TO_OPTION,
    token_file: str = typer.Option(
        None, "--token-file", help="With --to: the file holding this cluster's ingest token."
    ),
    spool_max_mb: float = SPOOL_OPTION,
) -> int:
    """Trace exec, exit, TCP connect/accept and DNS on this node with eBPF; tie each to its pod.

    Runs as root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN). Pods are matched by
    cgroup against the Pods in the store (run `crumbs watch` into the same
    store). Events go into the store (raw, bounded by --retain, plus per-minute
    rollups) and/or as JSON lines that `crumbs ingest` reads.
    """
    max_age = None
    if retain_for is not None:
        max_age = parse_duration(retain_for)
        if not max_age:
            raise UsageError(f"--retain-for {retain_for!r}: not a duration (like 7d, 12h, 90m)")
    if no_store and not output:
        raise UsageError("--no-store needs --output (else the events go nowhere)")
    if ring_mb is not None and (ring_mb < 1 or ring_mb > 1024 or ring_mb & (ring_mb - 1)):
        raise UsageError(f"--ring-mb {ring_mb}: a power of 2 from 1 to 1024")
    if to and no_store:
        raise UsageError("--to ships from the store (the spool): not with --no-store")
    shipper = None
    if to:
        from crumbs.store import Store

        with Store.open(db_path(ctx), create=True) as spool:
            known = spool.queries.clusters()
        name = cluster or (known[0] if len(known) == 1 else "default")
        shipper = shipper_for(ctx, to, token_file, name, spool_max_mb)
    options = TraceOptions(node, cluster, output, no_store, retain, max_age, bpftrace, loader,
                           bpf_object, pods_every, pod_ttl, ring_mb)  # fmt: skip
    with stop_event(duration) as stop, shipping(shipper):
        return _trace(ctx, stop, options)


@dataclass(frozen=True)
class TraceOptions:
    node: str | None
    cluster: str | None
    output: str | None
    no_store: bool
    retain: int
    max_age: int | None
    bpftrace: str
    loader: str
    bpf_object: str | None
    pods_every: float
    pod_ttl: float
    ring_mb: int | None


def _trace(ctx: typer.Context, stop: threading.Event, o: TraceOptions) -> int:
    from crumbs.agent.pipeline import JsonLinesSink, Sink
    from crumbs.agent.run import node_name, run_agent, store_pods
    from crumbs.agent.status import save_node_status
    from crumbs.store import Store

    err = console(stderr=True)
    sinks: list[Sink] = []
    cluster = o.cluster
    store = None if o.no_store else Store.open(db_path(ctx), create=True)
    if store is not None:
        if cluster is None:
            known = store.queries.clusters()
            cluster = known[0] if len(known) == 1 else "default"
        sinks.append(store.activity_writer(cluster, o.retain, o.max_age))
    if o.output == "-":
        sinks.append(JsonLinesSink(sys.stdout.buffer))
    elif o.output:
        sinks.append(JsonLinesSink(open(o.output, "ab"), close=True))  # noqa: SIM115 - the sink closes it
    name = node_name(o.node)
    progress = None
    if store is not None and cluster is not None:
        progress = partial(save_node_status, store, cluster, name)
    try:
        stats = run_agent(
            sinks,
            name,
            stop,
            pods=store_pods(store, cluster) if store is not None else None,
            bpftrace=o.bpftrace,
            on_ready=lambda: err.print(
                f"tracing node {clean(name)}"
                + (f" into {clean(store.shown)}" if store else "")
                + " (Ctrl-C to stop)",
                style="dim",
                highlight=False,
            ),
            pods_every=o.pods_every,
            ttl=o.pod_ttl,
            loader=o.loader,
            bpf_object=o.bpf_object,
            on_progress=progress,
            ring_mb=o.ring_mb,
        )
        if progress is not None:
            progress(stats, "stopped")
    finally:
        if store is not None:
            store.close()
    kinds = ", ".join(f"{n:,} {t}" for t, n in sorted(stats.by_type.items())) or "none"
    err.print(
        f"stopped: {stats.events:,} events ({kinds}) in {stats.seconds:.1f}s with {stats.loader}; "
        f"{stats.lost:,} lost, {stats.unattributed:,} not yet attributed",
        style="dim",
        highlight=False,
    )
    return EXIT_OK


def activity(
    ctx: typer.Context,
    namespace: str = NAMESPACE_OPTION,
    all_namespaces: bool = ALL_NAMESPACES_OPTION,
    selector: str = selector_option(
        "Only pods with these labels (app=web, env in (prod,qa)) in any of their stored revisions."
    ),
    pod: str = typer.Option(None, "--pod", help="Only this pod."),
    node: str = typer.Option(None, "--node", help="Only this node."),
    types: list[str] = typer.Option(
        None, "--type", "-t", help=f"Only these ({', '.join(TYPES)}; repeatable)."
    ),
    since: str = typer.Option(
        None, "--since", help="Only since (RFC 3339, or a duration back from now: 1h)."
    ),
    rollups: bool = typer.Option(False, "--rollups", help="Per-minute counts instead of events."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many (the newest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """What ran and talked on the nodes: execs, exits, connects, accepts, DNS, by pod."""
    one_scope(namespace, all_namespaces)
    with open_store(ctx) as store:
        found = app_activity(store, namespace=namespace, pod=pod, node=node, types=types or (),
                             since=since, rollups=rollups, limit=limit, cluster=cluster,
                             labels=selector)  # fmt: skip
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    if found.rollups is not None:
        out = console()
        for r in found.rollups:
            where = f"{r.namespace}/{r.pod}" if r.namespace else r.pod
            out.row(
                f"{format_time(r.minute, precise=False)}  {clean(r.type):<7} {clean(where):<40} "
                f"{clean(r.subject):<40} {clean(r.result):<12} {r.count:>7,}"
            )
        return EXIT_OK
    events = found.events
    out = console()
    if not events:
        out.print(
            "no node events in the store (crumbs agent, or crumbs ingest of agent/Tetragon/Inspektor Gadget/Hubble output)",
            style="dim",
        )
    for e in events:
        out.row(
            f"{format_time(e.at, precise=False)}  {clean(e.node):<12} {clean(e.type):<7} {clean(e.where):<36} {clean(_what(e))}"
        )
    return EXIT_OK


def _what(e: NodeEvent) -> str:
    """The table's last column: the event without its where (the columns before say it)."""
    if e.type == "exec":
        return f"{e.binary} {' '.join(e.args[1:])}".strip()
    if e.type == "exit":
        return f"{e.comm} {e.result}"
    if e.type == "connect":
        dialed = e.dialed if e.dialed and e.dialed != f"{e.daddr}:{e.dport}" else ""
        return f"{e.comm} → {e.daddr}:{e.dport} {e.outcome}" + (
            f" (dialed {dialed})" if dialed else ""
        )
    if e.type == "accept":
        return f"{e.saddr}:{e.sport} → :{e.dport}"
    return f"{e.comm} {e.qname} {e.qtype} {e.rcode or 'query'} {' '.join(e.answers)}".rstrip()


def register(app: typer.Typer) -> None:
    app.command("agent")(agent)
    app.command("activity")(activity)
