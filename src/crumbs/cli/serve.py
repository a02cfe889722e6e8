"""``crumbs serve``: the HTTP API, the web UI, /metrics and MCP over the store."""

from __future__ import annotations

import os

import typer

from crumbs.cli.common import db_path, open_store
from crumbs.errors import EXIT_OK, UsageError

HOST_OPTION = typer.Option(
    "127.0.0.1", "--host", help="The address to listen on (beyond loopback a token is required)."
)
PORT_OPTION = typer.Option(8484, "--port", min=1, max=65535, help="The port.")
TOKEN_OPTION = typer.Option(
    None, "--token-file",
    help="Clients must send this file's token (Authorization: Bearer, or a browser's /login?token=); also CRUMBS_SERVE_TOKEN.",
)  # fmt: skip
ALLOWED_HOST_OPTION = typer.Option(
    None, "--allowed-host", help="A name clients reach the server by (the Host header; repeatable)."
)
OFFLINE_OPTION = typer.Option(False, "--offline", help="The copilot answers with the offline explainer, whatever is configured.")  # fmt: skip


def settings(ctx: typer.Context, host: str, port: int, token_file: str | None, allowed_host: list[str] | None,
             offline: bool) -> object:  # fmt: skip
    """The server's settings from the options; refuses a bind beyond loopback without a token."""
    from crumbs.explain.bearer import LOOPBACK, MIN_TOKEN, read_token
    from crumbs.serve.server import Settings

    token = (
        read_token(token_file)
        if token_file
        else (os.environ.get("CRUMBS_SERVE_TOKEN") or "").strip() or None
    )
    if token is not None and len(token) < MIN_TOKEN:
        raise UsageError(
            f"CRUMBS_SERVE_TOKEN: a token of at least {MIN_TOKEN} characters is needed"
        )
    if host not in LOOPBACK and token is None:
        raise UsageError(
            f"--host {host}: serving beyond loopback needs a token (--token-file FILE or CRUMBS_SERVE_TOKEN)"
        )
    model = None
    if offline:
        from crumbs.explain.offline import OfflineModel

        model = OfflineModel
    return Settings(db_path(ctx), host, port, token, list(allowed_host or []), model)


def serve(
    ctx: typer.Context,
    host: str = HOST_OPTION,
    port: int = PORT_OPTION,
    token_file: str = TOKEN_OPTION,
    allowed_host: list[str] = ALLOWED_HOST_OPTION,
    offline: bool = OFFLINE_OPTION,
    ingest_tokens: str = typer.Option(
        None,
        "--ingest-tokens",
        help="Take what recorders ship (POST /api/v1/ingest): a file of 'token,cluster' lines, each token writing one cluster.",
    ),  # fmt: skip
) -> int:
    """Serve the web UI, the JSON API (/api/v1, described at /openapi.json), /metrics, /healthz, /readyz and MCP (/mcp); read-only unless it takes ingest."""
    from crumbs.serve.server import Settings
    from crumbs.serve.server import serve as run

    chosen = settings(ctx, host, port, token_file, allowed_host, offline)
    assert isinstance(chosen, Settings)
    if ingest_tokens:
        from crumbs.serve.ingest import Tokens

        Tokens.load(ingest_tokens)  # a bad file is one line now, not an error per request
        chosen.ingest_tokens = ingest_tokens
    # a clear error now if there is no store, rather than on every request (one taking ingest
    # starts empty)
    with open_store(ctx, create=bool(ingest_tokens)):
        pass
    typer.echo(
        f"crumbs serve: http://{host if ':' not in host else f'[{host}]'}:{port}/ (Ctrl-C to stop)",
        err=True,
    )
    run(chosen)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
