"""The copilot's tools and the MCP server stand on the application layer alone: a fresh
interpreter answers through them with the command line never imported."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import json, sys
import anyio
from mcp import Client
from crumbs.explain import loop, mcp_server
from crumbs.explain.tools import run_tool

db = sys.argv[1]
out = {"tool": run_tool(db, "why", {"target": "svc/checkout", "namespace": "shop"}).output}

async def session():
    async with Client(mcp_server.build(db)) as client:
        r = await client.call_tool("history", {"target": "svc/checkout", "namespace": "shop"})
        return r.content[0].text

out["mcp"] = json.loads(anyio.run(session))
out["modules"] = sorted(m for m in sys.modules if m.split(".")[0] == "typer" or m.startswith("crumbs.cli"))
print(json.dumps(out))
"""


def test_tools_and_mcp_answer_without_the_cli(demo_cli, store_path: str) -> None:
    r = subprocess.run([sys.executable, "-c", SCRIPT, store_path], cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["tool"]["findings"][0]["rule"] == "selector-matches-no-pods"
    assert out["mcp"]["object"]["name"] == "checkout" and out["mcp"]["revisions"]
    assert out["modules"] == []
