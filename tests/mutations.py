"""Random mutation of plain data for the property tests of files (scenarios, plans).

:func:`mutated` breaks one to three things in a deep copy of a document: a value replaced by
junk, a key deleted, a list item duplicated, an unknown key added.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st


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


def mutated(base: dict[str, Any], junk: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Copies of ``base`` with one to three mutations drawn from ``junk`` (module doc)."""
    where = paths(base)

    @st.composite
    def draw_one(draw: st.DrawFn) -> dict[str, Any]:
        data = copy.deepcopy(base)
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            path = draw(st.sampled_from(where))
            parent: Any = data
            try:
                for key in path[:-1]:
                    parent = parent[key]
                last = path[-1]
                action = draw(st.sampled_from(["replace", "delete", "duplicate", "junk_key"]))
                if action == "replace":
                    parent[last] = draw(junk)
                elif action == "delete":
                    del parent[last]
                elif action == "duplicate" and isinstance(parent, list):
                    parent.append(copy.deepcopy(parent[last]))
                elif isinstance(parent, dict):
                    parent[draw(st.text(min_size=1, max_size=8))] = draw(junk)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation removed or replaced this path
        return data

    return draw_one()
