"""``crumbs scan`` and ``crumbs why``: what is broken, and which changes most likely caused it."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum

import typer

from crumbs.analyze import registry
from crumbs.analyze.registry import Analyzer
from crumbs.app import diagnose
from crumbs.cli.ask import (
    ANONYMIZE_OPTION,
    LLM_OPTION,
    MODEL_OPTION,
    answer_question,
)
from crumbs.cli.common import (
    CLUSTER_OPTION,
    NAMESPACE_OPTION,
    OUTPUT_OPTION,
    Output,
    emit_json,
    open_store,
    paused_gc,
    quiet,
)
from crumbs.cli.progress import Progress
from crumbs.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from crumbs.explain.choose import choose_model
from crumbs.explain.loop import BUDGET
from crumbs.model import Finding, Severity
from crumbs.report import findings as report
from crumbs.report.text import clean, clean_block, console, plain
from crumbs.store import Store


class ScanOutput(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _exit_code(found: list[Finding]) -> int:
    return EXIT_FINDINGS if any(f.severity == Severity.ERROR for f in found) else EXIT_OK


def _emit(at: int, found: list[Finding], output: ScanOutput | Output) -> None:
    if output == "json":
        emit_json(report.as_json(at, found))
    elif output == "markdown":
        sys.stdout.write(report.as_markdown(at, found))
    else:
        out = console()
        for line in report.as_text(at, found):
            out.print(line)


PLUGIN_OPTION = typer.Option(
    None,
    "--plugin",
    help="Also this WebAssembly analyzer (a .wasm or .wat module, or a directory of them; repeatable). "
    "Plugins in $CRUMBS_PLUGINS or ~/.config/crumbs/plugins always run.",
)
ALLOW_DIRS_OPTION = typer.Option(
    False,
    "--plugin-allow-dirs",
    help="Let plugins whose manifest asks for host directories read them (WASI, read-only).",
)


def plugins(paths: list[str] | None, allow_dirs: bool) -> list[Analyzer]:
    from crumbs.plugins.loader import load_all

    return list(load_all(paths, allow_dirs))


def scan(
    ctx: typer.Context,
    namespace: str = typer.Option(
        None, "--namespace", "-n", help="Only findings about this namespace."
    ),
    at: str = typer.Option(
        None,
        "--at",
        help="As of this time (default: the newest time the store has seen, never the wall clock).",
    ),
    selector: str = typer.Option(
        None,
        "--selector",
        "-l",
        help="Only findings whose object matches these labels (app=web,tier!=db).",
    ),
    analyzer: list[str] = typer.Option(
        None, "--analyzer", "-a", help="Only these analyzers (repeatable)."
    ),
    disable: list[str] = typer.Option(None, "--disable", help="Not these analyzers (repeatable)."),
    profile: str = typer.Option(
        "default",
        "--profile",
        help="default (what is broken or about to be) or lint (also hygiene and security settings).",
    ),
    severity: str = typer.Option(
        "info", "--severity", help="Lowest severity shown: error, warning or info."
    ),
    cluster: str = CLUSTER_OPTION,
    output: ScanOutput = typer.Option(
        ScanOutput.text, "--output", "-o", help="text, json (the documented contract) or markdown."
    ),
    live: bool = typer.Option(
        False,
        "--live",
        help="List the cluster now (kubeconfig or in-cluster) and scan that, not the store.",
    ),
    context: list[str] = typer.Option(
        None, "--context", help="With --live: the kubeconfig context (repeatable)."
    ),
    kubeconfig: str = typer.Option(None, "--kubeconfig", help="With --live: the kubeconfig file."),
    logs: bool = typer.Option(
        False,
        "--logs",
        help="With --live: also read the logs of the failed container runs it finds (GET pods/log; 100 at most).",
    ),
    plugin: list[str] = PLUGIN_OPTION,
    allow_dirs: bool = ALLOW_DIRS_OPTION,
) -> int:
    """What is broken (or about to be), and for each problem the changes that most likely caused it.

    Exit code 0 when there is no finding at error severity, 3 when there is one.
    """
    if live and at:
        raise UsageError("--at and --live: a live scan is of now")
    if not live and (context or kubeconfig or logs):
        raise UsageError("--context, --kubeconfig and --logs go with --live")
    extra = plugins(plugin, allow_dirs)
    diagnose.analyzers_for(analyzer or None, disable or (), extra, profile, severity)
    with ExitStack() as stack:
        if live:
            store = stack.enter_context(_live_store(context or None, kubeconfig, logs))
        else:
            store = stack.enter_context(open_store(ctx))
        stack.enter_context(paused_gc())
        with Progress("scan", "analyzers", quiet=quiet(ctx)) as progress:
            found = diagnose.scan(store, at=at, namespace=namespace, selector=selector, analyzers=analyzer or None,
                                  disable=disable or (), plugins=extra, profile=profile, severity=severity,
                                  cluster=cluster, on_analyzer=lambda name: progress.advance(what=f"scan: {name}"))  # fmt: skip
    _emit(found.at, found.findings, output)
    return _exit_code(found.findings)


@contextmanager
def _live_store(contexts: list[str] | None, kubeconfig: str | None, logs: bool) -> Iterator[Store]:
    """A temporary store holding one list of the live cluster(s) (and the failed runs' logs)."""
    from crumbs.cluster.snapshot import SCAN_LOGS, snapshot
    from crumbs.cluster.transport import targets

    chosen = targets(contexts, kubeconfig)
    err = console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="crumbs-live-") as tmp:
        store = Store.open(os.path.join(tmp, "live.db"))
        try:
            snapshot(
                store,
                chosen,
                warn=lambda m: err.print(f"warning: {plain(m)}", style="yellow", markup=False),
                logs=SCAN_LOGS if logs else None,
            )
            yield store
        finally:
            store.close()


