"""``crumbs logs POD``: the container logs the store keeps (from dumps, archives, `kubectl
logs` files and `watch --logs`), already redacted."""

from __future__ import annotations

import typer

from crumbs.app import logs as logs_app
from crumbs.app.logs import MOST_LINES
from crumbs.cli.common import (
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    open_store,
)
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console, short_time


def logs(
    ctx: typer.Context,
    pod: str = typer.Argument(..., help="The pod: NAME, pod/NAME or NS/NAME."),
    namespace: str = NAMESPACE_OPTION,
    container: str = typer.Option(None, "--container", "-c", help="Only this container."),
    previous: bool = typer.Option(
        False, "--previous", "-p", help="Only the previous containers' logs (before a restart)."
    ),
    at: str = typer.Option(None, "--at", help="Only what was captured up to this time."),
    grep: str = typer.Option(
        None, "--grep", help="Only the lines matching this regular expression."
    ),
    tail: int = typer.Option(
        MOST_LINES, "--tail", min=1, max=100_000, help="The newest lines at the most."
    ),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """The logs kept of a pod: each capture with when it was taken and what time it covers."""
    with open_store(ctx) as store:
        q = logs_app.query(store, pod, namespace, container, previous, at, grep, cluster, tail)
        found_ns, chunks = logs_app.pod_logs(store, q)
    if output is Output.json:
        emit_json(logs_app.as_json(found_ns, q.pod, chunks))
        return EXIT_OK
    out = console()
    for c in chunks:
        which = " (previous container)" if c.previous else ""
        span = (
            f", lines from {short_time(c.first_at)} to {short_time(c.last_at)}"
            if c.first_at is not None and c.last_at is not None
            else ""
        )
        out.print(f"[bold]{clean(f'{c.namespace}/{c.pod} {c.container}'.rstrip())}[/]{which}  "
                  f"[dim]captured {short_time(c.observed_at)}{span} · {clean(c.where)}[/]")  # fmt: skip
        for line in c.text.split("\n") if c.text else []:
            out.print(clean(line), highlight=False)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)
