"""A client of the isoflow service (``isoflow serve``) for ``isoflow --server URL ...``.

:class:`Remote` uploads a scenario, submits a run (``POST /runs`` with an
``Idempotency-Key``, so a retried submission never runs twice), follows its server-sent
events (resuming with ``Last-Event-ID`` after a dropped connection), cancels it
(``DELETE``) and downloads its result. It uses :mod:`urllib` of the standard library only.

Every failure to talk to the service is a :class:`RemoteError` whose message is one line
meant for the user: the server unreachable, a URL that is no isoflow service, credentials
missing or refused (401/403), a request refused (413/422, with the file, line and field the
server names), the server busy (429/503: retry later).
"""

from __future__ import annotations

import http.client
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from isoflow.service.access import REASON_CHARS

API_KEY_PREFIX = "ifk_"
"""API keys start with this (sent as ``X-API-Key``); any other token is a bearer token."""
TIMEOUT_S = 60.0
"""Longest wait for one response (the event stream sends a line every second or so)."""
RETRIES = 5
"""Attempts at a request whose connection failed before the client gives up."""
RETRY_PAUSE_S = 0.5
"""First pause between attempts (doubled each time)."""
FINAL_STATES = frozenset(
    {"optimal", "feasible", "time_limit", "infeasible", "cancelled", "failed", "succeeded",
     "interrupted"}
)  # fmt: skip
"""Run states that never change (``isoflow.service.model.RunState.final``)."""
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
"""Upload formats of scenario files by suffix (a folder is sent as a zip archive)."""


class RemoteError(Exception):
    """The service could not be used; the message is one line for the user."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class _Transient(Exception):
    """A connection that failed (worth another attempt); ``cause`` says how."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(str(cause))


@dataclass(frozen=True, slots=True)
class Event:
    """One server-sent event of a run: its sequence number and its data."""

    seq: str | None
    state: str
    progress: float
    message: str


