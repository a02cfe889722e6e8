"""``crumbs blame KIND/NAME``: who set each line of an object, and since which revision."""

from __future__ import annotations

import typer

from crumbs.app import blame as app
from crumbs.cli.common import (
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    open_store,
)
from crumbs.errors import EXIT_ERROR, EXIT_OK, NotFoundError, UsageError
from crumbs.formats.reader import read_paths
from crumbs.model import Revision, StoredRevision
from crumbs.report import blame as render
from crumbs.report.text import clean, console
from crumbs.trail.blame import blame as blame_object


def blame(
    ctx: typer.Context,
    target: str = typer.Argument(
        None, help="KIND/NAME, e.g. deploy/billing (with -f: only this object of the files)."
    ),
    name: str = typer.Argument(None, hidden=True),
    namespace: str = NAMESPACE_OPTION,
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    files: list[str] = typer.Option(
        None,
        "--filename",
        "-f",
        help="Blame the objects in these files (or -) instead of the store.",
    ),
    cluster: str = CLUSTER_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """The object as YAML with, per line, the manager, operation and time that last set it and the revision since which it holds."""
    if files:
        return _from_files(files, target, name, output)
    if target is None:
        raise UsageError("give KIND/NAME, or -f FILE")
    with open_store(ctx) as store:
        found = app.blame(store, target, name, namespace, at, cluster)
    if output is Output.json:
        emit_json(found.json())
        return EXIT_OK
    _print(found.current, found.result, history=True)
    return EXIT_OK


def _from_files(files: list[str], target: str | None, name: str | None, output: Output) -> int:
    wanted = None
    if target:
        kind, _, nm = target.partition("/")
        wanted = (kind.lower(), nm or name)
    found = []
    problems = []
    for rec in read_paths(files):
        if isinstance(rec, Revision):
            if wanted and (
                wanted[0] not in (rec.key.kind.lower(), rec.key.kind.lower() + "s")
                or (wanted[1] and rec.key.name != wanted[1])
            ):
                continue
            found.append(rec)
        elif hasattr(rec, "message"):
            problems.append(str(rec))
    if output is Output.json:
        emit_json(
            [
                render.as_json(blame_object(r.doc), r.key, r.uid, r.doc.get("apiVersion"), None)
                for r in found
            ]
        )
    else:
        out = console()
        for i, rec in enumerate(found):
            if i:
                out.print("---")
            _print(rec, blame_object(rec.doc), history=False)
    for p in problems:
        console(stderr=True).print(f"[red]rejected[/] {clean(p)}")
    if not found and not problems:
        raise NotFoundError("no object to blame in the given files")
    return EXIT_ERROR if problems else EXIT_OK


def _print(rev: Revision | StoredRevision, result: object, history: bool) -> None:
    out = console()
    from crumbs.trail.blame import Blame

    assert isinstance(result, Blame)
    for problem in result.problems:
        out.print(f"[yellow]attribution unknown: {clean(problem)}[/]")
    if not result.managers:
        out.print(
            "[yellow]no managedFields: nothing to blame (the API server records them since Kubernetes 1.18)[/]"
        )
    for line in render.as_text(result, history):
        out.print(line)


def register(app: typer.Typer) -> None:
    app.command("blame")(blame)
