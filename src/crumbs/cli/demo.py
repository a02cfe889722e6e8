"""``crumbs demo``: the bundled incident, loaded into a fresh store and explained."""

from __future__ import annotations

import os
import tempfile
from importlib import resources

import typer

from crumbs.analyze import registry
from crumbs.analyze.scan import Options, run
from crumbs.analyze.view import ClusterView
from crumbs.app.timeline import collect
from crumbs.cli.common import OUTPUT_OPTION, Output, emit_json, paused_gc
from crumbs.errors import EXIT_OK, InputError
from crumbs.formats.reader import read_bytes
from crumbs.model import Event, HelmRelease, Problem, Revision, Severity
from crumbs.report import findings
from crumbs.report import timeline as report
from crumbs.report.text import console
from crumbs.store import Store
from crumbs.store.source import StoreSource

RECORDING = "incident.jsonl"


def recording() -> bytes:
    return resources.files("crumbs.demo").joinpath(RECORDING).read_bytes()


def load(store: Store) -> None:
    with paused_gc(), store.writer() as writer:
        for rec in read_bytes(recording(), f"crumbs/demo/{RECORDING}", cluster="demo"):
            if isinstance(rec, (Revision, Event, HelmRelease)):
                writer.add(rec)
            elif isinstance(rec, Problem):
                raise InputError(rec.where, rec.message)


def demo(
    ctx: typer.Context,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Load the bundled incident (a Helm app patched by hand, a CronJob still firing the old image) and show its timeline."""
    explicit = (ctx.find_root().obj or {}).get("db")
    path = explicit or os.path.join(tempfile.mkdtemp(prefix="crumbs-demo-"), "demo.db")
    with Store.open(path, create=True) as store:
        path = store.shown
        load(store)
        entries = collect(store.queries, None, None)
        clock = store.queries.latest_time() or 0
        view = ClusterView(StoreSource(store.queries), clock)
        found = run(view, registry.choose(), Options(min_severity=Severity.WARNING))
    if output is Output.json:
        emit_json(
            {
                "store": path,
                "timeline": report.as_json(entries),
                "scan": findings.as_json(clock, found),
            }
        )
        return EXIT_OK
    out = console()
    out.print(
        "[bold]The incident[/]: checkout returns 503 and the invoice run fails since 14:30. What changed?\n"
    )
    for line in report.as_lines(entries):
        out.print(line)
    out.print("\n[bold]What broke, and why[/] (crumbs scan):")
    for line in findings.as_text(clock, found):
        out.print(line)
    out.print(f"\n[dim]The store is at {path}. Explore it:[/]")
    for cmd in (
        "why svc/checkout",
        "drift",
        "history deploy/billing -n shop",
        "diff deploy/billing -n shop",
        "get cronjob -n shop --at 2026-11-27T14:00:00Z -o yaml",
        "timeline --since 1h",
    ):
        out.print(f"  crumbs --db {path} {cmd}", highlight=False)
    out.print(
        "[dim]Or in a browser (the timeline, objects, findings, the copilot; then http://127.0.0.1:8484/):[/]"
    )
    out.print(f"  crumbs --db {path} serve", highlight=False)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
