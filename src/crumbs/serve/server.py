"""``crumbs serve``: the JSON API, the web UI, ``/metrics``, the probes and MCP in one Starlette
app (Starlette and uvicorn are used in ``crumbs.serve`` only).

Requests read the store with the sharing redaction (what the copilot and MCP see) in worker
threads, each keeping its own connection; the only writes are the copilot's decision traces
the alert intake's investigations, and (with ``--ingest-tokens``) what recorders ship.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from crumbs import contract
from crumbs.app import diagnose
from crumbs.app.query import copilot_clock
from crumbs.errors import CrumbsError, NotFoundError, StoreError, UsageError
from crumbs.explain.bearer import allowed_hosts
from crumbs.explain.model import Model, ModelError
from crumbs.redaction import Redactor, sharing
from crumbs.serve.api import ENDPOINTS, Endpoint, Query
from crumbs.serve.guard import Guard
from crumbs.serve.ingest import PATH as INGEST_PATH
from crumbs.serve.ingest import Ingest, Tokens
from crumbs.serve.metrics import CONTENT_TYPE, Metrics
from crumbs.serve.openapi import PREFIX, document
from crumbs.serve.pages import STATIC, query_params
from crumbs.serve.pages import routes as page_routes
from crumbs.store import Store
from crumbs.timeutil import format_time

MAX_QUESTION = 4_000
"""Characters of a question (a question, not a document)."""


@dataclass
class Settings:
    db: str
    host: str = "127.0.0.1"
    port: int = 8484
    token: str | None = None
    hosts: list[str] = field(default_factory=list)
    model: Callable[[], Model] | None = None
    """What answers ``POST ask`` (default: the configured model, or the offline explainer)."""
    mcp: bool = True
    alerting: Any = None
    """The ``[alerts]`` and ``[notify]`` settings (:class:`crumbs.notify.config.Alerting`);
    None: read from the configuration file at start."""
    ingest_tokens: str | None = None
    """``--ingest-tokens FILE``: recorders may ship here (``POST /api/v1/ingest``)."""


class Context:
    """What every handler shares: the store's path, one redactor, the metrics."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.redactor: Redactor = sharing()
        self.metrics = Metrics(self.open_store, _findings_by_severity)
        self._local = threading.local()
        from crumbs.notify.config import configured
        from crumbs.serve.intake import Intake

        alerting = settings.alerting if settings.alerting is not None else configured()
        self.intake = Intake(
            self.open_store, lambda: alerting, self.redactor, self.metrics.alerted, self.explain
        )

    def open_store(self) -> Store:
        return Store.open(self.settings.db, create=False, redactor=self.redactor)

    def explain(self, store: Store, inv: Any) -> None:
        """``[alerts] explain = true``: the copilot's answer about the alert, its trace kept."""
        from crumbs.explain.loop import ask

        a, subject = inv.alert, inv.subject
        about = f"{subject['kind']} {subject['name']} in namespace {subject['namespace']}" if subject and subject["namespace"] else (
            f"{subject['kind']} {subject['name']}" if subject else f"namespace {inv.namespace or '(all)'}")  # fmt: skip
        question = f"The alert {a.name} ({a.severity or 'no severity'}) fired at {format_time(a.starts_at)} about {about}. What changed, who changed it, and why did it break?"  # fmt: skip
        try:
            answer = ask(store, question, self.model(), a.starts_at)
        except ModelError as err:
            inv.explanation = {
                "answer": f"the copilot failed: {err}",
                "trace": None,
                "unverified": [],
            }
            return
        inv.explanation = {
            "answer": answer.text,
            "trace": answer.trace_id,
            "unverified": answer.unverified,
        }

    def model(self) -> Model:
        if self.settings.model is not None:
            return self.settings.model()
        from crumbs.explain.choose import choose_model

        return choose_model()

    async def read(self, work: Callable[[Store], Any]) -> Any:
        """``work`` on the store as clients see it (redacted as it is read: the same redaction as
        ``crumbs --redact``, the copilot's tools and MCP), in a worker thread. Each worker keeps
        its connection (a fresh one would start with a cold page cache); every query still
        reads what the recorder has committed since."""

        def run() -> Any:
            store = getattr(self._local, "store", None)
            if store is None:  # one connection per worker thread, kept: its page cache stays warm
                store = self._local.store = self.open_store()
            try:
                return work(store)
            except StoreError:
                self._local.store = None  # a store that failed is opened again next time
                store.close()
                raise

        return await run_in_threadpool(run)


async def _alertmanager(ctx: Context, request: Request) -> Response:
    """Alertmanager's webhook (payload version 4): answered at once, investigated behind."""
    body = await request.body()
    try:
        return json_response(await run_in_threadpool(ctx.intake.accept, body))
    except CrumbsError as err:
        return json_response({"error": str(err)}, 400)
    except Exception:  # the queue is full: Alertmanager retries
        return json_response({"error": "too many alerts waiting; retry"}, 503)


def _findings_by_severity(store: Store) -> dict[str, int]:
    if not store.queries.has_revisions():
        return {"error": 0, "warning": 0, "info": 0}
    return dict(diagnose.scan(store).json()["summary"])


def json_response(doc: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS), status, media_type="application/json"
    )


def error_response(err: Exception) -> Response:
    status = 404 if isinstance(err, NotFoundError) else 400 if isinstance(err, UsageError) else 503 if isinstance(err, StoreError) else 500  # fmt: skip
    return json_response({"error": str(err)}, status)


