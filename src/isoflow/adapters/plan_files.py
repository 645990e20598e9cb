"""Plan files: ``plan.json`` (the whole plan) and CSV tables.

``write_plan`` writes them into a folder as one result set (all at once, described by
``manifest.json``; see :mod:`isoflow.adapters.results`); ``write_plan_files`` writes them
into a folder as it is, for a command that adds more files to the same set (the report).
``read_plan`` reads ``plan.json`` (or a folder holding it) back into a :class:`Plan`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from isoflow.errors import InputError, PlanFileError
from isoflow.records.plan import Plan
from isoflow.scenario.jsonpos import JsonLocator
from isoflow.scenario.limits import loads_json, unique_keys

PLAN_FILE = "plan.json"
REPORT_FILE = "report.html"
"""The HTML report ``isoflow plan --report`` adds to the plan's files."""
TABLES = ("allocations", "runs", "shipments", "unserved", "generators", "generator_use")
"""The plan's tables written as CSV (``generator_use.csv``: the generator waste accounting,
one row per elution of each generator and one for what it holds at the end)."""


def _rows(plan: Plan, table: str) -> list[dict[str, Any]]:
    rows = []
    for record in getattr(plan, table):
        row: dict[str, Any] = {}
        for key, value in record.model_dump(mode="json").items():
            if key == "legs":
                row["legs"] = " ".join(
                    f"{leg['lane']}[{leg['depart_utc']}>{leg['arrive_utc']}]" for leg in value
                )
            elif key == "inputs":
                row["inputs"] = " ".join(f"{i['batch']}:{i['activity_eop_bq']!r}" for i in value)
            elif key == "elutions":
                row["elutions"] = " ".join(f"{e['time_utc']}:{e['daughter_bq']!r}" for e in value)
            elif isinstance(value, list | tuple):
                row[key] = ";".join(str(v) for v in value)
            elif isinstance(value, float):
                row[key] = repr(value)
            else:
                row[key] = value
        rows.append(row)
    return rows


def write_plan(plan: Plan, out_dir: Path) -> list[Path]:
    """Write ``plan.json`` and one CSV per table into ``out_dir`` at once; return the paths.

    The files replace those of an earlier plan in ``out_dir`` (a report of it too); the
    paths end with ``manifest.json``. Raises :class:`OSError` if writing fails, leaving
    ``out_dir`` as it was.
    """
    from isoflow.adapters.results import Run, result_set

    with result_set(out_dir, Run("plan", plan.scenario), optional=[REPORT_FILE]) as rs:
        rs.add(write_plan_files(plan, rs.folder))
    return rs.written


def write_plan_files(plan: Plan, folder: Path) -> list[Path]:
    """Write ``plan.json`` and one CSV per table into the existing ``folder``; return them."""
    path = folder / PLAN_FILE
    path.write_text(
        json.dumps(plan.model_dump(mode="json"), indent=1, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    paths = [path]
    for table in TABLES:
        rows = _rows(plan, table)
        fields = list(rows[0]) if rows else _empty_fields(table)
        paths.append(_write_csv(folder / f"{table}.csv", fields, rows))
    return paths


def plan_tables(plan: Plan) -> dict[str, str]:
    """The plan's CSV tables as ``write_plan_files`` writes them: file name -> text."""
    out = {}
    for table in TABLES:
        rows = _rows(plan, table)
        fields = list(rows[0]) if rows else _empty_fields(table)
        out[f"{table}.csv"] = _csv_text(fields, rows)
    return out


def _csv_text(fields: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _write_csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(_csv_text(fields, rows))
    return path


def _empty_fields(table: str) -> list[str]:
    from isoflow.records import plan as plan_module

    models: dict[str, type[BaseModel]] = {
        "allocations": plan_module.PlanAllocation,
        "runs": plan_module.PlanRun,
        "shipments": plan_module.PlanShipment,
        "unserved": plan_module.PlanUnserved,
        "generators": plan_module.PlanGenerator,
        "generator_use": plan_module.PlanGeneratorUse,
    }
    return list(models[table].model_fields)


def read_plan(path: Path) -> Plan:
    """Read a plan from ``plan.json`` or a folder holding it.

    Raises :class:`InputError` if there is no plan there, :class:`PlanFileError` naming the
    file, line and first faulty field if its content is not a plan.
    """
    file = path / PLAN_FILE if path.is_dir() else path
    if not file.exists():
        raise InputError(str(path), f"no plan found (expected {PLAN_FILE})")
    text, data = _plan_json(file)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        line = JsonLocator(text, str(file))(tuple(first["loc"])).line
        message = str(first["msg"]).removeprefix("Value error, ")
        raise PlanFileError(
            f"{file}:{line}" if line else str(file),
            f"{where}: {message} ({exc.error_count()} problem(s))",
        ) from None
    return plan


def _plan_json(file: Path) -> tuple[str, Any]:
    """The text of a plan file and its JSON data; :class:`PlanFileError` with a line if not."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(str(file), f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = f"byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        raise PlanFileError(f"{file}:{line}", f"not UTF-8 text ({bad})") from None
    try:  # bounded: nesting depth and number length; a key twice is a corrupt file
        return text, loads_json(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        where, message = f"{file}:{exc.lineno}", exc.msg
    except ValueError as exc:
        where, message = _problem_line(exc, text, str(file)), str(exc)
    raise PlanFileError(where, f"not a readable JSON plan: {message}") from None


def _problem_line(exc: ValueError, text: str, file: str) -> str:
    """``file:line`` of a limit or duplicate key that ``loads_json`` refused (found again)."""
    from isoflow.scenario.fastyaml import read_fast

    codes = ("limit:", "duplicate")
    found = [i.line for i in read_fast(text, file).errors if i.code.startswith(codes) and i.line]
    return f"{file}:{found[0]}" if found else file
