"""The web UI in a real browser: Playwright for Python driving Debian's chromium (its own
download cannot work here). Each page loads without a console error and passes axe-core;
the timeline filters, zooms and opens diffs, by mouse and by keyboard; a trace steps; a
question streams its answer with citations one can click. The README's screenshots are taken
here (docs/screenshots/)."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, ROOT
from tests.serve.conftest import Served, request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "tests" / "vendor" / "axe-4.14.1.min.js"
SHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("CRUMBS_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "crumbs-screenshots"
)
"""The README's screenshots are refreshed with ``make screenshots`` (CRUMBS_SCREENSHOTS=1);
otherwise the pages are still photographed (a page that cannot render fails), elsewhere."""
PAGES = {
    "timeline": "/timeline",
    "object": "/objects/Deployment/shop/billing",
    "findings": "/findings",
    "traces": "/traces",
    "trace": "/traces/1",
    "trace-diff": "/traces/1/diff/2",
    "ask": "/ask",
    "investigations": "/investigations",
    "investigation": "/investigations/1",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(
                "chromium is missing: `make test` installs it (Debian package chromium) as root"
            )
        pytest.skip("needs Debian's chromium (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def runs(served: Served) -> Served:
    for question in ("why is checkout failing?", "what changed in shop?"):
        status, _, _ = request(served.base + "/api/v1/ask", "POST", json.dumps({"question": question}).encode(),
                               {"content-type": "application/json"})  # fmt: skip
        assert status == 200
    from tests.serve.test_alerts import KUBE_JOB_FAILED, payload, wait_for

    status, _, _ = request(served.base + "/api/v1/alerts/alertmanager", "POST", payload("firing", [KUBE_JOB_FAILED]),
                           {"content-type": "application/json"})  # fmt: skip
    assert status == 200
    wait_for(served, 1)
    return served


class Page:
    """A page with its console watched: any error or CSP violation fails the test."""

    def __init__(self, browser: Any, base: str, **context: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 860}, **context)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)  # fmt: skip
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


@pytest.fixture
def page(browser: Any, runs: Served) -> Iterator[Page]:
    p = Page(browser, runs.base)
    yield p
    p.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_loads_cleanly_and_is_photographed(page: Page, name: str) -> None:
    p = page.open(PAGES[name])
    assert p.locator("h1").count() == 1
    assert p.locator("main").inner_text().strip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(SHOTS / f"{name}.png"))
    if name == "object":  # and its history, a revision open beside the one before
        p.locator("#history details").first.click()
        p.wait_for_selector("#history table.side")
        p.locator("#history").screenshot(path=str(SHOTS / "object-history.png"))


def test_the_timeline_in_the_dark(browser: Any, runs: Served) -> None:
    dark = Page(browser, runs.base, color_scheme="dark")
    p = dark.open("/timeline")
    assert p.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
    p.screenshot(path=str(SHOTS / "timeline-dark.png"))
    p.click("#theme")  # the toggle wins over the system's preference, and is remembered
    assert p.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    p.reload()
    assert p.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    dark.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_passes_axe(browser: Any, runs: Served, name: str) -> None:
    checked = Page(browser, runs.base, bypass_csp=True)  # axe is injected by the test, not served
    p = checked.open(PAGES[name])
    p.add_script_tag(path=str(AXE))
    result = p.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert serious == []
    checked.close()


def test_filtering_the_timeline_updates_in_place_and_in_the_url(page: Page) -> None:
    p = page.open("/timeline")
    everything = p.locator(".entry").count()
    p.select_option("select[name=namespace]", "shop")
    p.wait_for_url(re.compile(r"namespace=shop"))
    p.fill("input[name=kind]", "svc")
    p.press("input[name=kind]", "Enter")
    p.wait_for_url(re.compile(r"kind=svc"))
    p.wait_for_function(f"document.querySelectorAll('.entry').length !== {everything}")
    texts = p.locator(".entry .obj, .entry .flat a").all_inner_texts()
    assert texts and all(t.startswith("Service shop/") for t in texts)
    p.check("input[name=channel][value=human]")
    p.wait_for_url(re.compile(r"channel=human"))
    p.wait_for_load_state("networkidle")
    assert all("HUMAN" in t.upper() for t in p.locator(".entry .chan").all_inner_texts())
    p.reload()  # the URL alone says what was shown
    assert p.locator("select[name=namespace]").input_value() == "shop"
    assert p.locator("input[name=kind]").input_value() == "svc"


def test_dragging_across_the_chart_zooms_the_window(page: Page) -> None:
    p = page.open("/timeline")
    box = p.locator("#histogram .u-over").bounding_box()
    p.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + 20)
    p.mouse.down()
    p.mouse.move(box["x"] + box["width"] * 0.99, box["y"] + 20, steps=5)
    p.mouse.up()
    p.wait_for_url(re.compile(r"from=.*&to="))
    p.wait_for_load_state("networkidle")
    assert "from" in p.locator("#entries .muted").first.inner_text()


def test_a_change_opens_its_side_by_side_diff(page: Page) -> None:
    p = page.open("/timeline?kind=deploy")
    first = p.locator(".entry details").first
    first.locator("summary").click()
    table = first.locator("table.side")
    table.wait_for()
    assert table.locator("tr.replace, tr.insert, tr.delete").count() >= 1


def test_the_timeline_by_keyboard(page: Page) -> None:
    p = page.open("/timeline?kind=deploy&no-events=1")
    p.keyboard.press("j")
    p.keyboard.press("j")
    focused = p.evaluate(
        "Array.from(document.querySelectorAll('.entry')).indexOf(document.activeElement)"
    )
    assert focused == 1
    p.keyboard.press("Enter")
    p.locator(".entry").nth(1).locator("table.side").wait_for()
    p.keyboard.press("k")
    assert (
        p.evaluate(
            "Array.from(document.querySelectorAll('.entry')).indexOf(document.activeElement)"
        )
        == 0
    )
    p.keyboard.press("o")
    p.wait_for_url(re.compile(r"/objects/Deployment/"))


def test_stepping_through_a_trace(page: Page) -> None:
    p = page.open("/traces/1")
    steps = p.locator(".step").count()
    assert steps >= 5
    for _ in range(3):
        p.keyboard.press("j")
    assert p.evaluate("document.activeElement.id") == "step-3"
    assert "TOOL_CALL" in " ".join(p.locator(".step .badge").all_inner_texts()).upper()
    assert p.locator("[data-answer] a.citation").count() >= 1


def test_replaying_a_trace_from_its_page(page: Page) -> None:
    p = page.open("/traces/1")
    p.click("#replay")
    link = p.locator("#replay-result a")
    link.wait_for()
    assert "the same" in link.inner_text()
    link.click()
    p.wait_for_url(re.compile(r"/traces/1/diff/\d+"))
    assert "same choices" in p.locator("main").inner_text()


def test_asking_streams_the_answer_with_clickable_citations(page: Page) -> None:
    p = page.open("/ask")
    p.keyboard.press("/")
    p.keyboard.type("why is checkout failing?")
    p.click("form#ask button")
    p.locator("#ask-answer a.citation").first.wait_for(timeout=30_000)
    assert p.locator("#ask-steps li").count() >= 4
    assert "checkout" in p.locator("#ask-answer").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(SHOTS / "ask.png"))
    p.locator("#ask-answer a.citation").first.click()
    p.wait_for_url(re.compile(r"/(objects|findings)"))
    assert p.locator("h1").count() == 1


def test_cluster_text_is_never_markup(browser: Any, tmp_path: Path) -> None:
    """An Event message with HTML and a terminal escape is shown as text, nothing runs."""
    from crumbs.cli import main
    from tests.serve.conftest import start

    db = str(tmp_path / "x.db")
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1", "namespace": "shop", "uid": "e-1"},
             "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web-1"}, "reason": "BackOff",
             "message": "<img src=x onerror=alert(1)><script>alert(2)</script>\u001b[31mred", "type": "Warning",
             "lastTimestamp": "2026-11-27T10:00:00Z", "count": 1}  # fmt: skip
    (tmp_path / "e.json").write_text(json.dumps(event))
    assert main(["--db", db, "ingest", str(tmp_path / "e.json")]) == 0
    with start(db) as served:
        hostile = Page(browser, served.base)
        dialogs: list[str] = []
        hostile.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        p = hostile.open("/timeline")
        assert "<img src=x" in p.locator(".entry").first.inner_text()
        assert p.locator(".entry img, .entry script").count() == 0 and dialogs == []
        hostile.close()
