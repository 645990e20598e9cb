"""Broken plan files made from a sound one: seeded mutations of its data, and of its text.

:func:`mutate` applies one to three changes drawn by a seeded ``random.Random`` (a key
deleted, a value replaced by junk, a list item duplicated, an unknown key added, a list
turned into a mapping); :data:`TEXT_FAULTS` break the file itself (cut short, not UTF-8,
empty, nested too deep, numbers too long). The same seed gives the same plan on any machine.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

JUNK: tuple[Any, ...] = (
    None,
    True,
    False,
    -1,
    0,
    10**30,
    -(10**30),
    1e308,
    -1e308,
    float("inf"),
    float("nan"),
    5e-324,
    "",
    "x",
    "plenty",
    "2025-13-45T99:00:00Z",
    "2025-08-05T10:00:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2025-08-05T10:00:00+99:00",
    "1e999",
    "NaN",
    "x" * 5000,
    [],
    {},
    [1, 2, 3],
    {"a": 1},
    [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]],
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``node`` (keys and list indices), depth first."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths(value, (*prefix, i))
    return found


def _change(data: Any, path: tuple[Any, ...], rng: random.Random) -> str:
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    action = rng.choice(["replace", "replace", "delete", "duplicate", "junk_key", "retype"])
    if action == "replace":
        parent[last] = copy.deepcopy(rng.choice(JUNK))
    elif action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    elif action == "retype":
        value = parent[last]
        parent[last] = dict(enumerate(value)) if isinstance(value, list) else [value]
    elif isinstance(parent, dict):
        parent[rng.choice(["zzz", "", "batch ", "ÿ"])] = rng.choice(JUNK)
    return f"{action} {'.'.join(map(str, path))}"


def mutate(plan: dict[str, Any], seed: int) -> tuple[dict[str, Any], list[str]]:
    """A deep copy of ``plan`` with one to three changes; the changes, described."""
    rng = random.Random(seed)
    data = copy.deepcopy(plan)
    done = []
    for _ in range(rng.randint(1, 3)):
        where = paths(data)
        if not where:
            break
        done.append(_change(data, rng.choice(where), rng))
    return data, done


def dump(data: dict[str, Any]) -> bytes:
    """Plan data as ``plan.json`` is written: one field a line (NaN and Infinity as Python has)."""
    return (json.dumps(data, indent=1, allow_nan=True) + "\n").encode("utf-8")


def _nested(text: str) -> str:
    return text.replace('"scenario": ', '"scenario": ' + "[" * 200 + "1" + "]" * 200 + ', "x": ', 1)


TEXT_FAULTS: dict[str, Callable[[str], bytes]] = {
    "empty": lambda t: b"",
    "whitespace": lambda t: b"\n  \n",
    "cut_in_half": lambda t: t[: len(t) // 2].encode(),
    "cut_at_end": lambda t: t.rstrip()[:-1].encode(),
    "not_utf8": lambda t: t.encode().replace(b'"scenario"', b'"sc\xffenario"', 1),
    "utf16": lambda t: t.encode("utf-16"),
    "bom": lambda t: b"\xef\xbb\xbf" + t.encode(),
    "nul": lambda t: t.encode().replace(b'"scenario"', b'"scen\x00ario"', 1),
    "top_level_list": lambda t: f"[{t}]".encode(),
    "top_level_number": lambda t: b"42\n",
    "top_level_string": lambda t: b'"plan"\n',
    "null": lambda t: b"null\n",
    "yaml_not_json": lambda t: b"scenario: small\nallocations: []\n",
    "trailing_garbage": lambda t: (t + "}}").encode(),
    "trailing_comma": lambda t: t.replace(
        '"scenario": "small",', '"scenario": "small",,', 1
    ).encode(),
    "nested_deep": lambda t: _nested(t).encode(),
    "long_number": lambda t: t.replace(
        '"scenario": "small"', '"n": ' + "9" * 5000 + ', "scenario": "small"', 1
    ).encode(),
    "huge_exponent": lambda t: t.replace(
        '"scenario": "small"', '"n": 1e99999, "scenario": "small"', 1
    ).encode(),
    "duplicate_key": lambda t: t.replace(
        '"scenario": "small",', '"scenario": "small",\n "scenario": "big",', 1
    ).encode(),
    "html": lambda t: b"<html><body>not a plan</body></html>\n",
}
