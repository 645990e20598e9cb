"""Scenario lists as CSV tables: a folder with ``scenario.yaml`` plus one CSV per bulk list.

Format (see ``docs/scenario.md``):

* Table files (all optional): one per list of the scenario, named in the table below
  (``sites.csv``, ``processes.csv``, ``lanes.csv``, ``bookings.csv`` for ``demand.bookings``,
  ``approvals.csv`` for ``policies.approvals``, ``site_disruptions.csv`` for
  ``disruptions.sites``, ``sources.csv`` for the sources the rows cite...). Everything else,
  at least ``meta``, lives in ``scenario.yaml`` in the same folder; a list given in a table must
  not also appear in ``scenario.yaml``.
* Child tables hold the lists nested in a row, one item per row, first column the parent's id:
  ``process_inputs.csv``, ``process_windows.csv``, ``process_outages.csv``,
  ``site_licences.csv``, ``site_stocks.csv``, ``lane_departures.csv`` (see
  :mod:`isoflow.scenario.children`). Such a list may instead be JSON in the parent's cell, but
  not both for one parent.
* One header row of field names; nested model fields are flattened with dots
  (``provenance.source_id``, ``border.customs_delay``, ``availability.cycle.on``).
* A tuple of plain values is ``;``-separated (``cyclotron;hospital``); a tuple of models (or any
  cell starting with ``[`` or ``{``) is JSON (``[{"time": "08:00", "days": ["Mon"]}]``).
* An empty cell means "not given" (the default applies); a nested model whose cells are all
  empty is absent. Numbers, units (``7.4 GBq``), times and booleans are written as in YAML;
  saved tables write activities and durations with a unit (``300 TBq``, ``15.75 h``) that
  reads back to the same value.
* Every row may carry ``provenance.source`` (a note), ``provenance.source_id`` (ids of
  ``sources.csv``), ``provenance.confidence`` and ``provenance.derived_by`` (a deriver of
  :mod:`isoflow.scenario.derive` whose values validation recomputes).
* Rows are reported by their line in the file: the header is line 1.
"""

from __future__ import annotations

import csv
import io
import json
import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from isoflow.scenario import limits
from isoflow.scenario.citations import Source
from isoflow.scenario.fields import FieldShape, quantities, shapes
from isoflow.scenario.issues import Issue, Path
from isoflow.scenario.limits import loads_json
from isoflow.scenario.schema import (
    Approval,
    Booking,
    CustomsDisruption,
    DemandRate,
    DosePrice,
    ExclusiveDistribution,
    ExportRestriction,
    Lane,
    LaneDisruption,
    Order,
    PolicyShock,
    Process,
    Product,
    Site,
    SiteDisruption,
    StockDisruption,
    SupplyAgreement,
)
from isoflow.scenario.yamlpos import decode
from isoflow.units import ACTIVITY_UNITS, TIME_UNITS, parse_activity, parse_duration


@dataclass(frozen=True, slots=True)
class Table:
    """A list of the scenario stored as a CSV file."""

    path: tuple[str, ...]
    """Where the list sits in the scenario (``("demand", "bookings")``)."""
    file: str
    """CSV file name in the folder."""
    model: type[BaseModel]
    """Model of one row."""
    optional: bool = False
    """Written only when the list is not empty."""


