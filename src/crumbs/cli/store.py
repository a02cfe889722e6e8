"""``crumbs store copy|prune``: moving a store between backends, and forgetting old history."""

from __future__ import annotations

import typer

from crumbs.cli.common import OUTPUT_OPTION, Output, emit_json, open_store, quiet
from crumbs.cli.progress import Progress
from crumbs.errors import EXIT_OK
from crumbs.report.text import clean, console

store_app = typer.Typer(
    help="Look after the store: copy it to another backend, forget old history.",
    no_args_is_help=True,
)


@store_app.command("copy")
def store_copy(
    ctx: typer.Context,
    source: str = typer.Argument(
        ..., help="The store to copy: a path, sqlite:///path or postgresql://…"
    ),
    destination: str = typer.Argument(
        ..., help="A new or empty store: a path, sqlite:///path or postgresql://…"
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Copy a whole store into a new one on any backend (SQLite ⇄ PostgreSQL), then verify it.

    Every table is copied with its keys (citations stay valid) and compared afterwards by
    row count and digest; a copy that does not verify is an error.

    Example: crumbs store copy crumbs.db postgresql://crumbs@db:5432/crumbs"""
    from crumbs.app.maintenance import copy_store

    with Progress("copy", "rows", quiet=quiet(ctx)) as progress:
        copied: dict[str, int] = {}

        def step(table: str, rows: int) -> None:  # rows: the table's so far
            progress.advance(rows - copied.get(table, 0), what=f"copy {table}")
            copied[table] = rows

        doc = copy_store(source, destination, step)
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    rows = sum(t["rows"] for t in doc["tables"])
    console().print(
        f"copied {rows:,} rows in {len(doc['tables'])} tables from {clean(doc['source'])} "
        f"to {clean(doc['destination'])} in {doc['seconds']:.1f}s: verified (rows and digests match)"
    )
    return EXIT_OK


@store_app.command("prune")
def store_prune(
    ctx: typer.Context,
    before: str = typer.Option(
        ...,
        "--before",
        help="Forget history before this time (RFC 3339, a date, or a duration back from the store's clock: 90d).",
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Forget the history before a time, keeping each object's state then.

    Objects keep their newest revision before the cut (a CronJob unchanged for a year keeps
    its spec); Events and audit records before it go, and documents nothing points at. On
    PostgreSQL the cut is the start of that month and whole partitions are dropped.

    Example: crumbs store prune --before 90d"""
    from crumbs.app.maintenance import prune_store
    from crumbs.app.query import parse_time_option

    with open_store(ctx, create=False) as store:
        clock = store.queries.latest_time() or 0
        doc = prune_store(store, parse_time_option(before, "--before", clock))
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    dropped = (
        f", {len(doc['partitionsDropped'])} partitions dropped" if doc["partitionsDropped"] else ""
    )
    console().print(
        f"history now begins {doc['cut']}: forgot {doc['revisionsForgotten']:,} revisions (kept {doc['revisionsKept']:,} "
        f"as their objects' state then), {doc['events']:,} events, {doc['audit']:,} audit records, "
        f"{doc['documents']:,} documents{dropped}"
    )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
