"""``crumbs diff KIND/NAME``: what changed between two revisions of an object."""

from __future__ import annotations

import typer
import yaml

from crumbs.app import diff as app
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
from crumbs.trail.noise import strip_noise
from crumbs.trail.unified import unified_yaml_diff


def diff(
    ctx: typer.Context,
    target: str = typer.Argument(..., help="KIND/NAME, e.g. deploy/billing."),
    name: str = typer.Argument(None, hidden=True),
    namespace: str = NAMESPACE_OPTION,
    start: str = typer.Option(
        None,
        "--from",
        help="Older revision: number, -N from the end, or #ID (default: the one before --to).",
    ),
    end: str = typer.Option("-1", "--to", help="Newer revision (default: the latest)."),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """The change between two revisions, noise removed: a summary, a YAML diff, or an RFC 6902 patch (-o json)."""
    with open_store(ctx) as store:
        found = app.diff(store, target, name, namespace, start, end, cluster)
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    old, new, ch = found.old, found.new, found.change
    out = console()
    frm = f"rev {old.ordinal} ({short_time(old.at)})" if old else "nothing"
    out.print(
        f"[bold]{clean(new.key.display())}[/]  {frm} → rev {new.ordinal} ({short_time(new.at)})"
    )
    out.print(f"[bold]{clean(ch.summary)}[/]")
    before = yaml.safe_dump(strip_noise(old.doc), sort_keys=True) if old else ""
    after = yaml.safe_dump(strip_noise(new.doc), sort_keys=True)
    for line in unified_yaml_diff(before, after):
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@")
            else ""
        )
        out.print(clean(line), style=style or None)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