TABLES: tuple[Table, ...] = (
    Table(("sources",), "sources.csv", Source, optional=True),
    Table(("products",), "products.csv", Product),
    Table(("sites",), "sites.csv", Site),
    Table(("processes",), "processes.csv", Process),
    Table(("lanes",), "lanes.csv", Lane),
    Table(("demand", "bookings"), "bookings.csv", Booking),
    Table(("demand", "orders"), "orders.csv", Order),
    Table(("demand", "rates"), "rates.csv", DemandRate),
    Table(("demand", "prices"), "prices.csv", DosePrice, optional=True),
    Table(("policies", "approvals"), "approvals.csv", Approval, optional=True),
    Table(
        ("policies", "export_restrictions"),
        "export_restrictions.csv",
        ExportRestriction,
        optional=True,
    ),
    Table(
        ("policies", "exclusive_distribution"),
        "exclusive_distribution.csv",
        ExclusiveDistribution,
        optional=True,
    ),
    Table(
        ("policies", "supply_agreements"), "supply_agreements.csv", SupplyAgreement, optional=True
    ),
    Table(("disruptions", "sites"), "site_disruptions.csv", SiteDisruption, optional=True),
    Table(("disruptions", "lanes"), "lane_disruptions.csv", LaneDisruption, optional=True),
    Table(("disruptions", "customs"), "customs_disruptions.csv", CustomsDisruption, optional=True),
    Table(("disruptions", "policy_shocks"), "policy_shocks.csv", PolicyShock, optional=True),
    Table(("disruptions", "stocks"), "stock_disruptions.csv", StockDisruption, optional=True),
)
"""Every list that may be given as a CSV table."""

_SCALARS = ("number", "integer", "bool", "str", "time", "enum", "other")


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: a dotted field path and the shape of its value."""

    name: str
    keys: tuple[str, ...]
    shape: FieldShape
    empty_default: bool
    """True if the field's default is an empty tuple (an empty list is written as '')."""
    required_str: bool
    """True for a required string field (an empty cell is the empty string)."""
    unit: str | None = None
    """``activity`` or ``duration`` for a quantity (written with a unit), else None."""


def columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    """Every leaf column of ``model``, nested models flattened with dots, in field order."""
    found: list[Column] = []
    for name, shape in shapes(model).items():
        keys = (*prefix, name)
        if shape.kind == "model" and shape.model is not None:
            found.extend(columns(shape.model, keys))
            continue
        info = model.model_fields[name]
        found.append(
            Column(
                ".".join(keys),
                keys,
                shape,
                empty_default=info.default == (),
                required_str=info.is_required() and shape.kind == "str",
                unit=quantities(model).get(name),
            )
        )
    return found


def _cell_columns(model: type[BaseModel]) -> dict[str, tuple[tuple[str, ...], FieldShape, bool]]:
    """List accepted column names: every leaf plus every nested model given whole as JSON."""
    accepted: dict[str, tuple[tuple[str, ...], FieldShape, bool]] = {}

    def walk(current: type[BaseModel], prefix: tuple[str, ...]) -> None:
        for name, shape in shapes(current).items():
            keys = (*prefix, name)
            info = current.model_fields[name]
            required_str = not prefix and info.is_required() and shape.kind == "str"
            accepted[".".join(keys)] = (keys, shape, required_str)
            if shape.kind == "model" and shape.model is not None:
                walk(shape.model, keys)

    walk(model, ())
    return accepted


# --------------------------------------------------------------------------- writing


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


_UNITS: dict[str, tuple[tuple[str, float], ...]] = {
    "activity": tuple((u, ACTIVITY_UNITS[u]) for u in ("TBq", "GBq", "MBq", "kBq", "Bq")),
    "duration": tuple((u, TIME_UNITS[u]) for u in ("d", "h", "min", "s")),
}
_PARSE = {"activity": parse_activity, "duration": parse_duration}


def with_unit(value: float, kind: str) -> str:
    """A quantity as a reviewer reads it (``7.4 GBq``, ``15.75 h``), read back exactly.

    The largest unit that keeps the number at 1 or more and whose text (at most 10
    significant digits) parses back to the same float; the plain SI number otherwise.
    """
    if value == 0 or not math.isfinite(value):
        return _scalar_text(value)
    parse = _PARSE[kind]
    for unit, size in _UNITS[kind]:
        number = value / size
        if abs(number) < 1 and unit not in ("Bq", "s"):
            continue
        text = f"{number:.10g} {unit}"
        if "e" not in text and parse(text) == value:
            return text
    return _scalar_text(value)


