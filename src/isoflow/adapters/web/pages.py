"""The dashboard's page and scripts, served from the package (no build step, no CDN).

``/`` is the single page; ``/static/<name>`` its script, its style and plotly.js (the copy
vendored for the HTML report, served as it is). These hold no data and need no sign-in:
the page signs in against ``/auth/login`` and reads everything else from the API with the
token. The page carries a Content-Security-Policy that allows nothing but this server.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException, Response

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""Only this server: any request to another host is blocked by the browser."""

ASSETS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "dashboard.js": ("isoflow.adapters.web", ("static", "dashboard.js"), "text/javascript"),
    "charts.js": ("isoflow.adapters.web", ("static", "charts.js"), "text/javascript"),
    "whatif.js": ("isoflow.adapters.web", ("static", "whatif.js"), "text/javascript"),
    "signoff.js": ("isoflow.adapters.web", ("static", "signoff.js"), "text/javascript"),
    "dashboard.css": ("isoflow.adapters.web", ("static", "dashboard.css"), "text/css"),
    "plotly.min.js": ("isoflow.adapters.report", ("assets", "plotly.min.js"), "text/javascript"),
}
"""What ``/static/<name>`` serves: package, path inside it, media type."""


@cache
def _read(package: str, parts: tuple[str, ...]) -> bytes:
    return files(package).joinpath(*parts).read_bytes()


def _headers(cache_s: int) -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": f"max-age={cache_s}" if cache_s else "no-store",
    }


def dashboard_router() -> APIRouter:
    """The routes of the dashboard's page and its static files."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def page() -> Response:
        """The dashboard's single page."""
        body = _read("isoflow.adapters.web", ("static", "index.html"))
        return Response(body, media_type="text/html; charset=utf-8", headers=_headers(0))

    @router.get("/static/{name}")
    def asset(name: str) -> Response:
        """A script or style of the page (404 for any other name)."""
        found = ASSETS.get(name)
        if found is None:
            raise HTTPException(404, "no such file")
        package, parts, media = found
        return Response(_read(package, parts), media_type=media, headers=_headers(3600))

    return router
