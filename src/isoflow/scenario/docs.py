"""Generate ``docs/scenario.md``, the scenario reference, and the JSON Schema from the models.

Every field of every model reachable from :class:`~isoflow.scenario.schema.Scenario` is listed
with its type (as written in the source), unit, default and the attribute docstring. A test
compares the committed file with :func:`render` so the reference cannot drift; regenerate with
``python scripts/gen_docs.py``.

:func:`json_schema` is what ``isoflow schema`` prints: a Draft 2020-12 JSON Schema for editors
and other tools, built by pydantic with :class:`ScenarioJsonSchema`.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema, PydanticUndefined

from isoflow.scenario import children, derive, limits, overlays, quantities, tables
from isoflow.scenario.fields import shapes
from isoflow.scenario.quantities import json_bounds
from isoflow.scenario.schema import Scenario
from isoflow.scenario.validate import DOSE_STAGES
from isoflow.units import format_duration

DOCS_PATH = Path("docs") / "scenario.md"
"""Where the reference lives, relative to the repository root."""

_UNIT = re.compile(r"\[([^\]]+)\]")


class ScenarioJsonSchema(GenerateJsonSchema):
    """pydantic's JSON Schema generator, with ``$schema`` and only JSON Schema keywords.

    The quantity types of :mod:`isoflow.scenario.quantities` describe themselves (a number or
    a string with a unit); this generator also renames any pydantic ``ge``/``gt``/``le``/``lt``
    that a validator function left in a schema (:func:`~isoflow.scenario.quantities.json_bounds`),
    so a bound added to a field later cannot turn into a key that JSON Schema ignores.
    """

    def generate_inner(self, schema: Any) -> JsonSchemaValue:
        """The JSON Schema of one core schema or field, bounds as JSON Schema keywords."""
        return json_bounds(super().generate_inner(schema))

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        """The whole JSON Schema, naming its dialect (Draft 2020-12) in ``$schema``."""
        return {"$schema": self.schema_dialect, **super().generate(schema, mode)}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (YAML or JSON), as ``isoflow schema`` prints it."""
    return Scenario.model_json_schema(schema_generator=ScenarioJsonSchema)


def _walk(root: type[BaseModel]) -> tuple[list[type[BaseModel]], list[type[Enum]]]:
    models: list[type[BaseModel]] = []
    enums: list[type[Enum]] = []

    def visit_type(tp: object) -> None:
        for arg in typing.get_args(tp):
            visit_type(arg)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            visit(tp)
        elif isinstance(tp, type) and issubclass(tp, Enum) and tp not in enums:
            enums.append(tp)

    def visit(model: type[BaseModel]) -> None:
        if model in models:
            return
        models.append(model)
        for info in model.model_fields.values():
            visit_type(info.annotation)

    visit(root)
    return models, enums


def _annotation_text(model: type[BaseModel], name: str) -> str:
    for klass in model.__mro__:
        raw = getattr(klass, "__annotations__", {}).get(name)
        if raw is not None:
            text = raw if isinstance(raw, str) else getattr(raw, "__name__", str(raw))
            return re.sub(r"\s+", " ", text)
    return "?"


def _default(info: FieldInfo, unit: str) -> str:
    if info.is_required():
        return "**required**"
    value = info.default
    if value is PydanticUndefined:
        return "(computed)"
    if isinstance(value, BaseModel):
        return "see below" if not value.model_dump(exclude_defaults=True) else repr(value)
    if isinstance(value, tuple):
        if not value:
            return "`[]`"
        if all(isinstance(v, Enum) for v in value):
            return "`[" + ", ".join(str(v.value) for v in value) + "]`"
        return "one default item"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "none"
    if isinstance(value, str):
        return f"`{value!r}`"
    if unit == "s" and isinstance(value, float) and value > 0:
        return f"`{value:g}` ({format_duration(value)})"
    return f"`{value:g}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _model_section(model: type[BaseModel]) -> list[str]:
    doc = inspect.cleandoc(model.__doc__ or "")
    lines = [f"### {model.__name__}", "", doc, ""]
    lines.append("| field | type | unit | default | description |")
    lines.append("|---|---|---|---|---|")
    for name, info in model.model_fields.items():
        description = info.description or ""
        unit = ", ".join(_UNIT.findall(description.split("\n")[0]))
        lines.append(
            f"| `{name}` | `{_cell(_annotation_text(model, name))}` | {unit} "
            f"| {_cell(_default(info, unit))} | {_cell(description)} |"
        )
    return [*lines, ""]


def _enum_section(enum: type[Enum]) -> list[str]:
    values = ", ".join(f"`{m.value}`" for m in enum)
    doc = " ".join(inspect.cleandoc(enum.__doc__ or "").split())
    return [f"- **{enum.__name__}**: {values}. {doc}"]


