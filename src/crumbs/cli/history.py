"""``crumbs history KIND/NAME``: every revision of one object, with what each changed."""

from __future__ import annotations

import typer

from crumbs.app import history as app
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


def history(
    ctx: typer.Context,
    target: str = typer.Argument(..., help="KIND/NAME, e.g. deploy/billing."),
    name: str = typer.Argument(None, hidden=True),
    namespace: str = NAMESPACE_OPTION,
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Every revision of an object (all its incarnations), oldest first."""
    with open_store(ctx) as store:
        found = app.history(store, target, name, namespace, cluster)
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    out = console()
    revs = found.revisions
    out.print(f"[bold]{clean(revs[-1].key.display())}[/]  {len(revs)} revisions")
    out.print(f"[dim]{'REV':>4}  {'ID':>8}  {'AT (UTC)':<19}  {'TYPE':<8}  SUMMARY[/]")
    for c in found.changes:
        r = c.revision
        out.row(
            f"{r.ordinal:>4}  {r.id:>8}  {short_time(r.at):<19}  {r.type.name:<8}  {clean(c.summary)}"
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("history")(history)