def why(
    ctx: typer.Context,
    target: str = typer.Argument(..., help="KIND/NAME: the object something is wrong with."),
    name: str = typer.Argument(None, hidden=True),
    namespace: str = NAMESPACE_OPTION,
    at: str = typer.Option(None, "--at", help="As of this time (default: the store's newest)."),
    cluster: str = CLUSTER_OPTION,
    explain: bool = typer.Option(
        False, "--explain", help="Then explain it in plain language (crumbs ask about this object)."
    ),
    llm: str = LLM_OPTION,
    model: str = MODEL_OPTION,
    anonymize: bool = ANONYMIZE_OPTION,
    plugin: list[str] = PLUGIN_OPTION,
    allow_dirs: bool = ALLOW_DIRS_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """The findings about one object (or about what it owns or serves), each with its ranked causes.

    With --explain, the copilot then explains them (offline unless a model is configured).
    """
    with open_store(ctx) as store, paused_gc():
        result = diagnose.why(store, target, name=name, namespace=namespace, at=at, cluster=cluster,
                              plugins=plugins(plugin, allow_dirs))  # fmt: skip
    when, chosen = result.at, result.findings
    if not explain:
        _emit(when, chosen, output)
        return _exit_code(chosen)
    where = f" in namespace {result.namespace}" if result.namespace else ""
    question = f"Why is {target}{where} failing? What is wrong, what changed, who changed it, and what to do?"
    answer = answer_question(ctx, question, choose_model(llm, model, anonymize, False), BUDGET)
    if output == "json":
        emit_json(
            {
                **report.as_json(when, chosen),
                "explanation": {
                    "answer": answer.text,
                    "trace": answer.trace_id,
                    "unverified": answer.unverified,
                },
            }
        )
    else:
        _emit(when, chosen, output)
        out = console()
        out.print("\n[bold]explanation[/]")
        out.print(clean_block(answer.text))
        out.print(f"[dim]trace {answer.trace_id}: crumbs trace show {answer.trace_id}[/]")
    return _exit_code(chosen)


def analyzers(plugin: list[str] = PLUGIN_OPTION, output: Output = OUTPUT_OPTION) -> int:
    """The analyzers scan runs: name, the kinds each looks at, what it finds, its profile (plugins included)."""
    found = registry.choose(extra=plugins(plugin, False), profile="lint")
    rows = [
        {
            "name": a.name,
            "kinds": list(a.kinds),
            "description": a.description,
            "profile": registry.profile_of(a),
        }
        for a in sorted(found, key=lambda a: (a.name.startswith("wasm:"), a.name))
    ]
    if output is Output.json:
        emit_json({"analyzers": rows})
        return EXIT_OK
    out = console()
    for row in rows:
        out.print(
            f"[bold]{clean(row['name']):<12}[/] {clean(row['description'])}  [dim]({clean(', '.join(row['kinds']))})"
            + (f" profile {row['profile']}" if row["profile"] != "default" else "")
            + "[/]"
        )
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
    app.command("why")(why)
    app.command("analyzers")(analyzers)