class RunClient(Protocol):
    """What the command line needs of a service: the interface :class:`Remote` offers."""

    url: str

    def upload(self, data: bytes, fmt: str, origin: str) -> dict[str, Any]:
        """Upload a scenario; the stored scenario (``scenario_id``, ``name``)."""
        ...

    def submit(
        self,
        kind: str,
        scenario_id: str,
        options: Mapping[str, Any],
        plan: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Submit a run (with ``plan``: a plan to work on, uploaded); the run as accepted."""
        ...

    def follow(self, run_id: str, on_event: Callable[[Event], None]) -> dict[str, Any]:
        """Report the run's events until it ends; the ended run."""
        ...

    def cancel(self, run_id: str, reason: str) -> dict[str, Any]:
        """Cancel the run; the run as it is now."""
        ...

    def result(self, run_id: str) -> dict[str, Any]:
        """The ended run's result (``run``, ``verdict``, ``violations``, ``result``)."""
        ...

    def file(self, run_id: str, name: str) -> bytes:
        """One of the ended run's further result files, by name."""
        ...


@dataclass
class Remote:
    """A client of one isoflow service at ``url`` with one token (or none)."""

    url: str
    token: str | None = None
    reason: str = "submitted from the isoflow command line"
    timeout_s: float = TIMEOUT_S
    checked: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RemoteError(f"{self.url!r} is not an http:// or https:// URL")
        self.url = self.url.strip().rstrip("/")

    # ------------------------------------------------------------------ requests

    def headers(self) -> dict[str, str]:
        """Credentials and the reason for the change (the service audits every change)."""
        out = {"X-Reason": _latin1(self.reason), "Accept": "application/json"}
        if self.token:
            if self.token.startswith(API_KEY_PREFIX):
                out["X-API-Key"] = self.token
            else:
                out["Authorization"] = f"Bearer {self.token}"
        return out

    def _open(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> http.client.HTTPResponse:
        """One request; an HTTP error is a :class:`RemoteError`, a lost connection transient."""
        request = urllib.request.Request(
            self.url + path, body, {**self.headers(), **headers}, method=method
        )
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout_s)
        except urllib.error.HTTPError as exc:
            with exc:
                failure = http_failure(
                    self.url, exc.code, exc.read(), exc.headers, bool(self.token)
                )
            raise failure from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, OSError | TimeoutError):
                raise _Transient(exc.reason) from None
            raise RemoteError(f"cannot reach the server at {self.url}: {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Transient(exc) from None
        assert isinstance(response, http.client.HTTPResponse)
        return response

    def _json(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] = {},
        attempts: int = RETRIES,
    ) -> Any:
        """A request's JSON answer, retried (with the same headers) while the connection fails."""
        data = self._bytes(method, path, body, headers, attempts)
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise RemoteError(f"{self.url} answered {path} with no JSON: not an isoflow "
                              "server? (check --server)") from None  # fmt: skip

    def _bytes(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] = {},
        attempts: int = RETRIES,
    ) -> bytes:
        """A request's answer, retried (with the same headers) while the connection fails."""
        pause = RETRY_PAUSE_S
        for attempt in range(attempts):
            try:
                with self._open(method, path, body, headers) as response:
                    return bytes(response.read())
            except _Transient as exc:
                if attempt + 1 >= attempts:
                    raise RemoteError(unreachable(self.url, exc.cause)) from None
                time.sleep(pause)
                pause *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def check(self) -> None:
        """Make sure an isoflow service answers at :attr:`url` (``GET /health``)."""
        if self.checked:
            return
        try:
            answer = self._json("GET", "/health", attempts=2)
        except RemoteError as exc:
            if exc.status == 404:
                raise RemoteError(
                    f"no isoflow server at {self.url} (GET /health: 404); check --server"
                ) from None
            raise
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            raise RemoteError(f"no isoflow server at {self.url} (check --server)")
        self.checked = True

    # ------------------------------------------------------------------ use cases

    def upload(self, data: bytes, fmt: str, origin: str) -> dict[str, Any]:
        """Upload a scenario; a refusal (422) names the file (``origin``), line and field."""
        self.check()
        content = {"yaml": "application/yaml", "json": "application/json"}
        headers = {"Content-Type": content.get(fmt, f"application/{fmt}")}
        try:
            return dict(self._json("POST", f"/scenarios?format={fmt}", data, headers))
        except RemoteError as exc:
            raise RemoteError(str(exc).replace("{origin}", origin), exc.status) from None

    def submit(
        self,
        kind: str,
        scenario_id: str,
        options: Mapping[str, Any],
        plan: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Submit a run; retried with the same ``Idempotency-Key``, so it is made once."""
        self.check()
        request: dict[str, Any] = {"kind": kind, "scenario_id": scenario_id}
        request["options"] = dict(options)
        if plan is not None:
            request["plan"] = dict(plan)
        body = json.dumps(request)
        headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
        pause = RETRY_PAUSE_S
        for _ in range(RETRIES):
            try:
                return dict(self._json("POST", "/runs", body.encode(), headers))
            except RemoteError as exc:
                if exc.status != 409:  # 409: the first attempt is still being processed
                    raise
                time.sleep(pause)
                pause *= 2
        raise RemoteError("the server kept the submission in progress; retry later")

    def run(self, run_id: str) -> dict[str, Any]:
        """The run's state now."""
        return dict(self._json("GET", f"/runs/{_quote(run_id)}"))

    def follow(self, run_id: str, on_event: Callable[[Event], None]) -> dict[str, Any]:
        """Report the run's events until it ends; a dropped stream resumes after its last."""
        last: str | None = None
        failures = 0
        while True:
            try:
                for event in self._events(run_id, last):
                    last = event.seq or last
                    failures = 0
                    on_event(event)
                    if event.state in FINAL_STATES:
                        return self.run(run_id)
            except _Transient as exc:
                failures += 1
                if failures >= RETRIES:
                    raise RemoteError(unreachable(self.url, exc.cause)) from None
                time.sleep(RETRY_PAUSE_S * 2**failures)
            current = self.run(run_id)  # the stream ended: has the run?
            if current.get("state") in FINAL_STATES:
                return current
            time.sleep(RETRY_PAUSE_S)

    def _events(self, run_id: str, last: str | None) -> Iterator[Event]:
        headers = {"Accept": "text/event-stream"}
        if last is not None:
            headers["Last-Event-ID"] = last
        with self._open("GET", f"/runs/{_quote(run_id)}/events", None, headers) as response:
            try:
                yield from parse_events(response)
            except (OSError, http.client.HTTPException) as exc:
                raise _Transient(exc) from None

    def cancel(self, run_id: str, reason: str) -> dict[str, Any]:
        """Cancel the run (one attempt, a short wait: the user is leaving)."""
        headers = {"X-Reason": _latin1(reason)}
        return dict(self._json("DELETE", f"/runs/{_quote(run_id)}", None, headers, attempts=2))

    def result(self, run_id: str) -> dict[str, Any]:
        """The ended run's result, manifest and verdict."""
        return dict(self._json("GET", f"/runs/{_quote(run_id)}/result"))

    def file(self, run_id: str, name: str) -> bytes:
        """One of the ended run's further result files (its manifest's ``files``)."""
        return self._bytes("GET", f"/runs/{_quote(run_id)}/files/{_quote(name)}")


def parse_events(lines: Iterator[bytes] | http.client.HTTPResponse) -> Iterator[Event]:
    """The events of a ``text/event-stream`` (comments and unknown fields skipped)."""
    seq: str | None = None
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "id":
                seq = value
            elif name == "data":
                data.append(value)
            continue
        if data:
            body = json.loads("\n".join(data))
            yield Event(seq, str(body.get("state", "")), float(body.get("progress") or 0.0),
                        str(body.get("message") or ""))  # fmt: skip
        data = []


def scenario_upload(path: Path) -> tuple[bytes, str]:
    """A scenario file's bytes and upload format; a CSV folder as a zip archive."""
    if path.is_dir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(path.rglob("*")):
                if member.is_file() and not member.name.startswith("."):
                    archive.write(member, member.relative_to(path).as_posix())
        return buffer.getvalue(), "zip"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RemoteError(f"{path}: only YAML, JSON or a CSV folder can be uploaded")
    return path.read_bytes(), fmt


def http_failure(
    url: str, status: int, body: bytes, headers: Any, token_given: bool = True
) -> RemoteError:
    """The one-line error of an HTTP error status from the service."""
    detail, errors = _problem(body)
    if status == 401 and not token_given:
        return RemoteError(
            f"the server at {url} needs a token (401: {detail or 'no credentials'}); give "
            "--token or set ISOFLOW_TOKEN (an API key or an access token)",
            status,
        )
    if status in (401, 403):
        why = "invalid or expired" if status == 401 else "it may not do this"
        return RemoteError(
            f"the server at {url} refused the token ({status}: {detail or why}); check "
            "--token or ISOFLOW_TOKEN" + (" and the token's roles" if status == 403 else ""),
            status,
        )
    if status in (429, 503):
        after = headers.get("Retry-After") if headers is not None else None
        wait = f" in {after} s" if after else " in a moment"
        return RemoteError(
            f"the server at {url} is busy ({status}{': ' + detail if detail else ''}); retry{wait}",
            status,
        )
    if status == 404 and not detail:
        return RemoteError(f"no isoflow service at {url} (404); check --server", status)
    if status >= 500:
        return RemoteError(f"the server at {url} failed ({status}: {detail or 'no detail'})",
                           status)  # fmt: skip
    if errors:
        shown = "; ".join(_issue(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return RemoteError(f"the server refused the request ({status}): {shown}{more}", status)
    return RemoteError(f"the server refused the request ({status}): {detail or 'no detail'}",
                       status)  # fmt: skip


def _problem(body: bytes) -> tuple[str, list[dict[str, Any]]]:
    """The ``detail`` and ``errors`` of a problem-details body (empty if it is none)."""
    try:
        data = json.loads(body)
    except ValueError:
        return "", []
    if not isinstance(data, dict):
        return "", []
    detail = data.get("detail")
    if isinstance(detail, list):  # FastAPI's own validation errors
        return "; ".join(str(d.get("msg", d)) for d in detail if isinstance(d, dict)), []
    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
    return str(detail or data.get("title") or ""), errors


def _issue(error: Mapping[str, Any]) -> str:
    """``file:line: field: message`` of one problem the server found in an upload.

    The server names an uploaded file ``scenario.yaml`` or ``scenario.json``; that becomes
    the ``{origin}`` placeholder, replaced by the file the user gave. A problem with the
    request itself (its ``loc``, e.g. ``body.options.kinds.0``) is ``options.kinds.0: message``.
    """
    loc = error.get("loc")
    if isinstance(loc, list) and "file" not in error:
        where = ".".join(str(p) for p in loc[1 if loc[:1] == ["body"] else 0 :])
        return f"{where or 'request'}: {error.get('message') or 'invalid'}"
    file = str(error.get("file") or "")
    if file in ("scenario.yaml", "scenario.json", ""):
        file = "{origin}"
    elif "{origin}" not in file:
        file = "{origin}/" + file
    head = f"{file}:{error['line']}" if error.get("line") is not None else file
    parts = [p for p in (head, str(error.get("path") or "")) if p]
    return ": ".join([*parts, str(error.get("message") or "invalid")])


def unreachable(url: str, cause: BaseException) -> str:
    """The line for a server that does not answer."""
    why = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
    return f"cannot reach the server at {url}: {why} (is it running? check --server)"


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _latin1(text: str) -> str:
    """A header value HTTP can carry (non-Latin-1 characters replaced)."""
    return " ".join(text.encode("latin-1", "replace").decode("latin-1").split())[:REASON_CHARS]