def _cell(value: Any, column: Column) -> str:
    if column.unit is not None:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return with_unit(float(value), column.unit)
        if isinstance(value, list) and value and all(isinstance(v, float | int) for v in value):
            return ";".join(with_unit(float(v), column.unit) for v in value)
    if isinstance(value, list):
        if not value:
            return "" if column.empty_default else "[]"
        plain = all(
            isinstance(v, str) and v and ";" not in v and v[0] not in "[{" and v == v.strip()
            for v in value
        )
        return ";".join(value) if plain else json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return _scalar_text(value)


def write_table(
    items: tuple[BaseModel, ...],
    model: type[BaseModel],
    skip: frozenset[tuple[str, ...]] = frozenset(),
    lead: tuple[tuple[str, str], ...] = (),
) -> str:
    """CSV text of ``items`` with one column per leaf field of ``model``.

    ``skip``: fields (key paths) left out, e.g. nested lists written as child tables.
    ``lead``: (column name, value) written first in every row, e.g. a child table's parent key
    (``items`` then holds one parent's children; the header is written only when ``lead`` is
    empty or the caller asks for it through :func:`table_header`).
    """
    cols = [c for c in columns(model) if not any(c.keys[: len(k)] == k for k in skip)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not lead:
        writer.writerow([c.name for c in cols])
    for item in items:
        data = item.model_dump(mode="json")
        row = []
        for col in cols:
            value: Any = data
            for key in col.keys:
                value = value.get(key) if isinstance(value, dict) else None
            row.append(_cell(value, col))
        writer.writerow([v for _, v in lead] + row)
    return out.getvalue()


def table_header(
    model: type[BaseModel],
    skip: frozenset[tuple[str, ...]] = frozenset(),
    lead: tuple[str, ...] = (),
) -> str:
    """The header line :func:`write_table` writes for ``model`` (with ``lead`` columns first)."""
    cols = [c.name for c in columns(model) if not any(c.keys[: len(k)] == k for k in skip)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([*lead, *cols])
    return out.getvalue()


# --------------------------------------------------------------------------- reading


Converter = Callable[[str], Any]


class CellError(ValueError):
    """A cell that cannot be read; the message says what was found and what is expected."""

    def __init__(self, message: str, *, json_cell: bool = False) -> None:
        super().__init__(message)
        self.json_cell = json_cell


def _json_cell(text: str) -> Any:
    try:
        return loads_json(text)
    except ValueError as exc:
        raise CellError(str(exc), json_cell=True) from None


def _converter(shape: FieldShape) -> Converter | None:
    """How to turn a non-empty cell into input for pydantic; None keeps the string."""
    if shape.kind == "model":
        return _json_cell
    if shape.kind == "tuple":
        item = shape.item
        split_ok = item is not None and item.kind in _SCALARS

        def convert(text: str) -> Any:
            if text.lstrip()[:1] in ("[", "{") or not split_ok:
                return _json_cell(text)
            return [part.strip() for part in text.split(";")]

        return convert
    if shape.kind in ("number", "integer"):
        return _number
    return None


def _number(text: str) -> Any:
    """Read a number cell as int or float; anything else (``7.4 GBq``, ``true``) stays text."""
    if len(text) > limits.MAX_NUMBER_CHARS:
        raise CellError(limits.number_message(len(text)))
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


@dataclass(slots=True)
class TableData:
    """Rows read from one CSV table."""

    rows: list[Any]
    """One item per row: nested dicts ready for pydantic, or what ``convert`` made of them."""
    lines: array[int]
    """Line in the file where each row starts (header = 1)."""
    complete: bool = True
    """False when reading stopped early (a CSV syntax error, an unreadable header): rows
    after that point are missing, so rows of other tables referring to them are not errors
    of their own."""


_Plan = list[tuple[int, str, tuple[str, ...], Converter | None, bool]]
"""Per column read: index in the row, name, field keys, converter, required string."""


def _plan(header: list[str], table: Table, issues: list[Issue]) -> _Plan:
    accepted = _cell_columns(table.model)
    plan: _Plan = []
    seen: set[str] = set()
    for index, raw in enumerate(header):
        name = raw.strip()
        if name in seen:
            issues.append(_csv_issue(table, 1, f"column {name!r} appears twice in the header"))
            continue
        seen.add(name)
        found = accepted.get(name)
        if found is None:
            issues.append(_unknown_column(table, name, accepted))
            continue
        keys, shape, required_str = found
        plan.append((index, name, keys, _converter(shape), required_str))
    return plan


def _row(
    cells: list[str], plan: _Plan, table: Table, at: tuple[int, int], issues: list[Issue]
) -> dict[str, Any]:
    """The nested dict of one row (``at``: its index and line); bad cells become issues."""
    row: dict[str, Any] = {}
    for index, name, keys, convert, required_str in plan:
        cell = cells[index].strip() if index < len(cells) else ""
        if not cell:
            if not required_str:
                continue
            value: Any = ""
        elif convert is None:
            value = cell
        else:
            try:
                value = convert(cell)
            except CellError as exc:
                path: Path = (*table.path, at[0], *keys)
                message = f"column {name!r}: {exc}"
                if exc.json_cell:
                    message = (
                        f"invalid JSON in column {name!r}: {exc}; expected JSON or a "
                        "';'-separated list"
                    )
                issues.append(Issue(path, message, file=table.file, line=at[1], code="csv"))
                continue
        _put(row, keys, value)
    return row


def read_table(
    data: bytes, table: Table, convert: Callable[[dict[str, Any]], Any] | None = None
) -> tuple[TableData, list[Issue]]:
    """Parse CSV bytes into nested dicts ready for pydantic, with every problem as an issue.

    ``convert`` is applied to each row as soon as it is read (the loader validates rows one
    by one, so the plain data of a large table never exists as a whole).
    """
    text, issues = decode(data, table.file)
    if text is None:
        return TableData([], array("q"), complete=False), issues
    del text  # decoded again piece by piece (a StringIO would hold four bytes a character)
    if (nul := data.find(b"\x00")) >= 0:  # as YAML and JSON refuse it: a binary file
        line = data.count(b"\n", 0, nul) + 1
        return TableData([], array("q"), complete=False), [
            _csv_issue(table, line, "a NUL byte; not CSV text")
        ]
    lines_in = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(lines_in, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return TableData([], array("q"), complete=False), [
            _csv_issue(table, 1, f"unreadable header: {exc}")
        ]
    if header is None:
        message = "the file is empty; expected a header"
        return TableData([], array("q"), complete=False), [_csv_issue(table, 1, message)]
    plan = _plan(header, table, issues)
    rows: list[Any] = []
    lines = array("q")
    width = len(header)
    start = reader.line_num + 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width:
                message = f"{len(cells)} cells but the header has {width}"
                issues.append(_csv_issue(table, line, message))
            before = len(issues)
            row = _row(cells, plan, table, (len(rows), line), issues)
            rows.append(convert(row) if convert is not None and len(issues) == before else row)
            lines.append(line)
    except csv.Error as exc:  # reported where the row began (an open quote runs to the end)
        issues.append(_csv_issue(table, start, f"CSV syntax error: {exc}"))
        complete = False
    else:
        complete = True
    cut = lines and not data.endswith((b"\n", b"\r")) and any(c.strip() for c in cells)
    if cut and len(cells) < width:
        message = f"the last row has {len(cells)} of {width} cells and no line break (cut short?)"
        issues.append(_csv_issue(table, lines[-1], message))
    return TableData(rows, lines, complete), issues


def _put(row: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    target = row
    for key in keys[:-1]:
        nested = target.get(key)
        if not isinstance(nested, dict):
            nested = {}
            target[key] = nested
        target = nested
    target[keys[-1]] = value


def _csv_issue(table: Table, line: int, message: str) -> Issue:
    return Issue(table.path, message, file=table.file, line=line, code="csv")


def _unknown_column(table: Table, name: str, accepted: dict[str, Any]) -> Issue:
    import difflib

    close = difflib.get_close_matches(name, list(accepted), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    leaves = ", ".join(c.name for c in columns(table.model))
    return _csv_issue(table, 1, f"unknown column {name!r}{hint} (columns: {leaves})")
