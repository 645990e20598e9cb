"""What the dashboard's browser tests share: Debian's chromium through Playwright, offline.

Never a browser download: ``executable_path`` is Debian's ``/usr/bin/chromium``. A module
using these sets ``pytestmark = SKIP_WITHOUT_BROWSER`` and records every request, aborting
(and failing on) any that is not :func:`is_local`.
"""

from __future__ import annotations

import shutil
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
