"""``crumbs get KIND [NAME] --at T``: time travel, objects as they were."""

from __future__ import annotations

import sys

import typer
import yaml

from crumbs.app import objects as app
from crumbs.cli.common import (
    CLUSTER_OPTION,
    ObjectOutput,
    emit_json,
    open_store,
)
from crumbs.errors import EXIT_OK
from crumbs.model import Origin, mapping
from crumbs.report.text import clean, console, short_time
from crumbs.timeutil import format_time, humanize_age, parse_time


def get(
    ctx: typer.Context,
    target: str = typer.Argument(..., help="KIND, KIND NAME or KIND/NAME."),
    name: str = typer.Argument(None, help="Object name."),
    namespace: str = typer.Option(
        None, "--namespace", "-n", help="Only this namespace (default: all)."
    ),
    at: str = typer.Option(
        None,
        "--at",
        help="As of this time (RFC 3339, or a duration before the store's newest record). Default: the newest.",
    ),
    cluster: str = CLUSTER_OPTION,
    output: ObjectOutput = typer.Option(
        ObjectOutput.text, "--output", "-o", help="text, json or yaml."
    ),
) -> int:
    """Objects as they were at a time: a table, or the objects themselves (-o json|yaml, like kubectl get)."""
    with open_store(ctx) as store:
        found = app.get(store, target, name, namespace, at, cluster)
    when, revs, unseen = found.at, found.revisions, found.unseen
    if output is not ObjectOutput.text:
        value = found.json()
        if unseen:
            console(stderr=True).print(
                f"{len(unseen)} more existed at {format_time(when)} but were first observed later "
                "(their spec then is unknown): " + clean(", ".join(r.key.display() for r in unseen[:10])),
                style="dim", highlight=False,
            )  # fmt: skip
        if output is ObjectOutput.json:
            emit_json(value)
        else:
            # on a terminal, every character outside ASCII is escaped (bidi overrides and the
            # like are data, not instructions to the terminal); piped, the YAML is verbatim
            unicode = not sys.stdout.isatty()
            sys.stdout.write(yaml.safe_dump(value, sort_keys=False, allow_unicode=unicode))
        return EXIT_OK
    out = console()
    out.print(f"[dim]as of {format_time(when)}[/]")
    if not revs and not unseen:
        out.print("no objects", style="dim")
        return EXIT_OK
    out.print(f"[dim]{'NAMESPACE':<20} {'KIND':<22} {'NAME':<44} {'AGE':>6}  LAST CHANGED[/]")
    rows = [(r, False) for r in revs] + [(r, True) for r in unseen]
    rows.sort(key=lambda row: (row[0].key.namespace, row[0].key.kind, row[0].key.name))
    for r, later in rows:
        created = mapping(r.doc.get("metadata")).get("creationTimestamp")
        born = parse_time(created) if isinstance(created, str) else None
        age = humanize_age(when - born) if born else "?"
        if later:
            changed = f"[dim]first observed {short_time(r.at)}: spec unknown before[/]"
        elif r.origin == Origin.DECLARED:
            changed = f"{short_time(r.at)} [dim](declared: a manifest, not seen running)[/]"
        else:
            changed = short_time(r.at)
        out.print(
            f"{clean(r.key.namespace or '-'):<20} {clean(r.key.kind):<22} {clean(r.key.name):<44} {age:>6}  {changed}"
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("get")(get)
