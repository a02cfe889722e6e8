"""``crumbs ask`` and ``crumbs trace``: the copilot, and the record of how it reached each answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from crumbs.app.query import copilot_clock
from crumbs.cli.common import OUTPUT_OPTION, Output, emit_json, open_store
from crumbs.errors import EXIT_OK, CrumbsError, UsageError
from crumbs.explain.choose import choose_model
from crumbs.explain.model import Model, ModelError
from crumbs.explain.steps import step_text

if TYPE_CHECKING:
    from crumbs.explain.loop import Answer
from crumbs.report.text import clean, clean_block, console
from crumbs.timeutil import format_time

LLM_OPTION = typer.Option(
    None,
    "--llm",
    help="An OpenAI-compatible endpoint: https://api.openai.com/v1, http://localhost:11434/v1 (default: CRUMBS_LLM_URL, the config file, or offline).",
)
MODEL_OPTION = typer.Option(
    None,
    "--model",
    help="The model at that endpoint (default: CRUMBS_LLM_MODEL or the config file).",
)
ANONYMIZE_OPTION = typer.Option(
    None,
    "--anonymize/--no-anonymize",
    help="Replace namespace and object names before anything is sent (put back in the answer).",
)
OFFLINE_OPTION = typer.Option(
    False, "--offline", help="The offline explainer, even when a model is configured."
)
BUDGET_OPTION = typer.Option(
    24_000,
    "--budget",
    min=1_000,
    max=10_000_000,
    help="Tokens per model request (tool outputs are trimmed to fit).",
)


def ask(
    ctx: typer.Context,
    question: str = typer.Argument(
        ..., help="The question, in your words: why is checkout returning 503?"
    ),
    budget: int = BUDGET_OPTION,
    llm: str = LLM_OPTION,
    model: str = MODEL_OPTION,
    anonymize: bool = ANONYMIZE_OPTION,
    offline: bool = OFFLINE_OPTION,
    output: Output = OUTPUT_OPTION,
) -> int:
    """Answer a question about the cluster from the store, citing the evidence; every step is recorded.

    Without a model configured, the offline explainer answers from the findings,
    their causes and the history of what changed, and says so.
    """
    answer = answer_question(ctx, question, choose_model(llm, model, anonymize, offline), budget)
    if output is Output.json:
        emit_json(answer.json())
        return EXIT_OK
    out = console()
    out.print(clean_block(answer.text))
    out.print(f"\n[dim]trace {answer.trace_id}: crumbs trace show {answer.trace_id}[/]")
    return EXIT_OK


def answer_question(ctx: typer.Context, question: str, model: Model, budget: int) -> Answer:
    from crumbs.explain.loop import ask as run

    with open_store(ctx) as store:
        try:
            return run(store, question, model, copilot_clock(store), budget)
        except ModelError as err:
            raise CopilotError(
                f"{err} (the trace keeps what happened: crumbs trace list)"
            ) from None


class CopilotError(CrumbsError):
    """The model could not be reached or failed; the trace keeps what happened."""


trace_app = typer.Typer(
    help="Decision traces of the copilot: list, show (step through), replay, diff.",
    no_args_is_help=True,
)


@trace_app.command("list")
def trace_list(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1),
    output: Output = OUTPUT_OPTION,
) -> int:
    """The latest runs: id, when, mode, model, status, tokens, the question."""
    from crumbs.app.traces import trace_list as listed

    with open_store(ctx) as store:
        runs, doc = listed(store, limit)
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    out = console()
    for t in runs:
        out.print(
            f"{t.id:>5}  {format_time(t.started_at, precise=False)}  {clean(t.mode):<8} {clean(t.model):<20} {clean(t.status):<8} {t.tokens_in + t.tokens_out:>7} tok  {clean(t.question[:70])}"
        )
    if not runs:
        out.print("no traces yet (crumbs ask)", style="dim")
    return EXIT_OK


@trace_app.command("show")
def trace_show(
    ctx: typer.Context,
    trace_id: int = typer.Argument(..., help="The trace id (crumbs trace list)."),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Every step of a run: the context the model had, what it chose and why, what the tools returned."""
    from crumbs.app.traces import trace_show as shown

    with open_store(ctx) as store:
        t, doc = shown(store, trace_id)
    if output is Output.json:
        emit_json(doc)
        return EXIT_OK
    out = console()
    out.print(
        f"[bold]trace {t.id}[/] · {t.mode} · {clean(t.model)} · {t.status} · {t.tokens_in}+{t.tokens_out} tokens · {t.latency_ms} ms"
    )
    out.print(f"[bold]question:[/] {clean(t.question)}")
    for s in t.steps:
        out.print(
            f"\n[cyan]{s.n:>3} {s.kind}[/] {clean(s.name)}"
            + (f" [dim]({s.tokens} tokens)[/]" if s.tokens else "")
        )
        out.print(clean_block(step_text(s.kind, s.payload)))
    return EXIT_OK


