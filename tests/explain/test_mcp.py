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


def _serve(store_path: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [CRUMBS, "--db", store_path, "mcp", "--http", "--port", str(port), *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc, port


def _post(port: int, headers: dict[str, str]) -> int:
    import urllib.error
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}).encode()  # fmt: skip
    req = urllib.request.Request(f"http://127.0.0.1:{port}/mcp", data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def test_mcp_off_loopback_needs_a_token_and_keeps_host_checks(
    demo_cli, store_path: str, tmp_path: Path
) -> None:
    """Issue 12 item 18: the SDK turns its Host/Origin checks off beyond loopback; Crumbs does not."""
    refused = subprocess.run(
        [CRUMBS, "--db", store_path, "mcp", "--http", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2 and "needs a bearer token" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    token_file = tmp_path / "token"
    token = "t0k3n-" + "a" * 26
    token_file.write_text(token + "\n")
    proc, port = _serve(
        store_path,
        "--host",
        "0.0.0.0",
        "--token-file",
        str(token_file),
        "--allowed-host",
        "crumbs.example.com",
    )
    try:
        assert _post(port, {}) == 401
        assert _post(port, {"Authorization": "Bearer wrong-token-wrong-token"}) == 401
        auth = {"Authorization": f"Bearer {token}"}
        assert _post(port, {**auth, "Host": "evil.example:80"}) in (400, 403, 421)  # DNS rebinding
        assert _post(port, {**auth, "Origin": "http://evil.example"}) in (400, 403)
        assert _post(port, {**auth, "Host": f"crumbs.example.com:{port}"}) == 200
        assert _post(port, auth) == 200

        async def session() -> dict:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            async with httpx2.AsyncClient(headers=auth) as http:
                return await _session(
                    streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
                )

        _check(anyio.run(session))
    finally:
        proc.terminate()
        proc.wait(10)
