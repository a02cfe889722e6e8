"""``crumbs mcp``: the copilot's read-only tools for any MCP client (the official ``mcp`` SDK).

The same tools as ``crumbs ask`` (each the command of the same name with
``-o json``), with the same argument checks and the same redaction of what
leaves; each is annotated read-only, idempotent and closed-world. Errors come
back as tool errors with the message, as they do to a model. Standard I/O by
default; streamable HTTP bound to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import inspect
from typing import Any

from crumbs import __version__
from crumbs.explain.bearer import BearerAuth, allowed_hosts
from crumbs.explain.context import as_text, redact
from crumbs.explain.prompt import RULES
from crumbs.explain.tools import TOOLS, Tool, run_tool


def build(db: str) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    server = MCPServer("crumbs", version=__version__, instructions=RULES)
    read_only = ToolAnnotations(
        read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )
    for tool in TOOLS:
        server.add_tool(_function(tool, db), name=tool.name, description=tool.description,
                        annotations=read_only, structured_output=False)  # fmt: skip
    return server


def _function(tool: Tool, db: str) -> Any:
    """A function whose signature is the tool's parameters (the SDK derives the input schema from it)."""

    from mcp.server.mcpserver.exceptions import ToolError

    def call(**kwargs: Any) -> str:
        result = run_tool(db, tool.name, {k: v for k, v in kwargs.items() if v is not None})
        if not result.ok:  # a failure the client's model can act on, as in crumbs ask
            raise ToolError(str(result.output))
        return as_text(redact(result.output))

    params = []
    annotations: dict[str, Any] = {"return": str}
    for p in tool.params:
        kind: Any = list[str] if p.many else str
        if not p.required:
            kind = kind | None
        default = inspect.Parameter.empty if p.required else None
        params.append(
            inspect.Parameter(
                p.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind
            )
        )
        annotations[p.name] = kind
    call.__signature__ = inspect.Signature(params, return_annotation=str)  # type: ignore[attr-defined]
    call.__annotations__ = annotations
    call.__name__ = tool.name
    call.__doc__ = (
        tool.description + "\n\n" + "\n".join(f"{p.name}: {p.description}" for p in tool.params)
    )
    return call


def serve(
    db: str,
    http: bool = False,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    hosts: list[str] | None = None,
) -> None:
    """Standard I/O, or streamable HTTP with the Host/Origin checks always on (allowed: loopback,
    ``host`` and ``hosts``) and, when ``token`` is given, a bearer token on every request."""
    server = build(db)
    if not http:
        server.run("stdio")
        return
    import uvicorn

    app: Any = http_app(db, host, port, hosts or [], server)
    if token is not None:
        app = BearerAuth(app, token)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def http_app(db: str, host: str, port: int, hosts: list[str], server: Any = None) -> Any:
    """The streamable-HTTP app (its endpoint at ``/mcp``, its session manager run by its
    lifespan), with the SDK's Host/Origin checks on; ``crumbs serve`` mounts it too."""
    from mcp.server.transport_security import TransportSecuritySettings

    allowed = allowed_hosts(host, port, hosts)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=allowed,
        allowed_origins=[f"{scheme}://{h}" for h in allowed for scheme in ("http", "https")],
    )
    return (server or build(db)).streamable_http_app(transport_security=security, host=host)
