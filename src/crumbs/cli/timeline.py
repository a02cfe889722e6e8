"""``crumbs timeline``: changes and events interleaved in time order."""

from __future__ import annotations

import typer

from crumbs.app import timeline as app
from crumbs.cli.common import (
    ALL_NAMESPACES_OPTION,
    CLUSTER_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    one_scope,
    open_store,
    selector_option,
)
from crumbs.errors import EXIT_OK
from crumbs.report import timeline as report
from crumbs.report.text import console

SINCE_OPTION = typer.Option(None, "--since", help="Only the last DURATION (2h, 30m, 7d) before the store's newest record.")  # fmt: skip
FROM_OPTION = typer.Option(
    None, "--from", help="From this time (RFC 3339, a date, or a duration ago)."
)
TO_OPTION = typer.Option(None, "--to", help="Up to this time.")
NAMESPACE_ONLY = typer.Option(None, "--namespace", "-n", help="Only this namespace.")
KIND_OPTION = typer.Option(None, "--kind", help="Only these kinds (repeatable; deploy, Deployment, cronjobs.batch).")  # fmt: skip


def timeline(
    ctx: typer.Context,
    since: str = SINCE_OPTION,
    start: str = FROM_OPTION,
    end: str = TO_OPTION,
    namespace: str = NAMESPACE_ONLY,
    all_namespaces: bool = ALL_NAMESPACES_OPTION,
    selector: str = selector_option(
        "Only objects with these labels (app=web, env in (prod,qa)): their changes, and the Events, logs and node events of those that match."
    ),
    kind: list[str] = KIND_OPTION,
    cluster: str = CLUSTER_OPTION,
    noise: bool = typer.Option(
        False, "--noise", help="Also show revisions that only moved heartbeats or resourceVersion."
    ),
    no_events: bool = typer.Option(False, "--no-events", help="Changes only."),
    channel: list[str] = typer.Option(
        None,
        "--channel",
        help="Only changes made through these channels (repeatable): human, helm, gitops, iac, controller, operator, unknown. Events are left out.",
    ),
    actor: list[str] = typer.Option(
        None,
        "--actor",
        help="Only changes whose manager, user or tool contains this word (repeatable: kubectl, helm, alice).",
    ),
    activity: bool = typer.Option(
        False,
        "--activity",
        help="Also what the nodes saw that nobody recorded: exec sessions, package managers and editors in containers, host cron jobs, failed connects, DNS errors.",
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Changes (with a one-line summary each) and Events, oldest first."""
    one_scope(namespace, all_namespaces)
    with open_store(ctx) as store:
        found = app.timeline(store, since=since, start=start, end=end, namespace=namespace, kinds=kind or (),
                             cluster=cluster, noise=noise, events=not no_events, channels=channel or (), activity=activity,
                             actors=actor or (), labels=selector)  # fmt: skip
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    entries = found.entries
    out = console()
    for line in report.as_lines(entries):
        out.row(line)
    if not entries:
        out.print("nothing in this window", style="dim")
    return EXIT_OK


def events(
    ctx: typer.Context,
    since: str = SINCE_OPTION,
    start: str = FROM_OPTION,
    end: str = TO_OPTION,
    namespace: str = NAMESPACE_ONLY,
    kind: list[str] = KIND_OPTION,
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Events (and container log captures), oldest first: the timeline without its changes."""
    with open_store(ctx) as store:
        found = app.timeline(store, since=since, start=start, end=end, namespace=namespace, kinds=kind or (),
                             cluster=cluster, changes=False)  # fmt: skip
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    out = console()
    for line in report.as_lines(found.entries):
        out.row(line)
    if not found.entries:
        out.print("no Events in this window", style="dim")
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("timeline")(timeline)
    app.command("events")(events)
