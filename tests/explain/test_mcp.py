"""``crumbs mcp`` exercised with the MCP SDK's own client: standard I/O and streamable HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from crumbs.explain.tools import BY_NAME

CRUMBS = str(Path(sys.executable).parent / "crumbs")


async def _session(server: object) -> dict:
    out: dict = {}
    async with Client(server) as client:  # type: ignore[arg-type]
        tools = (await client.list_tools()).tools
        out["tools"] = {t.name: t for t in tools}
        ok = await client.call_tool("why", {"target": "svc/checkout", "namespace": "shop"})
        out["why"] = (ok.is_error, ok.content[0].text)
        bad = await client.call_tool("history", {"target": "deploy/nope", "namespace": "shop"})
        out["missing"] = (bad.is_error, bad.content[0].text)
        evil = await client.call_tool("get", {"target": "--db=/etc/passwd"})
        out["evil"] = (evil.is_error, evil.content[0].text)
    return out


def _check(out: dict) -> None:
    tools = out["tools"]
    assert set(tools) == set(BY_NAME)
    for t in tools.values():
        assert t.annotations.read_only_hint is True and t.annotations.destructive_hint is False
    assert "target" in tools["why"].input_schema.get("required", [])
    is_error, text = out["why"]
    assert not is_error and json.loads(text)["findings"][0]["rule"] == "selector-matches-no-pods"
    assert out["missing"][0] and "not in the store" in out["missing"][1]
    assert out["evil"][0] and "cannot start with '-'" in out["evil"][1]


def test_mcp_over_stdio(demo_cli, store_path: str) -> None:
    params = StdioServerParameters(command=CRUMBS, args=["--db", store_path, "mcp"])
    _check(anyio.run(_session, params))


def test_mcp_over_streamable_http_on_localhost(demo_cli, store_path: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [CRUMBS, "--db", store_path, "mcp", "--http", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        _check(anyio.run(_session, f"http://127.0.0.1:{port}/mcp"))
    finally:
        proc.terminate()
        proc.wait(10)


def test_mcp_without_a_store_is_one_line(cli) -> None:
    result = cli("mcp")
    assert result.code == 1 and "no store" in result.err