def _quantity_docs() -> list[tuple[str, str]]:
    """List the aliases defined in :mod:`isoflow.scenario.quantities` with their docstrings."""
    source = inspect.getsource(quantities)
    body = ast.parse(source).body
    found: list[tuple[str, str]] = []
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id[:1].isupper()
            and not node.targets[0].id.isupper()
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            found.append((node.targets[0].id, " ".join(after.value.value.split())))
    return found


def _csv_section() -> list[str]:
    doc = inspect.getdoc(tables) or ""
    lines = ["## CSV table folders", "", doc.split("\n\n", 1)[1] if "\n\n" in doc else doc, ""]
    lines += ["| list | file | columns |", "|---|---|---|"]
    for table in tables.TABLES:
        skip = children.skipped_fields(table.path)
        cols = ", ".join(
            f"`{c.name}`"
            for c in tables.columns(table.model)
            if not any(c.keys[: len(k)] == k for k in skip)
        )
        lines.append(f"| `{'.'.join(table.path)}` | `{table.file}` | {cols} |")
    lines += ["", "Child tables (first column: the id of the parent row):", ""]
    lines += ["| list | file | columns |", "|---|---|---|"]
    for child in children.CHILD_TABLES:
        cols = ", ".join(f"`{c.name}`" for c in tables.columns(child.model))
        where = ".".join((*child.parent, "*", *child.field))
        lines.append(f"| `{where}` | `{child.file}` | `{child.key}`, {cols} |")
    derive_doc = inspect.getdoc(derive) or ""
    lines += ["", "### Derived values", "", derive_doc, ""]
    return [*lines, ""]


def _limits_section() -> list[str]:
    doc = inspect.getdoc(limits) or ""
    stages = " or ".join(f"`{stage}`" for stage in sorted(DOSE_STAGES))
    lines = ["## Limits and reading checks", "", " ".join(doc.split()), ""]
    lines += ["| limit | value |", "|---|---|"]
    lines += [f"| {what} | {value} |" for what, value in limits.describe()]
    lines += [
        "",
        "A YAML file that ends in the middle of a plain value with no line break gets a",
        "warning (it may have been cut short), and a syntax error at the very end of a file",
        "says so. A `demand` section given but empty (no bookings, no rates) is a warning.",
        f"A booking must be of a dose product: a product of stage {stages}; so must an order",
        "at a hospital or radiopharmacy. An order at a site of kind `market` is an export: of",
        "any product but target material (bulk isotope too), with its `activity` stated; a",
        "market takes no bookings and is no hospital or radiopharmacy.",
        "",
        "Memory while loading grows linearly with the file: items are validated as they are",
        "read and share equal values. Measured with `benchmarks/bench_scenario_load.py` on",
        "files of 50 MB (mostly bookings), the peak is about 9x the file for YAML, 7x for JSON",
        "and 11-13x for a CSV folder (whose rows are shortest: about 420 bytes of model per",
        "45-byte booking row); a reference error is reported in the time of a clean load.",
        "",
    ]
    return lines


def render() -> str:
    """Render the full Markdown text of ``docs/scenario.md``."""
    models, enums = _walk(Scenario)
    out = [
        "# Scenario reference",
        "",
        "<!-- Generated by isoflow.scenario.docs (python scripts/gen_docs.py); do not edit. -->",
        "",
        "A scenario is a YAML (or JSON) file, or a folder of CSV tables plus `scenario.yaml`.",
        "Quantities are stored in SI (Bq, s, UTC); in a file a quantity may carry a unit",
        "(`7.4 GBq`, `200 mCi`, `6 h`, `5 d`). Unknown keys are rejected. Check a file with",
        "`isoflow validate FILE`; get the JSON Schema with `isoflow schema`.",
        "",
        "The JSON Schema (Draft 2020-12) types a quantity as a number in SI or a string with a",
        "unit, so an editor flags `9 parsecs` or a negative duration as you type. To use it with",
        "the YAML language server, write `isoflow schema -o scenario.schema.json` and put",
        "`# yaml-language-server: $schema=scenario.schema.json` on the first line of the file.",
        "The schema checks each value on its own; cross-references (a lane to an unknown site)",
        "and magnitudes written with a unit (`1e30 GBq`) are left to `isoflow validate`.",
        "",
        "## Value types",
        "",
        "| type | meaning |",
        "|---|---|",
    ]
    out += [f"| `{name}` | {_cell(text)} |" for name, text in _quantity_docs()]
    out += ["", "## Enumerations", ""]
    for enum in enums:
        out += _enum_section(enum)
    out += ["", "## Models", ""]
    for model in models:
        shapes(model)  # every field must be understood by the CSV and loader code
        out += _model_section(model)
    out += _csv_section()
    out += ["## What-if overlays", "", inspect.getdoc(overlays) or "", ""]
    out += _limits_section()
    return "\n".join(out).rstrip() + "\n"


def write(root: Path) -> Path:
    """Write the generated reference under ``root`` (the repository root); return its path."""
    target = root / DOCS_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8", newline="\n")
    return target
