"""The ``crumbs`` command (also installed as ``kubectl-crumbs``, so ``kubectl crumbs`` works).

One module per command; each is a thin wrapper over the Python API. Errors a
user can cause (:class:`crumbs.errors.CrumbsError`) become one line on stderr
and their exit code; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import typer

from crumbs import __version__
from crumbs.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, CrumbsError

app = typer.Typer(
    name="crumbs",
    help="Kubernetes incident copilot: what changed, who changed it, what still runs because of it, and why it broke.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"crumbs {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="CRUMBS_DB",
        help="The store: an SQLite file (a path or sqlite:///path) or postgresql://user@host:5432/db. Default: crumbs.db in the user data dir.",
        show_default=False,
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress display (it only ever shows on a terminal)."
    ),
    redact: bool = typer.Option(
        False,
        "--redact",
        hidden=True,
        help="Read the store as what leaves the machine sees it (secrets masked): the copilot's tools.",
    ),
) -> None:
    ctx.obj = {"db": db, "redact": redact, "quiet": quiet}


def _register() -> None:
    from crumbs.cli import (
        agent,
        alerts,
        ask,
        blame,
        demo,
        diff,
        drift,
        get,
        history,
        info,
        ingest,
        logs,
        plugin,
        releases,
        rollouts,
        scan,
        serve,
        store,
        timeline,
        watch,
    )

    for module in (
        ingest,
        info,
        timeline,
        history,
        logs,
        diff,
        blame,
        rollouts,
        releases,
        drift,
        scan,
        plugin,
        ask,
        watch,
        serve,
        alerts,
        agent,
        get,
        store,
        demo,
    ):
        module.register(app)


_register()

COMMANDS = (
    "ingest",
    "info",
    "timeline",
    "events",
    "history",
    "logs",
    "diff",
    "blame",
    "rollouts",
    "releases",
    "drift",
    "scan",
    "why",
    "analyzers",
    "plugin",
    "ask",
    "trace",
    "mcp",
    "serve",
    "investigate",
    "investigations",
    "watch",
    "status",
    "agent",
    "activity",
    "get",
    "store",
    "demo",
)
"""Every command, in the order the README documents them (a test checks both)."""


def _click_errors() -> tuple[
    tuple[type[BaseException], ...],
    tuple[type[BaseException], ...],
    tuple[type[BaseException], ...],
]:
    """(ClickException, UsageError, Abort) classes: Typer ≥ 0.29 vendors its own Click, older ones use click's."""
    modules = [click.exceptions]
    try:
        from typer._click import exceptions as vendored

        modules.insert(0, vendored)
    except ImportError:
        pass
    aborts: list[type[BaseException]] = [
        click.exceptions.Abort,
        getattr(typer, "Abort", click.exceptions.Abort),
    ]
    return (
        tuple(m.ClickException for m in modules),
        tuple(m.UsageError for m in modules),
        tuple(aborts),
    )


_CLICK_EXCEPTION, _USAGE_ERROR, _ABORT = _click_errors()


def main(argv: list[str] | None = None) -> int:
    command = typer.main.get_command(app)
    try:
        result: Any = command.main(args=argv, prog_name=_prog_name(), standalone_mode=False)
    except CrumbsError as err:
        _fail(str(err))
        return err.exit_code
    except _ABORT:
        return EXIT_INTERRUPTED
    except _CLICK_EXCEPTION as err:
        ctx = getattr(err, "ctx", None)
        hint = f" (see {ctx.command_path} -h)" if ctx is not None else ""
        _fail(" ".join(str(err.format_message()).split()) + hint)  # type: ignore[attr-defined]
        return EXIT_USAGE if isinstance(err, _USAGE_ERROR) else EXIT_ERROR
    except (typer.Exit, click.exceptions.Exit) as err:
        return int(getattr(err, "exit_code", 0) or 0)
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output closed early (| head): quietly, as kubectl
        _quiet_stdout()
        return 0
    except Exception:
        import traceback

        traceback.print_exc()
        _fail(
            f"crumbs {__version__} crashed: this is a bug. Please report it with the traceback above."
        )
        return EXIT_ERROR
    return int(result or 0)


def _quiet_stdout() -> None:
    """What is still buffered for a closed pipe goes nowhere (no "Exception ignored" at exit)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _prog_name() -> str:
    return "kubectl crumbs" if sys.argv and sys.argv[0].endswith("kubectl-crumbs") else "crumbs"


def _fail(message: str) -> None:
    from crumbs.report.text import plain

    text = plain(message)
    if len(text) > 500:  # a value echoed back can be as long as what was typed
        text = text[:500] + f"… ({len(text) - 500:,} more characters)"
    print(f"crumbs: error: {text}", file=sys.stderr)
