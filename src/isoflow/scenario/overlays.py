"""Named what-if overlays: a scenario plus the changes of a variant, read as one scenario.

A scenario folder may hold ``overlays/NAME.yaml`` files; ``SCENARIO+NAME`` (several:
``SCENARIO+A+B``, applied in order) names the scenario with the overlay applied, wherever a
scenario is asked for (``isoflow plan apac-2025+opal-down-4w``). ``NAME`` may also be the path
of an overlay file. An overlay file holds:

``overlay``
    ``title`` and ``description`` of the variant (both optional).
``remove`` (applied first)
    Per list of items with ids (``sites``, ``processes``, ``lanes``, ``products``,
    ``policies.exclusive_distribution``, ``policies.supply_agreements``): the ids to drop.
any scenario section
    Merged into the scenario: a mapping key by key; a list of items with ids item by item
    (an item with a known id is patched with the fields given, a new id is appended); any
    other list is appended to (an outage, an export restriction, a booking).

The merged scenario is named ``BASE:NAME`` (so a plan of the variant never verifies against
the base) and checked like any other; a problem in an item the overlay touched is reported
at the overlay's line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from isoflow.scenario.issues import Issue, Location, Locator, Path

SEPARATOR = "+"
"""Between a scenario reference and its overlays."""
OVERLAY_DIR = "overlays"
"""Folder of a scenario folder holding its overlays."""
HEADER = "overlay"
"""Key of an overlay file's own title and description."""
REMOVE = "remove"
"""Key of the ids an overlay drops."""


VARIANT = ":"
"""Separator of a variant's name: ``BASE:A:B`` for ``BASE`` with overlays ``A`` and ``B``."""


def variant_name(base: str, overlays: list[str]) -> str:
    """The name of ``base`` with ``overlays`` applied: ``BASE:A:B``."""
    return VARIANT.join([base, *overlays])


def base_name(name: str) -> str:
    """The scenario a (variant's) name is of: ``BASE`` for ``BASE:A:B`` and for ``BASE``."""
    return name.split(VARIANT, 1)[0]


def split(ref: str) -> tuple[str, list[str]] | None:
    """``BASE+A+B`` -> (``BASE``, [``A``, ``B``]); None if ``ref`` names no overlay."""
    if SEPARATOR not in ref or FsPath(ref).exists():
        return None
    base, *names = ref.split(SEPARATOR)
    return base, names


def find(base: FsPath, name: str) -> FsPath | None:
    """The overlay file ``name`` of the scenario at ``base`` (or ``name`` as a path)."""
    given = FsPath(name)
    if given.suffix.lower() in (".yaml", ".yml") and given.is_file():
        return given
    folder = base if base.is_dir() else base.parent / f"{base.stem}.{OVERLAY_DIR}"
    candidate = folder / OVERLAY_DIR / f"{name}.yaml" if base.is_dir() else folder / f"{name}.yaml"
    return candidate if candidate.is_file() else None


def names(base: FsPath) -> list[str]:
    """Overlays shipped with the scenario at ``base``."""
    folder = base / OVERLAY_DIR if base.is_dir() else base.parent / f"{base.stem}.{OVERLAY_DIR}"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def title(overlay: dict[str, Any], name: str) -> str:
    """The overlay's title (its name if it has none)."""
    header = overlay.get(HEADER)
    found = header.get("title") if isinstance(header, dict) else None
    return str(found) if found else name


@dataclass(slots=True)
class Merge:
    """The result of merging overlays into plain scenario data."""

    data: dict[str, Any]
    touched: dict[Path, tuple[str, Path]] = field(default_factory=dict)
    """Item path in the merged data -> (overlay file, path in the overlay)."""


