"""Introspection of the scenario models: what kind of value each field holds.

Used by the CSV tables (which columns to split, which to flatten), the loader (booleans
where numbers are expected, suggestions for unknown keys) and the generated reference docs.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from isoflow.scenario.quantities import QuantityJson

Kind = Literal["model", "tuple", "number", "integer", "bool", "str", "time", "enum", "other"]


@dataclass(frozen=True, slots=True)
class FieldShape:
    """The shape of a field's value once ``Annotated`` and ``None`` are stripped.

    Attributes
    ----------
    kind
        ``model`` (a nested model), ``tuple`` (a tuple of ``item``), or a scalar kind.
    optional
        True if ``None`` is accepted.
    model
        The nested model class when ``kind == "model"``.
    item
        The shape of the items when ``kind == "tuple"``.
    """

    kind: Kind
    optional: bool = False
    model: type[BaseModel] | None = None
    item: FieldShape | None = None


def _strip(annotation: Any) -> tuple[Any, bool]:
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def shape_of(annotation: Any) -> FieldShape:
    """Return the :class:`FieldShape` of a (resolved) field annotation."""
    inner, optional = _strip(annotation)
    origin = typing.get_origin(inner)
    if origin is tuple:
        return FieldShape("tuple", optional, item=shape_of(typing.get_args(inner)[0]))
    if isinstance(inner, type):
        if issubclass(inner, BaseModel):
            return FieldShape("model", optional, model=inner)
        if issubclass(inner, bool):
            return FieldShape("bool", optional)
        if issubclass(inner, Enum):
            return FieldShape("enum", optional)
        if issubclass(inner, int):
            return FieldShape("integer", optional)
        if issubclass(inner, float):
            return FieldShape("number", optional)
        if issubclass(inner, str):
            return FieldShape("str", optional)
        if issubclass(inner, datetime):
            return FieldShape("time", optional)
    if origin is Literal:
        return FieldShape("enum", optional)
    return FieldShape("other", optional)


@cache
def shapes(model: type[BaseModel]) -> dict[str, FieldShape]:
    """Shapes of every field of ``model``, in declaration order."""
    return {name: shape_of(info.annotation) for name, info in model.model_fields.items()}


@cache
def numeric_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``model`` holding a number (where a boolean must be rejected)."""
    return tuple(k for k, s in shapes(model).items() if s.kind in ("number", "integer"))


def model_at(root: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """Return the model class at ``path`` (field names, list indices) below ``root``."""
    current: FieldShape = FieldShape("model", model=root)
    for part in path:
        if current.kind == "tuple" and isinstance(part, int) and current.item is not None:
            current = current.item
        elif current.kind == "model" and current.model is not None and isinstance(part, str):
            found = shapes(current.model).get(part)
            if found is None:
                return None
            current = found
        else:
            return None
    return current.model if current.kind == "model" else None


def _quantity_in(annotation: Any, metadata: list[Any]) -> str | None:
    for item in metadata:
        if isinstance(item, QuantityJson):
            return "activity" if "GBq" in item.units else "duration"
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _quantity_in(base, extra)
    for arg in typing.get_args(annotation):
        found = _quantity_in(arg, [])
        if found is not None:
            return found
    return None


@cache
def quantities(model: type[BaseModel]) -> dict[str, str]:
    """Fields of ``model`` holding an activity or a duration: name -> ``activity``/``duration``."""
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        kind = _quantity_in(info.annotation, list(info.metadata))
        if kind is not None:
            found[name] = kind
    return found
