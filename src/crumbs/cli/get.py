"""``crumbs get KIND [NAME] --at T``: time travel, objects as they were, as kubectl prints them."""

from __future__ import annotations

import sys
from enum import StrEnum

import typer
import yaml

from crumbs.app import objects as app
from crumbs.cli.common import (
    ALL_NAMESPACES_OPTION,
    CLUSTER_OPTION,
    ONLY_NAMESPACE_OPTION,
    SELECTOR_OPTION,
    emit_json,
    one_scope,
    open_store,
    paused_gc,
)
from crumbs.errors import EXIT_OK, UsageError
from crumbs.model import Origin, StoredRevision
from crumbs.report import jsonpath, kubectl
from crumbs.report.text import clean, console, plain, plain_block, short_time
from crumbs.timeutil import format_time


class GetOutput(StrEnum):
    text = "text"
    wide = "wide"
    name = "name"
    json = "json"
    yaml = "yaml"
    jsonpath = "jsonpath"


def _output(value: str) -> tuple[GetOutput, str]:
    """``-o`` as kubectl takes it: a format, or ``jsonpath=TEMPLATE``."""
    kind, _, template = value.partition("=")
    try:
        chosen = GetOutput(kind)
    except ValueError:
        raise UsageError(f"-o {value!r}: one of {', '.join(o.value for o in GetOutput)} (jsonpath=TEMPLATE)") from None  # fmt: skip
    if (chosen is GetOutput.jsonpath) != bool(template):
        raise UsageError(f"-o {value!r}: jsonpath takes a template (-o jsonpath='{{.metadata.name}}'), the others none")  # fmt: skip
    return chosen, template


def get(
    ctx: typer.Context,
    target: str = typer.Argument(..., help="KIND, KIND NAME or KIND/NAME."),
    name: str = typer.Argument(None, help="Object name."),
    namespace: str = ONLY_NAMESPACE_OPTION,
    all_namespaces: bool = ALL_NAMESPACES_OPTION,
    selector: str = SELECTOR_OPTION,
    field_selector: str = typer.Option(
        None, "--field-selector", help="Fields: status.phase=Running, spec.nodeName!=node-1."
    ),
    at: str = typer.Option(
        None,
        "--at",
        help="As of this time (RFC 3339, or a duration before the store's newest record). Default: the newest.",
    ),
    cluster: str = CLUSTER_OPTION,
    output_text: str = typer.Option(
        "text",
        "--output",
        "-o",
        help="text (kubectl's columns), wide, name, json, yaml or jsonpath=TEMPLATE.",
    ),
) -> int:
    """Objects as they were at a time: kubectl's table for each kind, or the objects themselves
    (-o json|yaml), as `kubectl get` printed them then."""
    output, template = _output(output_text)
    one_scope(namespace, all_namespaces)
    with open_store(ctx) as store, paused_gc():  # 60k objects decoded: no collector walks
        found = app.get(store, target, name, namespace, at, cluster, selector, field_selector)
    when, revs, unseen = found.at, found.revisions, found.unseen
    err = console(stderr=True)
    if output is GetOutput.jsonpath:
        sys.stdout.write(plain_block(jsonpath.render(template, found.json())))
        return EXIT_OK
    if output in (GetOutput.json, GetOutput.yaml):
        value = found.json()
        if unseen:
            err.print(
                f"{len(unseen)} more existed at {format_time(when)} but were first observed later "
                "(their spec then is unknown): " + clean(", ".join(r.key.display() for r in unseen[:10])),
                style="dim", highlight=False,
            )  # fmt: skip
        if output is GetOutput.json:
            emit_json(value)
        else:
            # on a terminal, every character outside ASCII is escaped (bidi overrides and the
            # like are data, not instructions to the terminal); piped, the YAML is verbatim
            unicode = not sys.stdout.isatty()
            sys.stdout.write(yaml.safe_dump(value, sort_keys=False, allow_unicode=unicode))
        return EXIT_OK
    rows = sorted([(r, False) for r in revs] + [(r, True) for r in unseen],
                  key=lambda row: (row[0].key.kind, row[0].key.cluster, row[0].key.namespace, row[0].key.name))  # fmt: skip
    kinds = list(dict.fromkeys(r.key.kind for r, _ in rows))
    if output is GetOutput.name:
        for r, _ in rows:
            sys.stdout.write(plain(_resource_name(r)) + "\n")
        return EXIT_OK
    err.print(f"as of {format_time(when)}", style="dim", highlight=False)
    if not rows:
        where = f" in {namespace} namespace" if namespace else ""
        err.print(f"No resources found{where} (no objects then).", highlight=False)
        return EXIT_OK
    wide = output is GetOutput.wide
    write = sys.stdout.write  # plain lines (each cell made inert): Rich per line cost 0.1 ms
    for i, kind in enumerate(kinds):
        group = [(r, later) for r, later in rows if r.key.kind == kind]
        if i:
            write("\n")
        write(
            "".join(
                line + "\n"
                for line in _table(group, kind, when, wide, len(kinds) > 1, namespace is None)
            )
        )
    notes = _notes(rows)
    if notes:
        out = console()
        out.print()
        for note in notes:
            out.print(note, style="dim", markup=False, highlight=False)
    return EXIT_OK


