"""What the dashboard's browser tests share: Debian's chromium through Playwright, offline.

Never a browser download: ``executable_path`` is Debian's ``/usr/bin/chromium``. A module
using these sets ``pytestmark = SKIP_WITHOUT_BROWSER`` and records every request, aborting
(and failing on) any that is not :func:`is_local`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
sync_playwright: Any
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs playwright
    sync_playwright = None

SKIP_WITHOUT_BROWSER = [
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason="/usr/bin/chromium is not installed (apt-get install chromium)",
    ),
    pytest.mark.skipif(
        sync_playwright is None, reason="playwright is not installed (pip install -e '.[dev]')"
    ),
]

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
"""Headless, and nothing of chromium's own that calls out (updates, sync, QUIC)."""

LOCAL_SCHEMES = {"data", "blob", "about"}


def is_local(url: str) -> bool:
    """True for the server's loopback address and the page's own data/blob/about URLs."""
    u = urlparse(url)
    return u.scheme in LOCAL_SCHEMES or u.hostname == "127.0.0.1"


@contextmanager
def signed_in_page(
    url: str, user: str, password: str, org: str = "acme"
) -> Iterator[tuple[Any, dict[str, list[Any]]]]:
    """A chromium page of the dashboard at ``url`` signed in as ``user``, and what it did.

    ``seen`` records every request, every request aborted for leaving the machine
    (``blocked``), page errors and console messages. The sign-in is submitted; the caller
    waits for what it needs.
    """
    seen: dict[str, list[Any]] = {"requests": [], "blocked": [], "errors": [], "console": []}

    def route(r: Any, request: Any) -> None:
        if is_local(request.url):
            r.continue_()
        else:
            seen["blocked"].append(request.url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("console", lambda m: seen["console"].append((m.type, m.text)))
        page.goto(url + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        page.fill("#login-org", org)
        page.fill("#login-user", user)
        page.fill("#login-password", password)
        page.click("#login-form button[type=submit]")
        try:
            yield page, seen
        finally:
            context.close()
            browser.close()
