"""``crumbs watch``: record clusters continuously; ``crumbs status``: how the recording goes."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import typer

from crumbs.cli.common import (
    OUTPUT_OPTION,
    SECRET_DIGESTS_OPTION,
    OnOff,
    Output,
    db_path,
    emit_json,
    open_store,
    quiet,
)
from crumbs.cli.progress import wanted as progress_wanted
from crumbs.cli.serve import ALLOWED_HOST_OPTION, HOST_OPTION, PORT_OPTION, TOKEN_OPTION, settings
from crumbs.cli.shipping import SPOOL_OPTION, TO_OPTION, shipper_for, shipping, shipping_lines
from crumbs.cli.stopping import stop_event
from crumbs.errors import EXIT_OK, UsageError
from crumbs.report.text import clean, console, plain
from crumbs.store import Store
from crumbs.timeutil import humanize_age, now_ns

if TYPE_CHECKING:
    from crumbs.cluster.transport import Target

CONTEXT_OPTION = typer.Option(
    None,
    "--context",
    help="A kubeconfig context to record (repeatable: each is its own cluster in the store). Default: the current context, or the in-cluster service account.",
)
KUBECONFIG_OPTION = typer.Option(
    None, "--kubeconfig", help="The kubeconfig file (default: $KUBECONFIG or ~/.kube/config)."
)


def watch(
    ctx: typer.Context,
    context: list[str] = CONTEXT_OPTION,
    kubeconfig: str = KUBECONFIG_OPTION,
    include: list[str] = typer.Option(
        None,
        "--include",
        help="Only these resources (pods, deployments.apps, Deployment; repeatable).",
    ),
    exclude: list[str] = typer.Option(
        None,
        "--exclude",
        help="Not these resources (events, leases.coordination.k8s.io; repeatable).",
    ),
    field_selector: list[str] = typer.Option(
        None,
        "--field-selector",
        help="RESOURCE=SELECTOR: list and watch only the matching objects of a resource "
        "(pods=spec.nodeName=node-1, for a node-local store; repeatable).",
    ),
    rediscover: float = typer.Option(
        60.0,
        "--rediscover",
        min=0.1,
        max=86400,
        help="Seconds between discoveries (new CRDs are followed after at most this).",
    ),
    duration: float = typer.Option(
        0.0,
        "--for",
        min=0,
        max=10**9,
        help="Stop after this many seconds (default: until SIGINT or SIGTERM).",
    ),
    logs: bool = typer.Option(
        False,
        "--logs",
        help="Also capture the log of each container run that fails (non-zero exit, OOMKilled, CrashLoopBackOff): GET pods/log, once per run, rate- and byte-limited.",
    ),
    secret_digests: OnOff = SECRET_DIGESTS_OPTION,
    serve: bool = typer.Option(
        False,
        "--serve",
        help="Also serve the web UI, the API and /metrics from this process (crumbs serve's options below).",
    ),
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
    token_file: str = TOKEN_OPTION,
    allowed_host: list[str] = ALLOWED_HOST_OPTION,
    notify: list[str] = typer.Option(
        None,
        "--notify",
        help="Also tell new error findings (one message per root cause) and their end to the [[notify.routes]] of this name (repeatable).",
    ),
    notify_every: float = typer.Option(
        30.0,
        "--notify-every",
        min=1.0,
        help="With --notify: seconds between looks (a finding is told when seen twice in a row).",
    ),
    to: str = TO_OPTION,
    spool_max_mb: float = SPOOL_OPTION,
) -> int:
    """Record every change of every resource into the store, until interrupted.

    Lists each resource, then watches it; resumes after disconnects, lists again
    after a 410 Gone and records what changed meanwhile. Only get, list and
    watch are ever sent. SIGINT or SIGTERM: what was received is written, then
    it exits with 0.
    """
    from crumbs.cluster.transport import targets

    selectors: dict[str, str] = {}
    for item in field_selector or []:
        resource, eq, selector = item.partition("=")
        if not eq or not resource or not selector:
            raise UsageError(
                f"--field-selector {item!r}: expected RESOURCE=SELECTOR (pods=spec.nodeName=node-1)"
            )
        selectors[resource] = selector
    chosen = targets(context or None, kubeconfig)
    shipper = None
    if to:
        if serve:
            raise UsageError(
                "--to and --serve: a recorder that ships serves nothing (serve the central store)"
            )
        if len(chosen) != 1:
            raise UsageError(
                f"--to: one cluster per recorder (its token names it), not {len(chosen)}"
            )
        shipper = shipper_for(ctx, to, token_file, chosen[0].name, spool_max_mb)
    server = None
    if serve:
        from crumbs.serve.server import Background, Settings

        wanted = settings(ctx, host, port, token_file, allowed_host, False)
        assert isinstance(wanted, Settings)
        Store.open(wanted.db, create=True).close()  # the server reads the store the recorder writes
        server = Background(wanted)
        server.start()
    teller = _finding_teller(ctx, notify, notify_every) if notify else None
    with stop_event(duration) as stop, _stopping(server), _telling(teller, stop), shipping(shipper):
        return _record(
            ctx,
            chosen,
            stop,
            include,
            exclude,
            rediscover,
            selectors,
            secret_digests is OnOff.on,
            logs,
        )


def _finding_teller(ctx: typer.Context, routes: list[str], every: float) -> Any:
    from crumbs.app.findingalerts import FindingAlerts
    from crumbs.notify.config import configured
    from crumbs.redaction import sharing
    from crumbs.settings import config_path

    alerting = configured()
    unknown = [r for r in routes if r not in {x.name for x in alerting.routes}]
    if unknown:
        raise UsageError(
            f"--notify {unknown[0]}: no [[notify.routes]] of that name in {config_path()}"
        )
    return FindingAlerts(alerting, list(routes), sharing()), every, db_path(ctx)


@contextlib.contextmanager
def _telling(teller: Any, stop: threading.Event) -> Iterator[None]:
    """The findings teller on its own thread and store connection, until the recording stops."""
    if teller is None:
        yield
        return
    alerts, every, path = teller

    def run() -> None:
        while not stop.wait(every):
            try:
                with Store.open(path, create=False, redactor=alerts.redactor) as store:
                    alerts.tick(store)
            except Exception as err:  # told, and tried again next time: the recording goes on
                sys.stderr.write(f"crumbs watch: warning: --notify: {type(err).__name__}: {err}\n")

    thread = threading.Thread(target=run, name="crumbs-notify", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join(timeout=every + 30)


@contextlib.contextmanager
def _stopping(server: Any) -> Iterator[None]:
    try:
        yield
    finally:
        if server is not None:
            server.stop()


def _record(
    ctx: typer.Context,
    chosen: list[Target],
    stop: threading.Event,
    include: list[str] | None,
    exclude: list[str] | None,
    rediscover: float,
    selectors: dict[str, str],
    secret_digests: bool,
    logs: bool,
) -> int:
    from crumbs.cluster.podlogs import Limits
    from crumbs.cluster.recorder import Recorder

    out = console(stderr=True)
    tty = progress_wanted(quiet(ctx))  # the live line: a terminal, not -q
    started = time.monotonic()
    store = Store.open(db_path(ctx), create=True)
    names = ", ".join(t.name for t in chosen)
    out.print(f"recording {clean(names)} into {clean(store.shown)} (Ctrl-C to stop)", style="dim")

    def tick(rec: Recorder) -> None:
        if not tty:
            return
        rec_states = [p.state for _, p in rec.progress]
        events = sum(p.events for _, p in rec.progress)
        rate = events / max(time.monotonic() - started, 1e-9)
        out.print(
            f"\r{len(rec_states)} resources ({rec_states.count('watching')} watching) · {events:,} events ({rate:,.0f}/s) · {rec.totals.revisions:,} revisions stored",
            end="",
            style="dim",
        )

    def warn(message: str) -> None:
        out.print(
            ("\n" if tty else "") + f"warning: {plain(message)}", style="yellow", markup=False
        )

    try:
        recorder = Recorder(
            store,
            chosen,
            include or None,
            exclude or None,
            rediscover,
            warn,
            selectors,
            secret_digests,
            Limits() if logs else None,
        )
        totals = recorder.run(stop, tick)
    finally:
        store.close()
    out.print(
        ("\n" if tty else "")
        + f"stopped: {totals.revisions:,} revisions ({totals.unchanged:,} unchanged), {totals.events:,} events, "
        f"{totals.relists} lists, {totals.deleted_while_away} deletions found by relisting"
        + "".join(
            f"; {c.fetched} container logs captured ({c.bytes:,} bytes, {c.failed} failed, {c.dropped + c.over_budget} skipped over the limits)"
            for c in (f.counts for f in recorder.fetchers.values())
        ),
        style="dim",
    )
    return EXIT_OK


def status(
    ctx: typer.Context,
    cluster: str = typer.Option(None, "--cluster", help="Only this cluster."),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Per resource of each recorded cluster: state, last event, lag, errors."""
    from crumbs.app.status import watch_status

    with open_store(ctx) as store:
        rows, doc = watch_status(store, cluster)
    now = now_ns()
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    out = console()
    shipping_lines(out, doc["shipping"])
    if not rows and doc["shipping"]:
        return EXIT_OK
    if not rows:
        out.print(
            f"no watch has recorded into {clean(db_path(ctx))} yet (crumbs watch)", style="dim"
        )
        return EXIT_OK
    out.print(
        f"[dim]{'CLUSTER':<16} {'RESOURCE':<40} {'STATE':<10} {'EVENTS':>8} {'LAST EVENT':>11} {'LAG':>6}  ERRORS[/]"
    )
    for r in rows:
        last = humanize_age(now - r.last_event_at) if r.last_event_at else "-"
        lag = humanize_age(now - r.last_contact_at) if r.last_contact_at else "-"
        style = {"watching": "green", "tracing": "green", "forbidden": "yellow", "retrying": "red"}.get(r.state, "dim")  # fmt: skip
        err = clean(f"{r.errors} ({r.last_error[:60]})") if r.errors else ""
        out.print(
            f"{clean(r.cluster):<16} {clean(r.resource):<40} [{style}]{clean(r.state):<10}[/] {r.events:>8,} {last:>11} {lag:>6}  {err}"
        )
    saved = max(r.updated_at for r in rows)
    out.print(
        f"saved {humanize_age(now - saved)} ago by crumbs watch and crumbs agent (every 2 s while they"
        " run; a node's ERRORS are the events its kernel buffer lost)",
        style="dim",
    )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)
    app.command("status")(status)