def apply(merge: Merge, overlay: dict[str, Any], file: str) -> list[Issue]:
    """Merge one overlay's plain data into ``merge.data`` (see the module docstring).

    Returns the problems found (ids to remove that are not there), by path in the overlay.
    """
    issues = _remove(merge, overlay[REMOVE]) if REMOVE in overlay else []
    for key, value in overlay.items():
        if key not in (HEADER, REMOVE):
            _merge(merge, merge.data, key, value, (key,), file)
    return issues


def _remove(merge: Merge, spec: Any) -> list[Issue]:
    if not isinstance(spec, dict):
        return [_issue((REMOVE,), "expected a mapping of list -> ids")]
    issues: list[Issue] = []
    for section, ids in _flatten(spec, ()):
        holder, last = _holder(merge.data, section)
        items = holder.get(last) if holder is not None else None
        if holder is None or not isinstance(items, list) or not isinstance(ids, list):
            issues.append(_issue((REMOVE, *section), "expected a list of ids of a list with ids"))
            continue
        known = {item.get("id") for item in items if isinstance(item, dict)}
        for k, gone in enumerate(ids):
            if not isinstance(gone, str):
                message = f"expected an id (text), got {type(gone).__name__}"
                issues.append(_issue((REMOVE, *section, k), message))
            elif gone not in known:
                message = f"no item with id {gone!r} in {'.'.join(section)} to remove"
                issues.append(_issue((REMOVE, *section, k), message))
        holder[last] = [i for i in items if not (isinstance(i, dict) and i.get("id") in ids)]
    return issues


def _flatten(spec: dict[str, Any], prefix: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in spec.items():
        if isinstance(value, dict):
            out += _flatten(value, (*prefix, key))
        else:
            out.append(((*prefix, key), value))
    return out


def _holder(data: dict[str, Any], path: tuple[str, ...]) -> tuple[dict[str, Any] | None, str]:
    holder: Any = data
    for key in path[:-1]:
        holder = holder.get(key) if isinstance(holder, dict) else None
    return (holder if isinstance(holder, dict) else None), path[-1]


def _merge(merge: Merge, target: dict[str, Any], key: str, value: Any, at: Path, file: str) -> None:
    """``target[key]`` updated by ``value``.

    ``at`` is the path of ``value`` in the overlay; its path in the data is the same down to
    the first list (below, a patched item keeps its index in the data).
    """
    _merge_at(merge, target, key, value, (at, at), file)


def _merge_at(
    merge: Merge,
    target: dict[str, Any],
    key: str,
    value: Any,
    paths: tuple[Path, Path],
    file: str,
) -> None:
    data_at, at = paths
    old = target.get(key)
    if isinstance(value, dict) and isinstance(old, dict):
        for sub, item in value.items():
            _merge_at(merge, old, sub, item, ((*data_at, sub), (*at, sub)), file)
        return
    if isinstance(value, list) and isinstance(old, list):
        by_id = {
            item["id"]: i
            for i, item in enumerate(old)
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        }
        for k, item in enumerate(value):
            key_id = item.get("id") if isinstance(item, dict) else None
            index = by_id.get(key_id) if isinstance(key_id, str) else None
            if index is not None and isinstance(item, dict):
                merge.touched[(*data_at, index)] = (file, (*at, k))
                for sub, patch in item.items():
                    where = ((*data_at, index, sub), (*at, k, sub))
                    _merge_at(merge, old[index], sub, patch, where, file)
            else:
                merge.touched[(*data_at, len(old))] = (file, (*at, k))
                old.append(item)
        return
    target[key] = value
    merge.touched[data_at] = (file, at)


def locator(base: Locator, merge: Merge, overlays: dict[str, Locator]) -> Locator:
    """Lines of a merged scenario: items an overlay touched at the overlay's line."""

    def locate(path: Path) -> Location:
        for n in range(len(path), 0, -1):
            found = merge.touched.get(tuple(path[:n]))
            if found is not None:
                file, at = found
                return overlays[file]((*at, *path[n:]))
        return base(path)

    return locate


def _issue(path: Path, message: str) -> Issue:
    return Issue(path, message, code="overlay")
