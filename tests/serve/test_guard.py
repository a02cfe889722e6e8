"""What stands in front of every request: the token, Host and Origin, CSRF, the CSP and the
bind rule; and the probes, /metrics, /openapi.json and MCP at /mcp."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from crumbs.serve.api import ENDPOINTS
from tests.serve.conftest import Served, request, start

TOKEN = "s3cr3t-token-0123456789abcdef"


@pytest.fixture(scope="module")
def guarded(served_db: str) -> Iterator[Served]:
    with start(served_db, token=TOKEN) as s:
        yield s


def test_without_the_token_nothing_but_the_probes(guarded: Served) -> None:
    for path in ("/api/v1/info", "/timeline", "/metrics", "/openapi.json", "/static/crumbs.js"):
        status, headers, body = guarded.get(path)
        assert status == 401 and "bearer" in headers["www-authenticate"].lower(), path
        assert TOKEN.encode() not in body
    assert guarded.get("/healthz")[0] == 200 and guarded.get("/readyz")[0] == 200
    assert guarded.get("/api/v1/info", {"Authorization": "Bearer wrong-token-0123456789"})[0] == 401
    assert guarded.get("/api/v1/info", {"Authorization": f"Bearer {TOKEN}"})[0] == 200


def test_a_browser_logs_in_once_with_a_cookie(guarded: Served) -> None:
    assert guarded.get("/login?token=nope")[0] == 401
    status, headers, _ = request(
        guarded.base + "/login?token=" + TOKEN
    )  # follows the redirect without the cookie
    assert status == 401  # urllib keeps no cookies: the redirect target refuses
    import http.client
    from urllib.parse import urlparse

    u = urlparse(guarded.base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/login?token=" + TOKEN)
    r = conn.getresponse()
    cookie = r.getheader("set-cookie") or ""
    r.read()
    assert (
        r.status == 303
        and "crumbs_token=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie
    )
    value = cookie.split(";")[0]
    assert guarded.get("/timeline", {"Cookie": value})[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_a_foreign_host_is_refused(served: Served, host: str) -> None:
    status, _, body = served.get("/api/v1/info", {"Host": host})
    assert status == 421 and b"Host" in body


def test_a_foreign_origin_is_refused(served: Served) -> None:
    status, _, _ = request(
        served.base + "/api/v1/ask", "POST", b'{"question": "x"}', {"Origin": "http://evil.example"}
    )
    assert status == 403
    assert served.get("/api/v1/info", {"Origin": "http://evil.example"})[0] == 403
    assert served.get("/api/v1/info", {"Origin": served.base})[0] == 200


def test_a_post_from_a_page_needs_the_csrf_header(served: Served) -> None:
    body, page = (
        b'{"question": "why?"}',
        {"Origin": served.base, "content-type": "application/json"},
    )
    assert request(served.base + "/api/v1/ask", "POST", body, page)[0] == 403
    assert request(served.base + "/api/v1/ask", "POST", body, {**page, "Cookie": "crumbs_csrf=abc", "X-Crumbs-CSRF": "abd"})[0] == 403  # fmt: skip
    assert request(served.base + "/api/v1/ask", "POST", body, {**page, "Cookie": "crumbs_csrf=abc", "X-Crumbs-CSRF": "abc"})[0] == 200  # fmt: skip


def test_every_answer_carries_a_strict_policy(served: Served) -> None:
    for path in ("/timeline", "/api/v1/info", "/api/v1/nothing-here", "/static/crumbs.css"):
        _, headers, _ = served.get(path)
        csp = headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp
            and "frame-ancestors 'none'" in csp
        ), path
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script(served: Served) -> None:
    import re

    for path in ("/timeline", "/findings", "/objects/Deployment/shop/billing", "/traces", "/ask"):
        _, _, body = served.get(path)
        for tag in re.findall(rb"<script[^>]*>", body):
            assert b"src=" in tag or b'type="application/json"' in tag, (path, tag)
        assert not re.search(rb"<[^>]+\son[a-z]+=", body), path  # no event-handler attributes


def test_serving_beyond_loopback_needs_a_token(
    cli, demo_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRUMBS_SERVE_TOKEN", raising=False)
    r = cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert r.code == 2 and "needs a token" in r.err
    monkeypatch.setenv("CRUMBS_SERVE_TOKEN", "short")
    r = cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert r.code == 2 and "at least 16" in r.err


def test_the_probes_say_why_not_ready(tmp_path: Path) -> None:
    with start(str(tmp_path / "missing.db")) as served:
        status, _, body = served.get("/readyz")
        assert status == 503 and "no store here" in json.loads(body)["error"]
        assert served.get("/healthz")[0] == 200


def test_metrics_tell_requests_and_the_store(served: Served) -> None:
    served.get("/api/v1/info")
    served.get("/api/v1/objects/Service/shop/checkout/history")
    _, headers, body = served.get("/metrics")
    text = body.decode()
    assert headers["content-type"].startswith("text/plain")
    assert (
        'crumbs_http_requests_total{method="GET",route="/api/v1/objects/{kind}/{namespace}/{name}/history",status="200"}'
        in text
    )
    assert "checkout" not in text  # routes by template: bounded labels
    assert 'crumbs_store_newest_data_timestamp_seconds{cluster="default"}' in text
    assert 'crumbs_findings{severity="error"} 2.0' in text
    assert "crumbs_copilot_tokens_total" in text and "crumbs_store_bytes" in text


def test_openapi_describes_every_endpoint(served: Served) -> None:
    doc = served.json("/openapi.json")
    assert doc["openapi"].startswith("3.")
    for e in ENDPOINTS:
        op = doc["paths"]["/api/v1" + e.path]["get"]
        assert op["responses"]["200"]["content"]["application/json"]["schema"], e.path
    finding = doc["components"]["schemas"]["FindingRef"]
    assert {"causes", "evidence", "severity"} <= set(finding["properties"])
    assert "post" in doc["paths"]["/api/v1/ask"]


def test_mcp_is_served_at_mcp(served: Served) -> None:
    from mcp import Client

    async def session() -> tuple[set[str], str]:
        async with Client(served.base + "/mcp") as client:  # type: ignore[arg-type]
            tools = {t.name for t in (await client.list_tools()).tools}
            r = await client.call_tool("history", {"target": "svc/checkout", "namespace": "shop"})
            return tools, r.content[0].text

    tools, text = anyio.run(session)
    assert {"why", "scan", "timeline"} <= tools and json.loads(text)["object"]["name"] == "checkout"


def test_probes_and_token_holders_come_by_any_address(guarded: Served) -> None:
    """The kubelet probes the pod's IP, Prometheus scrapes it with the token: both pass the
    Host check; a browser by that address without the token does not."""
    assert guarded.get("/readyz", {"Host": "10.244.1.7:8484"})[0] == 200
    assert (
        guarded.get("/metrics", {"Host": "10.244.1.7:8484", "Authorization": f"Bearer {TOKEN}"})[0]
        == 200
    )
    assert guarded.get("/metrics", {"Host": "10.244.1.7:8484"})[0] == 421
