"""A small vectorised builder of sparse (mixed-integer) linear models for HiGHS.

Variables are added in named *blocks* (one NumPy call per family: bounds, costs, integrality);
constraints are added in blocks of COO triplets (row, column, value) with row bounds. The
finished model goes to HiGHS in one ``passModel`` call; no per-element Python on the hot path.

>>> m = LinearModel()
>>> x = m.add_vars("x", 2, lower=0, upper=10, cost=[1.0, 2.0])
>>> _ = m.add_rows("demand", rows=[0, 0], cols=x.cols([0, 1]), vals=[1, 1], lower=[3], upper=[INF])
>>> m.num_cols, m.num_rows
(2, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

INF = float("inf")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Block:
    """A named range of columns or rows: ``start`` to ``start + size``."""

    name: str
    start: int
    size: int

    def cols(self, local: npt.ArrayLike) -> IntArray:
        """Global indices of local positions within the block."""
        return self.start + np.asarray(local, dtype=np.int64)

    @property
    def all(self) -> IntArray:
        """Global indices of every member of the block."""
        return np.arange(self.start, self.start + self.size, dtype=np.int64)

    def slice(self) -> slice:
        """The block as a slice into a solution vector."""
        return slice(self.start, self.start + self.size)


@dataclass
class LinearModel:
    """Columns and rows of a minimisation model, accumulated as arrays."""

    _lower: list[FloatArray] = field(default_factory=list)
    _upper: list[FloatArray] = field(default_factory=list)
    _cost: list[FloatArray] = field(default_factory=list)
    _integer: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    _shortfall: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    _opens: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    _row_lower: list[FloatArray] = field(default_factory=list)
    _row_upper: list[FloatArray] = field(default_factory=list)
    _coo_rows: list[IntArray] = field(default_factory=list)
    _coo_cols: list[IntArray] = field(default_factory=list)
    _coo_vals: list[FloatArray] = field(default_factory=list)
    col_blocks: dict[str, Block] = field(default_factory=dict)
    row_blocks: dict[str, Block] = field(default_factory=dict)
    num_cols: int = 0
    num_rows: int = 0

    def add_vars(
        self,
        name: str,
        size: int,
        *,
        lower: npt.ArrayLike = 0.0,
        upper: npt.ArrayLike = INF,
        cost: npt.ArrayLike = 0.0,
        integer: bool = False,
        shortfall: bool = False,
        opens: bool = False,
    ) -> Block:
        """Add a block of ``size`` variables; scalars broadcast to the block.

        ``shortfall`` marks slacks whose positive value means a requirement is not met (an
        unserved booking); the solver's heuristics work to bring them down. ``opens`` marks
        binaries that open a resource others depend on (a run is made), which the LP-guided
        step rounds (:mod:`.guided`).
        """
        if name in self.col_blocks:
            raise ValueError(f"variable block {name!r} already exists")
        block = Block(name, self.num_cols, size)
        self._lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), size).copy())
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), size).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=np.float64), size).copy())
        self._integer.append(np.full(size, integer))
        self._shortfall.append(np.full(size, shortfall))
        self._opens.append(np.full(size, opens))
        self.col_blocks[name] = block
        self.num_cols += size
        return block

    def add_cost(self, col: int, cost: float) -> None:
        """Add ``cost`` to the objective coefficient of global column ``col``."""
        offset = 0
        for part in self._cost:
            if col < offset + part.size:
                part[col - offset] += cost
                return
            offset += part.size
        raise ValueError(f"column {col} out of range")

    def set_col_bounds(
        self, cols: npt.ArrayLike, lower: npt.ArrayLike | None, upper: npt.ArrayLike | None
    ) -> None:
        """Set the bounds of global columns ``cols`` (None leaves that side as it is)."""
        self._set(self._lower, self._upper, np.asarray(cols, dtype=np.int64), lower, upper)

    def set_row_bounds(
        self, rows: npt.ArrayLike, lower: npt.ArrayLike | None, upper: npt.ArrayLike | None
    ) -> None:
        """Set the bounds of global rows ``rows`` (None leaves that side as it is)."""
        self._set(self._row_lower, self._row_upper, np.asarray(rows, dtype=np.int64), lower, upper)

    @staticmethod
    def _set(
        lows: list[FloatArray],
        highs: list[FloatArray],
        at: IntArray,
        lower: npt.ArrayLike | None,
        upper: npt.ArrayLike | None,
    ) -> None:
        offset = 0
        lo = None if lower is None else np.broadcast_to(np.asarray(lower, np.float64), at.shape)
        hi = None if upper is None else np.broadcast_to(np.asarray(upper, np.float64), at.shape)
        for part_lo, part_hi in zip(lows, highs, strict=True):
            inside = (at >= offset) & (at < offset + part_lo.size)
            if inside.any():
                if lo is not None:
                    part_lo[at[inside] - offset] = lo[inside]
                if hi is not None:
                    part_hi[at[inside] - offset] = hi[inside]
            offset += part_lo.size
        if at.size and (at.min() < 0 or at.max() >= offset):
            raise ValueError("index out of range")

    def add_rows(
        self,
        name: str,
        *,
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        vals: npt.ArrayLike,
        lower: npt.ArrayLike,
        upper: npt.ArrayLike,
        count: int | None = None,
    ) -> Block:
        """Add a block of rows from COO triplets with local row numbers ``0..count-1``.

        ``count`` defaults to the length of ``lower`` (or ``upper``); duplicates are summed.
        """
        if name in self.row_blocks:
            raise ValueError(f"constraint block {name!r} already exists")
        lo = np.atleast_1d(np.asarray(lower, dtype=np.float64))
        hi = np.atleast_1d(np.asarray(upper, dtype=np.float64))
        size = count if count is not None else max(lo.size, hi.size)
        lo = np.broadcast_to(lo, size).copy()
        hi = np.broadcast_to(hi, size).copy()
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.broadcast_to(np.asarray(vals, dtype=np.float64), r.shape).copy()
        if r.size and (r.min() < 0 or r.max() >= size):
            raise ValueError(f"row index out of range in block {name!r}")
        if c.size and (c.min() < 0 or c.max() >= self.num_cols):
            raise ValueError(f"column index out of range in block {name!r}")
        block = Block(name, self.num_rows, size)
        self._row_lower.append(lo)
        self._row_upper.append(hi)
        self._coo_rows.append(r + block.start)
        self._coo_cols.append(c)
        self._coo_vals.append(v)
        self.row_blocks[name] = block
        self.num_rows += size
        return block

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Concatenated column, row and CSC matrix arrays."""

        def cat(parts: list[npt.NDArray[np.generic]], dtype: type) -> npt.NDArray[np.generic]:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        matrix = sp.csc_matrix(
            (
                cat(self._coo_vals, np.float64),  # type: ignore[arg-type]
                (cat(self._coo_rows, np.int64), cat(self._coo_cols, np.int64)),  # type: ignore[arg-type]
            ),
            shape=(self.num_rows, self.num_cols),
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return {
            "col_lower": cat(self._lower, np.float64),  # type: ignore[arg-type]
            "col_upper": cat(self._upper, np.float64),  # type: ignore[arg-type]
            "col_cost": cat(self._cost, np.float64),  # type: ignore[arg-type]
            "integer": cat(self._integer, np.bool_),  # type: ignore[arg-type]
            "shortfall": cat(self._shortfall, np.bool_),  # type: ignore[arg-type]
            "opens": cat(self._opens, np.bool_),  # type: ignore[arg-type]
            "row_lower": cat(self._row_lower, np.float64),  # type: ignore[arg-type]
            "row_upper": cat(self._row_upper, np.float64),  # type: ignore[arg-type]
            "start": matrix.indptr.astype(np.int32),
            "index": matrix.indices.astype(np.int32),
            "value": matrix.data.astype(np.float64),
        }
