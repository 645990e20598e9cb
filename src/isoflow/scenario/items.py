"""Items of the bulk lists (bookings, lanes, sites...) validated one by one as they are read.

A large scenario is mostly bookings. Validating each item as soon as the reader has it
(:func:`item_hooks`, given to :func:`~isoflow.scenario.fastyaml.read_fast` and
:func:`~isoflow.scenario.tables.read_table`) means the plain data of a whole list never exists
next to its models, and :class:`_Compactor` lets models share equal values (the same hospital
id, product id, time and set of given fields in thousands of bookings): together they keep the
memory of a load a small multiple of the file. An item with any problem stays plain data, and
the whole-scenario check reports it with its path, exactly as if nothing had been done early.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from isoflow.scenario.fastyaml import ItemHook
from isoflow.scenario.fields import numeric_fields, shapes
from isoflow.scenario.issues import Issue, Path
from isoflow.scenario.tables import TABLES

_SHARED_TYPES = (str, datetime, float)
"""Field values worth sharing between models (immutable, often repeated: ids of sites and
products, times, dose activities). Zero is never shared (``0.0 == -0.0``); the type is part of
the key (``1 == 1.0``)."""


def boolean_issues(
    data: Any, model: type[BaseModel], path: Path, skip: tuple[tuple[str, ...], ...] = ()
) -> list[Issue]:
    """Booleans written where a number is expected (pydantic would read ``true`` as 1)."""
    if not isinstance(data, dict) or path in skip:
        return []
    found = [
        Issue(
            (*path, key),
            f"got the boolean {'true' if data[key] else 'false'}; expected a number",
            code="bool",
        )
        for key in numeric_fields(model)
        if isinstance(data.get(key), bool)
    ]
    for key, shape in shapes(model).items():
        value = data.get(key)
        if value is None:
            continue
        if shape.kind == "model" and shape.model is not None:
            found += boolean_issues(value, shape.model, (*path, key), skip)
        elif (
            shape.kind == "tuple"
            and shape.item is not None
            and shape.item.model is not None
            and isinstance(value, list)
            and (*path, key) not in skip
        ):
            sub = shape.item.model
            for i, item in enumerate(value):
                found += boolean_issues(item, sub, (*path, key, i), skip)
    return found


class _Compactor:
    """Makes equal field values of many frozen models one object.

    pydantic builds a new string, datetime and set of given fields for every model; in
    100,000 bookings of 1,000 hospitals, the same hospital id is then held 100 times. The
    models are frozen, so nothing changes them after this; their values and equality stay
    the same. ``id`` fields are unique by design and left alone, and at most ``limit``
    distinct values are kept for sharing (values beyond stay as they are).
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.values: dict[tuple[str, type, Any, Any], Any] = {}
        self.field_sets: dict[frozenset[str], set[str]] = {}
        self.limit = limit

    def __call__(self, model: BaseModel) -> BaseModel:
        fields = model.__dict__
        for name, value in fields.items():
            kind = type(value)
            if name == "id" or kind not in _SHARED_TYPES or (kind is float and value == 0.0):
                continue
            key = (name, kind, value, getattr(value, "tzinfo", None))
            shared = self.values.get(key)
            if shared is None and len(self.values) < self.limit:
                self.values[key] = value
            elif shared is not None:
                fields[name] = shared
        given = model.__pydantic_fields_set__
        one = self.field_sets.setdefault(frozenset(given), given)
        object.__setattr__(model, "__pydantic_fields_set__", one)
        return model


def _hook(model: type[BaseModel], compact: _Compactor, booleans: bool) -> ItemHook:
    def convert(item: dict[Any, Any]) -> Any:
        if booleans and boolean_issues(item, model, ()):
            return item
        try:
            return compact(model.model_validate(item))
        except ValidationError:
            return item

    return convert


def item_hooks(*, booleans: bool = True) -> dict[Path, ItemHook]:
    """A hook per bulk list (:data:`~isoflow.scenario.tables.TABLES`): validate one item.

    Each call gives hooks with a fresh :class:`_Compactor` (shared values live as long as
    the load). ``booleans=False`` for CSV rows, whose cells hold no booleans.
    """
    compact = _Compactor()
    return {table.path: _hook(table.model, compact, booleans) for table in TABLES}