def _endpoint(ctx: Context, e: Endpoint) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        q = Query(request.path_params, query_params(request))
        try:
            return json_response(await ctx.read(lambda store: e.call(store, q)))
        except CrumbsError as err:
            return error_response(err)

    return handle


async def _ask(ctx: Context, request: Request) -> Response:
    """``POST /api/v1/ask``: the copilot's steps as ``step`` events while it works, then ``answer``."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return json_response({"error": 'the body is JSON: {"question": "..."}'}, 400)
    question = body.get("question") if isinstance(body, dict) else None
    if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION:
        return json_response(
            {"error": f"a question of 1 to {MAX_QUESTION} characters is needed"}, 400
        )
    budget = body.get("budget") if isinstance(body.get("budget"), int) else None
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any] | None] = asyncio.Queue()

    def put(item: tuple[str, Any] | None) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        from crumbs.explain.loop import BUDGET, ask
        from crumbs.explain.steps import step_event

        try:
            with ctx.open_store() as store:
                answer = ask(store, question.strip(), ctx.model(), copilot_clock(store), budget or BUDGET,
                             listen=lambda s: put(("step", step_event(s))))  # fmt: skip
                put(("answer", answer.json()))
        except (CrumbsError, ModelError) as err:
            put(("error", {"error": str(err)}))
        except Exception as err:  # a bug: told to the page, not a hung stream
            put(("error", {"error": f"{type(err).__name__}: {err}"}))
        finally:
            put(None)

    threading.Thread(target=work, name="crumbs-ask", daemon=True).start()

    async def events() -> AsyncIterator[bytes]:
        while (item := await queue.get()) is not None:
            name, data = item
            yield b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"cache-control": "no-store"}
    )


async def _replay(ctx: Context, request: Request) -> Response:
    """``POST /api/v1/traces/{id}/replay``: the run again with its recorded answers, on today's store."""
    from crumbs.explain.replay import replay

    try:
        trace_id = int(request.path_params["id"])
    except ValueError:
        return json_response({"error": "a trace id is a number"}, 400)

    def work(store: Store) -> contract.Replayed:
        return replay(store, trace_id, copilot_clock(store)).json()

    try:
        return json_response(await ctx.read(work))
    except (CrumbsError, ModelError) as err:
        return error_response(err if isinstance(err, CrumbsError) else UsageError(str(err)))


def _ready(ctx: Context) -> Response:
    try:
        Store.open(ctx.settings.db, create=False, readonly=True).close()
    except CrumbsError as err:
        return json_response({"ready": False, "error": str(err)}, 503)
    return json_response({"ready": True})


class Observed:
    """ASGI: each HTTP request's route template, status and time into the metrics."""

    def __init__(self, app: Any, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        t = time.monotonic()
        status = 500

        async def seen(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, seen)
        finally:
            self.ctx.metrics.observe(
                _route(scope), str(scope.get("method")), status, time.monotonic() - t
            )


def _route(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    p = str(scope.get("path") or "")
    return "/static" if p.startswith("/static/") else "/mcp" if p.startswith("/mcp") else "other"


def build(settings: Settings) -> Any:
    """The ASGI app: the guard around the metrics around Starlette."""
    ctx = Context(settings)
    ingest = Ingest(
        settings.db, Tokens.load(settings.ingest_tokens) if settings.ingest_tokens else None
    )
    routes: list[BaseRoute] = [
        Route("/healthz", lambda r: json_response({"alive": True})),
        Route("/readyz", lambda r: _ready(ctx)),
        Route("/metrics", lambda r: Response(ctx.metrics.exposition(), media_type=CONTENT_TYPE)),
        Route("/openapi.json", _openapi(), include_in_schema=False),
        *[Route(PREFIX + e.path, _endpoint(ctx, e), name=e.name) for e in ENDPOINTS],
        Route(PREFIX + "/ask", functools.partial(_ask, ctx), methods=["POST"]),
        Route(PREFIX + "/traces/{id}/replay", functools.partial(_replay, ctx), methods=["POST"]),
        Route(
            PREFIX + "/alerts/alertmanager", functools.partial(_alertmanager, ctx), methods=["POST"]
        ),
        Route(INGEST_PATH, ingest.handle, methods=["POST"]),
        *page_routes(ctx),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    mcp: Any = None
    if settings.mcp:
        from crumbs.explain.mcp_server import http_app

        mcp = http_app(settings.db, settings.host, settings.port, settings.hosts)
        routes.append(Mount("", app=mcp))

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        try:
            if mcp is None:
                yield
            else:
                async with mcp.router.lifespan_context(mcp):
                    yield
        finally:
            ctx.intake.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.ctx = ctx
    app.add_exception_handler(CrumbsError, lambda r, e: error_response(e))
    hosts = allowed_hosts(settings.host, settings.port, settings.hosts)
    return Guard(Observed(app, ctx), hosts, settings.token)


def _openapi() -> Callable[[Request], Response]:
    doc = document()
    return lambda r: JSONResponse(doc)


def serve(settings: Settings) -> None:
    import uvicorn

    uvicorn.run(build(settings), host=settings.host, port=settings.port, log_level="warning")


class Background:
    """The server on a thread of its own (``crumbs watch --serve``): stopped with the recorder."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(build(settings), host=settings.host, port=settings.port,
                                                     log_level="warning"))  # fmt: skip
        self._thread = threading.Thread(target=self._server.run, name="crumbs-serve", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
