"""ASGI middleware: a bound on concurrent requests (503) and on request bodies (413)."""

from __future__ import annotations

import json
import threading

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status,
                       "detail": detail, "errors": []}).encode()  # fmt: skip
    headers = [(b"content-type", b"application/problem+json"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class LimitMiddleware:
    """Refuse requests beyond ``max_requests`` at once (503) and bodies above ``max_body``.

    Event streams (paths ending in ``/events``) count against ``max_streams`` instead.
    """

    def __init__(self, app: ASGIApp, max_requests: int, max_body: int, max_streams: int) -> None:
        self.app = app
        self.max_requests = max_requests
        self.max_body = max_body
        self.max_streams = max_streams
        self._lock = threading.Lock()
        self._active = {"requests": 0, "streams": 0}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit, bound the body of, and pass on one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pool = "streams" if scope["path"].endswith("/events") else "requests"
        limit = self.max_streams if pool == "streams" else self.max_requests
        with self._lock:
            if self._active[pool] >= limit:
                busy = True
            else:
                busy = False
                self._active[pool] += 1
        if busy:
            await _problem(send, 503, "Service Unavailable", "too many requests at once")
            return
        try:
            await self._bounded(scope, receive, send)
        finally:
            with self._lock:
                self._active[pool] -= 1

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _problem(send, 413, "Content Too Large", f"at most {self.max_body} bytes")
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _problem(send, 413, "Content Too Large", f"at most {self.max_body} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
