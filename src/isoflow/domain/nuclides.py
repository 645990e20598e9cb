"""Nuclear data: names, half-lives, decay modes and chains from the ICRP-107 data set.

The data come from the evaluated set shipped with :mod:`radioactivedecay`
(ICRP Publication 107 decay data, AME2020 masses, NUBASE2020 for the nuclides ICRP-107 lacks).
A :class:`NuclideData` wraps one such set; :func:`default_data` gives the shared default.
Names are normalised once at the boundary: ``Lu-177``, ``177Lu``, ``lu177`` and ``LU-177``
all become ``Lu-177``; ``Tc99m`` and ``99mTc`` become ``Tc-99m``.
"""

from __future__ import annotations

import difflib
import importlib.util
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from isoflow.errors import InputError, PhysicsError, UnknownNuclideError

if TYPE_CHECKING:
    import radioactivedecay as rd

LN2 = math.log(2.0)

_SYMBOL_FIRST = re.compile(r"^([A-Za-z]{1,3})-?(\d{1,3})([mnop]?)$", re.IGNORECASE)
_MASS_FIRST = re.compile(r"^(\d{1,3})(?:([mnop])-)?-?([A-Za-z]{1,4})$", re.IGNORECASE)


def _spellings(text: str) -> list[str]:
    """Lower-case ``symbol-mass[state]`` readings of ``text``, most likely first.

    Mass-first names are ambiguous when the letters start with an isomer state: ``99mTc`` is
    Tc-99m but ``99mo`` is Mo-99 and ``239pu`` is Pu-239. A lower-case state before a capital
    letter (``99mTc``) is read as an isomer first, anything else as a plain symbol first.
    """
    match = _SYMBOL_FIRST.match(text)
    if match:
        symbol, mass, state = match.groups()
        return [f"{symbol}-{int(mass)}{state}".lower()]
    match = _MASS_FIRST.match(text)
    if match is None:
        return []
    mass, state, letters = match.groups()
    if state:
        return [f"{letters}-{int(mass)}{state}".lower()]
    plain = f"{letters}-{int(mass)}".lower()
    if len(letters) < 2 or letters[0].lower() not in "mnop":
        return [plain]
    isomer = f"{letters[1:]}-{int(mass)}{letters[0]}".lower()
    return [isomer, plain] if letters[0].islower() and letters[1].isupper() else [plain, isomer]


@dataclass(frozen=True, slots=True)
class DecayBranch:
    """One decay branch: the daughter, its branching fraction [1] and the decay mode."""

    daughter: str
    fraction: float
    mode: str


@dataclass(frozen=True, slots=True)
class NuclideInfo:
    """Evaluated properties of one nuclide.

    Attributes
    ----------
    name
        Canonical name, e.g. ``Tc-99m``.
    half_life_s
        Half-life [s]; ``inf`` for a stable nuclide.
    half_life_text
        Half-life as evaluated, in its own unit (e.g. ``6.015 h``).
    branches
        Decay branches, largest fraction first; empty for a stable nuclide.
    atomic_mass
        Atomic mass [u].
    """

    name: str
    half_life_s: float
    half_life_text: str
    branches: tuple[DecayBranch, ...]
    atomic_mass: float

    @property
    def stable(self) -> bool:
        """True for a stable nuclide."""
        return math.isinf(self.half_life_s)

    @property
    def decay_constant(self) -> float:
        """Decay constant λ = ln 2 / T½ [1/s]; 0 for a stable nuclide."""
        return 0.0 if self.stable else LN2 / self.half_life_s

    @property
    def element(self) -> str:
        """Chemical symbol, e.g. ``Tc`` for ``Tc-99m``."""
        return self.name.split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class ChainLink:
    """An edge of a decay chain: ``parent`` decays to ``daughter`` with ``fraction`` by ``mode``."""

    parent: str
    daughter: str
    fraction: float
    mode: str


