"""The report's signature section: a plan's approval state, its SHA-256 and each signature.

Each signature shows the signer's printed name, its meaning (``reviewed``/``approved``), the
instant in UTC and in the signer's time zone (with the zone's name and abbreviation), the
reason, and whether it still binds to the plan: a signature whose plan hash no longer
matches the plan as stored is marked **VOID** (21 CFR 11.50, 11.70). Every text is escaped.
Its style (:data:`STYLE`) goes into the page only with it, so a report without signatures
is as it always was.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from isoflow.service.approvals import ApprovalStatus, CheckedSignature

STYLE = """<style>
#section-signatures table { border-collapse: collapse; width: 100%; font-size: 13px; }
#section-signatures th, #section-signatures td { border-bottom: 1px solid var(--line);
  padding: 4px 8px; text-align: left; vertical-align: top; }
#section-signatures code { font-size: 12px; word-break: break-all; }
#section-signatures .void-mark, #section-signatures .void-note { color: #b00020;
  font-weight: bold; }
#section-signatures tr.void td.signer, #section-signatures tr.void td.when {
  text-decoration: line-through; }
#section-signatures .state { text-transform: uppercase; letter-spacing: .04em; }
</style>"""


def _utc(at: datetime) -> tuple[str, str]:
    """The instant's ISO form (``...Z``) and as shown (``2026-03-02 09:15:07 UTC``)."""
    u = at.astimezone(UTC)
    iso = u.isoformat().replace("+00:00", "Z")
    return iso, u.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def _local(at: datetime, zone: str) -> tuple[str, str]:
    """The instant in ``zone``: ISO form, and shown as ``2026-03-02 10:15:07+01:00 Zone (CET)``."""
    try:
        local = at.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        local = at.astimezone(UTC)
    shown = local.isoformat(timespec="seconds").replace("T", " ")
    abbreviation = local.tzname() or ""
    suffix = f" ({abbreviation})" if abbreviation and abbreviation != zone else ""
    return local.isoformat(), f"{shown} {zone}{suffix}"


def _row(checked: CheckedSignature) -> str:
    e = html.escape
    s = checked.signature
    utc_iso, utc_shown = _utc(s.signed_at)
    local_iso, local_shown = _local(s.signed_at, s.time_zone)
    if checked.valid:
        status = '<span class="valid-mark">valid</span>'
    else:
        status = (
            '<strong class="void-mark">VOID</strong> the plan changed after signing '
            f"(signed: <code>{e(s.plan_sha256)}</code>)"
        )
    valid = "1" if checked.valid else "0"
    cls = "sig" if checked.valid else "sig void"
    return (
        f'<tr class="{cls}" data-meaning="{e(s.meaning.value)}" data-valid="{valid}">'
        f'<td class="signer">{e(s.signer_name)}</td>'
        f'<td class="meaning">{e(s.meaning.value)}</td>'
        f'<td class="when-utc"><time datetime="{e(utc_iso)}">{e(utc_shown)}</time></td>'
        f'<td class="when"><time datetime="{e(local_iso)}">{e(local_shown)}</time></td>'
        f'<td class="reason">{e(s.reason)}</td><td class="status">{status}</td></tr>'
    )


def signature_section(status: ApprovalStatus) -> str:
    """The ``<section id="section-signatures">`` of the report for this approval status."""
    e = html.escape
    head = (
        "<tr><th>signer</th><th>meaning</th><th>signed (UTC)</th>"
        "<th>signed (signer's time zone)</th><th>reason</th><th>status</th></tr>"
    )
    if status.signatures:
        rows = "".join(_row(c) for c in status.signatures)
        body = f'<table id="signatures"><thead>{head}</thead><tbody>{rows}</tbody></table>'
    else:
        body = '<p class="note" id="signatures-none">Not signed.</p>'
    void = sum(not c.valid for c in status.signatures)
    warning = ""
    if void:
        warning = (
            f'<p class="void-note" id="signatures-void">VOID: {void} signature(s) no longer '
            "match this plan, which changed after signing.</p>"
        )
    state = e(status.state.value)
    return (
        f'<section id="section-signatures">\n<h2>Signatures</h2>\n'
        f'<p>Approval state <b class="state" id="approval-state" data-state="{state}">'
        f'{state}</b> · plan SHA-256 <code id="plan-sha256">{e(status.plan_sha256)}</code></p>\n'
        f"{warning}{body}\n</section>\n"
    )
