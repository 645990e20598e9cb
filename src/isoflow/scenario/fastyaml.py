"""Fast parsing of well-formed YAML with LibYAML (through PyYAML's C loader).

ruamel.yaml's round-trip reader keeps the line of every key (for error messages) but is pure
Python here: 2-4 s for the built-in scenario. :func:`parse_fast` parses with LibYAML and
gives exactly the values the round-trip reader gives (YAML 1.2 core schema, resolved by
ruamel's own resolver) for the scalars it accepts: strings, null, booleans, decimal integers,
plain decimal floats and timestamps to the second with an offset. Anything else (octal,
hexadecimal or underscored numbers, other timestamps, infinities, explicit tags, directives,
merge keys, duplicate keys, syntax errors) makes it return ``None``, and the caller reads the
file with the round-trip reader, which also knows the lines for error messages. LibYAML
accepts a few layouts ruamel rejects (a tab after a value); the caller therefore keeps a fast
reading only when the scenario it gives is valid.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import yaml
from ruamel.yaml.nodes import ScalarNode as RuamelScalar
from ruamel.yaml.resolver import VersionedResolver

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_SIMPLE = {
    _STR: None,
    "tag:yaml.org,2002:null": None,
    "tag:yaml.org,2002:bool": None,
    _INT: re.compile(r"[-+]?(?:0|[1-9][0-9]*)"),
    _FLOAT: re.compile(r"[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"),
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_AWARE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")
"""Timestamps taken on: date, time to the second and an offset (aware datetimes)."""
_DEFER = "tag:isoflow,2025:defer"
"""Tag of a plain scalar the fast reader does not take on; constructing it aborts the parse."""

_resolver = VersionedResolver(version=(1, 2))


class _Deferred(Exception):
    """The document needs the round-trip reader."""


@lru_cache(maxsize=1 << 16)
def _plain_tag(value: str) -> str:
    """Tag of a plain scalar as ruamel's YAML 1.2 resolver reads it, or the defer tag."""
    tag = str(_resolver.resolve(RuamelScalar, value, (True, False)))
    if tag == _TIMESTAMP and _AWARE.fullmatch(value):
        return _TIMESTAMP
    if tag not in _SIMPLE:
        return _DEFER
    pattern = _SIMPLE[tag]
    if pattern is not None and not pattern.fullmatch(value):
        return _DEFER
    return tag


class _FastLoader(yaml.CSafeLoader):
    """LibYAML parser; plain scalars resolved as ruamel's YAML 1.2 resolver does."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _plain_tag(value)
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if any(key.value == "<<" for key, _ in node.value):
            raise _Deferred
        mapping = dict(super().construct_mapping(node, deep=deep))
        if len(mapping) != len(node.value):  # duplicate keys, ``true`` and ``True`` alike
            raise _Deferred
        return mapping


def _defer(loader: _FastLoader, node: Any) -> Any:
    raise _Deferred


def _timestamp(loader: _FastLoader, node: Any) -> datetime:
    return datetime.fromisoformat(str(node.value))


_FastLoader.add_constructor(_DEFER, _defer)
_FastLoader.add_constructor(_TIMESTAMP, _timestamp)


_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def parse_fast(text: str) -> Any | None:
    """Plain data of a well-formed YAML document, or ``None`` to use the round-trip reader.

    Text with an explicit tag (any ``!``) or a directive (``%YAML 1.1`` changes the rules)
    always goes to the round-trip reader.
    """
    if "!" in text or _DIRECTIVE.search(text):
        return None
    try:
        return yaml.load(text, Loader=_FastLoader)
    except Exception:  # any failure here only means: use the round-trip reader
        return None
