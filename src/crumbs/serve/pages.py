"""The web UI's pages: server-rendered Jinja2 (autoescaped: text from the cluster is data,
never markup), htmx for the partial updates, no inline script (the CSP forbids it).

Every page has a stable URL (its filters in the query string), so a link pasted in a chat
opens what its sender saw. The pages call :mod:`crumbs.serve.views`, which calls the
application layer; what they show is redacted as the API's answers are.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from crumbs import __version__
from crumbs.errors import CrumbsError, NotFoundError
from crumbs.serve import views
from crumbs.serve.api import Query
from crumbs.serve.guard import CSRF_COOKIE, TOKEN_COOKIE, cookies, new_csrf

if TYPE_CHECKING:
    from crumbs.serve.server import Context

HERE = Path(__file__).parent
STATIC = str(HERE / "static")
ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)  # fmt: skip
ENV.globals["version"] = __version__
ENV.filters["short"] = lambda t: (t or "")[:19].replace("T", " ")


def _query_string(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)


ENV.globals["qs"] = _query_string


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page (htmx picks the fragment it wants with ``hx-select``), with the CSRF cookie set."""
    html = ENV.get_template(template).render(request=request, **context)
    response = HTMLResponse(html, status)
    if CSRF_COOKIE not in cookies({b"cookie": request.headers.get("cookie", "").encode("latin-1")}):
        response.set_cookie(CSRF_COOKIE, new_csrf(), httponly=False, samesite="strict", path="/")
    return response


def routes(ctx: Context) -> list[Route]:
    def page(template: str, build: Any) -> Any:
        async def handle(request: Request) -> Response:
            q = Query(request.path_params, query_params(request))
            try:
                data = await ctx.read(lambda store: build(store, q))
            except NotFoundError as err:
                return render(request, "error.html", 404, message=str(err))
            except CrumbsError as err:
                return render(request, "error.html", 400, message=str(err))
            return render(request, template, q=_plain(request), **data)

        return handle

    async def cite(request: Request) -> Response:
        try:
            where = await ctx.read(lambda store: views.cited(store, request.path_params["ref"]))
        except CrumbsError as err:
            return render(request, "error.html", 404, message=str(err))
        return RedirectResponse(where, 303)

    async def login(request: Request) -> Response:
        given = request.query_params.get("token", "")
        token = ctx.settings.token
        if token is None:
            return RedirectResponse("/", 303)
        if not hmac.compare_digest(given.encode(), token.encode()):
            return render(request, "error.html", 401, message="that token is not this server's")
        response = RedirectResponse("/", 303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def ask_page(request: Request) -> Response:
        return render(request, "ask.html", q=_plain(request))

    return [
        Route("/", lambda r: RedirectResponse("/timeline", 307)),
        Route("/login", login),
        Route("/timeline", page("timeline.html", views.timeline_page)),
        Route("/objects/{kind}/{namespace}/{name}", page("object.html", views.object_page)),
        Route(
            "/objects/{kind}/{namespace}/{name}/side-by-side",
            page("side_by_side.html", views.side_by_side),
        ),
        Route("/findings", page("findings.html", views.findings_page)),
        Route("/traces", page("traces.html", views.traces_page)),
        Route("/traces/{id:int}", page("trace.html", views.trace_page)),
        Route("/traces/{a:int}/diff/{b:int}", page("trace_diff.html", views.trace_diff_page)),
        Route("/investigations", page("investigations.html", views.investigations_page)),
        Route("/investigations/{id:int}", page("investigation.html", views.investigation_page)),
        Route("/ask", ask_page),
        Route("/cite/{ref}", cite),
    ]


def query_params(request: Request) -> dict[str, list[str]]:
    """The query string, every value of each parameter (``?kind=a&kind=b``)."""
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


def _plain(request: Request) -> dict[str, Any]:
    """The query string as the templates' filters read it (repeatable ones as lists)."""
    multi = query_params(request)
    return {k: (v if k in ("kind", "channel", "actor") else v[-1]) for k, v in multi.items()}
