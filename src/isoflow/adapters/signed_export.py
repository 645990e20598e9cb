"""A signed plan as the HTML report with its signature section, and as one zip export.

The export holds ``plan.json`` (the stored plan, byte for byte: the bytes the signatures
were checked against), ``report.html`` (the report with the signature section), the CSV
tables ``isoflow plan`` writes (:func:`~isoflow.adapters.plan_files.plan_tables`),
``signatures.json`` (as ``GET /plans/{id}/signatures`` gives it) and ``signatures.txt``
(:func:`~isoflow.service.approvals.signature_block`). Members carry a fixed time stamp, so
the same plan and signatures make the same archive.
"""

from __future__ import annotations

import io
import json
import zipfile

from pydantic import ValidationError

from isoflow.adapters.plan_files import PLAN_FILE, REPORT_FILE, plan_tables
from isoflow.adapters.report.html import render_html
from isoflow.records.plan import Plan
from isoflow.scenario.schema import Scenario
from isoflow.service.approvals import signature_block, status_dict
from isoflow.service.signed_plans import SignedPlan

SIGNATURES_JSON = "signatures.json"
SIGNATURES_TXT = "signatures.txt"
STAMP = (1980, 1, 1, 0, 0, 0)
"""The members' time stamp (the earliest a zip holds)."""


class UnreadablePlan(ValueError):
    """The stored plan (or its scenario) no longer reads as one, or they do not fit."""


def _records(signed: SignedPlan) -> tuple[Plan, Scenario]:
    try:
        return Plan.model_validate_json(signed.plan), Scenario.model_validate_json(signed.scenario)
    except ValidationError as exc:
        raise UnreadablePlan(
            f"plan {signed.plan_id} as stored cannot be read: {exc.error_count()} problem(s)"
        ) from None


def signed_report(signed: SignedPlan) -> str:
    """The plan's HTML report with its signature section; :class:`UnreadablePlan` if it fails."""
    plan, scenario = _records(signed)
    try:
        return render_html(plan, scenario, signed.status)
    except ValueError as exc:  # the plan uses a lane its scenario does not have
        raise UnreadablePlan(str(exc)) from None


def _member(archive: zipfile.ZipFile, name: str, data: bytes | str) -> None:
    info = zipfile.ZipInfo(name, date_time=STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def export_zip(signed: SignedPlan) -> bytes:
    """The export of the signed plan as zip bytes; :class:`UnreadablePlan` if it fails."""
    report = signed_report(signed)
    plan, _ = _records(signed)
    signatures = json.dumps(status_dict(signed.status), indent=1, ensure_ascii=False)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        _member(archive, PLAN_FILE, signed.plan)
        _member(archive, REPORT_FILE, report)
        for name, text in plan_tables(plan).items():
            _member(archive, name, text)
        _member(archive, SIGNATURES_JSON, signatures + "\n")
        _member(archive, SIGNATURES_TXT, signature_block(signed.status) + "\n")
    return buf.getvalue()
