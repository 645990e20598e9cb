"""Built-in scenarios shipped with the package (``apac-2025`` is the default everywhere)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_SCENARIO = "apac-2025"
"""Name of the scenario used when none is given."""


def builtin_dir() -> Path:
    """Folder holding the built-in scenarios."""
    return Path(str(resources.files("isoflow.scenario") / "builtin"))


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (a ``NAME.yaml`` file or a ``NAME/`` folder each)."""
    root = builtin_dir()
    names = {p.stem for p in root.glob("*.yaml")} | {
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
    }
    return sorted(names)


def builtin_path(name: str) -> Path | None:
    """Path of a built-in scenario by name, or None if there is no such built-in."""
    root = builtin_dir()
    for candidate in (root / f"{name}.yaml", root / name):
        if candidate.exists():
            return candidate
    return None
