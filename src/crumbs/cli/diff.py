"""``crumbs diff KIND/NAME``: what changed between two revisions of an object."""

from __future__ import annotations

import typer
import yaml

from crumbs.cli.common import (
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    object_selector,
    open_store,
)
from crumbs.errors import EXIT_OK, UsageError
from crumbs.model import StoredRevision
from crumbs.report.shapes import object_ref, revision_ref
from crumbs.report.text import clean, console, short_time
from crumbs.trail.diff import change
from crumbs.trail.noise import strip_noise
from crumbs.trail.unified import unified_yaml_diff


def pick(revs: list[StoredRevision], text: str, option: str) -> StoredRevision:
    """A revision by ordinal (``3``), from the end (``-1`` is the latest) or by id (``#1234``)."""
    text = text.strip()
    try:
        if text.startswith("#"):
            rid = int(text[1:])
            for r in revs:
                if r.id == rid:
                    return r
            raise UsageError(f"{option} {text}: no revision with that id in this object's history")
        n = int(text)
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected a revision number (3, -1) or id (#1234)"
        ) from None
    if n == 0 or abs(n) > len(revs):
        raise UsageError(f"{option} {text}: the object has revisions 1 to {len(revs)}")
    return revs[n - 1] if n > 0 else revs[n]


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
        revs = store.queries.history(object_selector(store, target, namespace, cluster, name))
    new = pick(revs, end, "--to")
    if start is not None:
        old: StoredRevision | None = pick(revs, start, "--from")
    else:
        old = revs[new.ordinal - 2] if new.ordinal > 1 else None
    if old is not None and (old.at, old.id) > (new.at, new.id):
        old, new = new, old
    ch = change(new, old)
    if output is Output.json:
        emit_json(
            {
                "object": object_ref(new.key, new.uid, new.doc.get("apiVersion")),
                "from": revision_ref(old) if old else None,
                "to": revision_ref(new),
                "summary": ch.summary,
                "paths": list(ch.paths),
                "patch": ch.patch,
            }
        )
        return EXIT_OK
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
