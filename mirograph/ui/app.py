"""The Starlette app: server-rendered pages over a read-only `UiData`.

Every asset it serves (templates, CSS, JS) ships inside the package; pages reference
only relative URLs, so a browser showing them asks nothing of any host but this one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import mirograph.ui.branches as branches
import mirograph.ui.evals as evals
import mirograph.ui.pages as pages
from mirograph.ui.data import UiData

HERE = Path(__file__).parent
POLL_RUNNING_MS, POLL_IDLE_MS = 1000, 5000


def _int(params: Any, name: str) -> int | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise pages.NotFound(f"{name} must be a number, not {value!r}") from None


def create_app(data: UiData, *, db_label: str, eval_dir: Path | None = None) -> Starlette:
    """The app over `data`; `db_label` is how copied commands name the database.

    Long: every route is a small closure over `data` and the templates, listed together
    so the whole surface of the app reads in one place.
    """
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )
    env.filters["cite"] = pages.cite_html
    env.globals.update(
        cmd=pages.Commands(db_label),
        has_eval=eval_dir is not None or data.has_eval,
        db_label=db_label,
    )

    def render(name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def threads(request: Request) -> Response:
        q = request.query_params.get("q", "")
        status = request.query_params.get("status", "")
        rows = data.threads(q, status)
        return render("threads.html", {"rows": rows, "q": q, "status": status})

    def thread(request: Request) -> Response:
        tid = request.query_params.get("id", "")
        q = request.query_params
        context = pages.thread_page(
            data, tid, _int(q, "page"), _int(q, "call"), tool=q.get("tool", "").strip()
        )
        running = context["thread"].status == "running"
        context["poll_ms"] = POLL_RUNNING_MS if running else POLL_IDLE_MS
        name = "timeline.html" if request.query_params.get("fragment") else "thread.html"
        return render(name, context)

    def view(request: Request) -> Response:
        tid = request.query_params.get("id", "")
        checkpoint = request.query_params.get("checkpoint")
        return render(
            "view.html", pages.view_page(data, tid, checkpoint, _int(request.query_params, "call"))
        )

    def plot(request: Request) -> Response:
        svg = pages.context_plot(data, request.query_params.get("id", ""))
        return HTMLResponse(svg)

    def poll(request: Request) -> Response:
        row = pages.thread_or_404(data, request.query_params.get("id", ""))
        return JSONResponse(
            {
                "head": row.info.head_checkpoint_id,
                "status": row.status,
                "tool_calls_used": row.info.tool_calls_used,
                "updated_at": row.info.updated_at,
            }
        )

    def tree(request: Request) -> Response:
        return render("branches.html", branches.tree_page(data, request.query_params.get("id", "")))

    def compare(request: Request) -> Response:
        q = request.query_params
        context = branches.compare_page(data, q.get("a", ""), q.get("b", ""), _int(q, "offset"))
        return render("compare.html", context)

    def evaluation(request: Request) -> Response:
        return render("eval.html", evals.eval_page(data, eval_dir))

    async def not_found(request: Request, exc: Exception) -> Response:
        return render("error.html", {"message": str(exc)}, status=404)

    return Starlette(
        routes=[
            Route("/", threads),
            Route("/thread", thread),
            Route("/view", view),
            Route("/plot", plot),
            Route("/poll", poll),
            Route("/branches", tree),
            Route("/compare", compare),
            Route("/eval", evaluation),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        exception_handlers={pages.NotFound: not_found},
    )