@trace_app.command("replay")
def trace_replay(
    ctx: typer.Context,
    trace_id: int = typer.Argument(..., help="The trace to replay."),
    output: Output = OUTPUT_OPTION,
) -> int:
    """Re-run a trace with its recorded model responses against today's store; report every tool output that differs."""
    from crumbs.explain.replay import replay

    with open_store(ctx) as store:
        try:
            r = replay(store, trace_id, copilot_clock(store))
        except ModelError as err:
            raise CopilotError(str(err)) from None
    if output is Output.json:
        emit_json(r.json())
        return EXIT_OK
    out = console()
    if not r.differences:
        out.print(
            f"replayed trace {trace_id} as trace {r.answer.trace_id}: every tool returned what it returned then"
        )
    else:
        out.print(
            f"replayed trace {trace_id} as trace {r.answer.trace_id}: {len(r.differences)} tool output(s) differ now"
        )
        for d in r.differences:
            out.print(f"\n[bold]step {d.step}: {clean(d.tool)}({clean(d.arguments)})[/]")
            out.print(clean_block(d.summary()))
    return EXIT_OK


@trace_app.command("diff")
def trace_diff(
    ctx: typer.Context,
    a: int = typer.Argument(..., help="One trace."),
    b: int = typer.Argument(
        ..., help="Another (say, the same question to another model, or a replay)."
    ),
    output: Output = OUTPUT_OPTION,
) -> int:
    """The first step where two runs part, and how."""
    from crumbs.explain.replay import diff_json, diff_traces

    with open_store(ctx) as store:
        ta, tb, d = diff_traces(store, a, b)
    if output is Output.json:
        emit_json(diff_json(ta, tb, d))
        return EXIT_OK
    out = console()
    out.print(
        f"A: trace {ta.id} · {clean(ta.model)} · {ta.status} · {ta.tokens_in + ta.tokens_out} tokens"
    )
    out.print(
        f"B: trace {tb.id} · {clean(tb.model)} · {tb.status} · {tb.tokens_in + tb.tokens_out} tokens"
    )
    if d is None:
        out.print("the two runs made the same choices and saw the same outputs")
    else:
        same = (
            f"same first {d.agreed} step(s), then"
            if d.agreed
            else "they differ from the first step:"
        )
        out.print(f"{same} they part: {clean(d.how)}")
    return EXIT_OK


def mcp(
    ctx: typer.Context,
    http: bool = typer.Option(False, "--http", help="Streamable HTTP instead of standard I/O."),
    host: str = typer.Option("127.0.0.1", "--host", help="With --http: the address to listen on."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="With --http: the port."),
    token_file: str = typer.Option(
        None,
        "--token-file",
        help="With --http: clients must send this file's token as a bearer token (required off loopback).",
    ),
    allowed_host: list[str] = typer.Option(
        None,
        "--allowed-host",
        help="With --http: a name clients reach the server by (the Host header; repeatable).",
    ),
) -> int:
    """Serve the copilot's read-only tools to MCP clients (standard I/O, or streamable HTTP on 127.0.0.1)."""
    from crumbs.cli.common import db_path
    from crumbs.explain.bearer import LOOPBACK, read_token
    from crumbs.explain.mcp_server import serve

    token = read_token(token_file) if token_file else None
    if http and host not in LOOPBACK and token is None:
        raise UsageError(
            f"--host {host}: serving beyond loopback needs a bearer token (--token-file FILE)"
        )
    with open_store(ctx):  # a clear error now if there is no store, rather than on every call
        pass
    serve(db_path(ctx), http, host, port, token, allowed_host or [])
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("mcp")(mcp)
    app.add_typer(trace_app, name="trace")