def _resource_name(r: StoredRevision) -> str:
    """kubectl's ``-o name``: ``pod/web-1``, ``deployment.apps/billing``."""
    kind = r.key.kind.lower()
    return f"{kind}.{r.key.group}/{r.key.name}" if r.key.group else f"{kind}/{r.key.name}"


def _table(group: list[tuple[StoredRevision, bool]], kind: str, when: int, wide: bool,
           qualified: bool, namespaced: bool) -> list[str]:  # fmt: skip
    """kubectl's tab-aligned table: columns padded by 3, at least 6 wide, the last not padded."""
    show_ns = namespaced and any(r.key.namespace for r, _ in group)
    show_cluster = len({r.key.cluster for r, _ in group}) > 1  # a fleet's store: which cluster
    no_name = kind in kubectl.REPLACES_COLUMNS and not wide
    columns = kubectl.header(kind, wide)
    head = [
        *(["CLUSTER"] if show_cluster else []),
        *(["NAMESPACE"] if show_ns else []),
        *([] if no_name else ["NAME"]),
        *columns,
    ]
    table = [head]
    for r, later in group:
        name = _resource_name(r) if qualified else r.key.name
        if kind == "StorageClass" and kubectl.default_storage_class(r.doc):
            name += " (default)"
        cells = kubectl.cells(kind, r.doc, when, wide)
        if later:  # its state then is unknown: only what does not change (the age) is shown
            cells = [
                c if h == "AGE" else kubectl.UNKNOWN for h, c in zip(columns, cells, strict=False)
            ]
        table.append([*([r.key.cluster] if show_cluster else []), *([r.key.namespace] if show_ns else []),
                      *([] if no_name else [name]), *cells])  # fmt: skip
    table = [[plain(c) for c in row] for row in table]
    widths = [
        max(6, max(len(row[i]) for row in table if i < len(row)) + 3) for i in range(len(head))
    ]
    return ["".join(c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)).rstrip() for row in table]  # fmt: skip


def _notes(rows: list[tuple[StoredRevision, bool]]) -> list[str]:
    """What a kubectl table cannot say: objects first observed later, and manifests."""
    notes = []
    for r, later in rows:
        if later:
            notes.append(
                f"{r.key.display()}: first observed {short_time(r.at)}: spec unknown before"
            )
        elif r.origin == Origin.DECLARED:
            notes.append(
                f"{r.key.display()}: declared (a manifest, not seen running), {short_time(r.at)}"
            )
    return [plain(n) for n in notes]


def register(app: typer.Typer) -> None:
    app.command("get")(get)