_SECONDS_PER_UNIT = {"μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_SECONDS_PER_UNIT |= {"d": 86400.0, "y": 86400.0, "ky": 86400.0e3, "My": 86400.0e6}
_SECONDS_PER_UNIT |= {"By": 86400.0e9, "Gy": 86400.0e9, "Ty": 86400.0e12, "Py": 86400.0e15}
_SECONDS_PER_UNIT |= {"ps": 1e-12, "ns": 1e-9, "yr": 86400.0, "year": 86400.0, "years": 86400.0}
"""Seconds per half-life unit of the data files (years also times the file's days per year)."""
_YEAR_UNITS = frozenset({"y", "yr", "year", "years", "ky", "My", "By", "Gy", "Ty", "Py"})

DEFAULT_DATASET = "icrp107_ame2020_nubase2020"


def _shipped_arrays(dataset_name: str) -> dict[str, npt.NDArray[Any]]:
    """The arrays of radioactivedecay's data file for ``dataset_name``, read directly.

    Importing :mod:`radioactivedecay` takes about 2 s (it imports SymPy, pandas and
    matplotlib); its data file alone loads in milliseconds. A test checks that every value read
    here equals the package's own API.
    """
    spec = importlib.util.find_spec("radioactivedecay")
    if spec is None or not spec.submodule_search_locations:
        raise PhysicsError("the radioactivedecay package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / dataset_name / "decay_data.npz"
    # the package's own data file (its format stores lists as Python objects)
    with np.load(path, allow_pickle=True) as saved:
        return {key: saved[key] for key in saved.files}


class NuclideData:
    """Access to one evaluated decay data set (default: ICRP-107 as shipped by radioactivedecay).

    Parameters
    ----------
    dataset
        A :class:`radioactivedecay.DecayData`; by default radioactivedecay's
        ``icrp107_ame2020_nubase2020`` file is read directly (same values, no 2 s import).
    """

    def __init__(self, dataset: rd.DecayData | None = None) -> None:
        if dataset is None:
            arrays = _shipped_arrays(DEFAULT_DATASET)
            self._dataset_name = DEFAULT_DATASET
            self.names: tuple[str, ...] = tuple(str(n) for n in arrays["nuclides"])
            self._hldata = arrays["hldata"]
            self._progeny, self._bfs, self._modes = (
                arrays["progeny"],
                arrays["bfs"],
                arrays["modes"],
            )
            self._masses = np.asarray(arrays["masses"], dtype=np.float64)
            self._year_days = float(arrays["year_conv"])
        else:
            self._dataset_name = str(dataset.dataset_name)
            self.names = tuple(str(n) for n in dataset.nuclides)
            self._hldata = dataset.hldata
            self._progeny, self._bfs, self._modes = dataset.progeny, dataset.bfs, dataset.modes
            self._masses = np.asarray(dataset.scipy_data.atomic_masses, dtype=np.float64)
            self._year_days = float(dataset.float_year_conv)
        self._index: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self._lower: dict[str, str] = {k.lower(): k for k in self._index}

    @property
    def dataset_name(self) -> str:
        """Name of the underlying data set (e.g. ``icrp107_ame2020_nubase2020``)."""
        return self._dataset_name

    def canonical(self, name: str, field: str = "nuclide") -> str:
        """Return the canonical name of ``name`` or raise :class:`UnknownNuclideError`.

        Accepts ``Lu-177``, ``Lu177``, ``lu177``, ``177Lu``, ``177-Lu``, ``Tc-99m``, ``Tc-99M``,
        ``99mTc``, ``99m-Tc``; letter case is ignored (``99mo`` is Mo-99).
        """
        text = name.strip()
        spellings = _spellings(text)
        for candidate in spellings:
            found = self._lower.get(candidate)
            if found is not None:
                return found
        raise UnknownNuclideError(field, name, self.suggest(spellings[0] if spellings else text))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to ``n`` known names closest to ``name``."""
        lowered = difflib.get_close_matches(name.lower(), list(self._lower), n=n, cutoff=0.5)
        return [self._lower[x] for x in lowered]

    def index(self, name: str) -> int:
        """Position of a canonical name in the data set; parents come before daughters."""
        return self._index[name]

    def half_life_s(self, name: str) -> float:
        """Half-life [s] of a canonical name; ``inf`` if stable."""
        value, unit, _ = self._hldata[self._index[name]]
        if unit == "s" or math.isinf(float(value)):
            return float(value)
        factor = _SECONDS_PER_UNIT[str(unit)]
        if unit in _YEAR_UNITS:
            factor *= self._year_days
        return float(value) * factor

    def half_life_parts(self, name: str) -> tuple[float, str]:
        """Half-life as evaluated: (value, unit) with unit one of s, m, h, d, y, ... or stable."""
        row = self._hldata[self._index[name]]
        return float(row[0]), str(row[1])

    def branches(self, name: str) -> tuple[DecayBranch, ...]:
        """Decay branches of a canonical name (empty for stable nuclides)."""
        i = self._index[name]
        found = [
            DecayBranch(str(d), float(f), str(m))
            for d, f, m in zip(self._progeny[i], self._bfs[i], self._modes[i], strict=True)
            if str(d) in self._index and float(f) > 0.0
        ]
        return tuple(sorted(found, key=lambda b: -b.fraction))

    def info(self, name: str, field: str = "nuclide") -> NuclideInfo:
        """Evaluated properties of ``name`` (normalised first)."""
        canonical = self.canonical(name, field)
        i = self._index[canonical]
        row = self._hldata[i]
        text = "stable" if self.half_life_s(canonical) == math.inf else str(row[2])
        return NuclideInfo(
            name=canonical,
            half_life_s=self.half_life_s(canonical),
            half_life_text=text,
            branches=self.branches(canonical),
            atomic_mass=float(self._masses[i]),
        )

    def chain(self, name: str) -> list[ChainLink]:
        """Every decay edge reachable from ``name``, parents before daughters."""
        start = self.canonical(name)
        members = self.descendants([start])
        links = [
            ChainLink(parent, b.daughter, b.fraction, b.mode)
            for parent in members
            for b in self.branches(parent)
        ]
        return links

    def descendants(self, names: list[str]) -> list[str]:
        """The given canonical names and all their progeny, sorted parents first."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(b.daughter for b in self.branches(current))
        return sorted(seen, key=self._index.__getitem__)

    def decay_constants(self, names: list[str] | tuple[str, ...]) -> npt.NDArray[np.float64]:
        """Decay constants λ [1/s] for canonical names, as an array (0 for stable)."""
        return np.array(
            [0.0 if math.isinf(h) else LN2 / h for h in map(self.half_life_s, names)],
            dtype=np.float64,
        )


@cache
def default_data() -> NuclideData:
    """The shared default data set (ICRP-107 as shipped by radioactivedecay)."""
    return NuclideData()


def canonical(name: str, field: str = "nuclide") -> str:
    """Normalise a nuclide name with the default data set (see :meth:`NuclideData.canonical`)."""
    return default_data().canonical(name, field)


def require_radioactive(name: str, field: str = "nuclide") -> str:
    """Normalise ``name`` and check that it is radioactive."""
    canon = canonical(name, field)
    if math.isinf(default_data().half_life_s(canon)):
        raise InputError(field, f"{canon} is stable; expected a radioactive nuclide")
    return canon
