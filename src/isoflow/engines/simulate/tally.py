"""What replications produced, counted in doses: shared by both engines.

Each engine fills a :class:`Tally` per (replication, consignment instance): the outcome of
the consignment's doses still wanted, its root cause, whether it was late, the postponement,
and its extra doses served and missed. :func:`collect` weighs every outcome by the doses it
concerns (a consignment of ``n`` doses with ``c`` cancelled counts ``n - c`` served or missed
doses and ``c`` cancelled ones; an extra booking is one dose) and sums them into a
:class:`ChunkResult`. Patients are the doses of per-patient bookings (extras included).
Exports (orders at markets) are no doses: the per-replication counts leave them out and
``exports`` counts their units and activity (:data:`EXPORT_COLUMNS`); the per-consignment
counts (``book_*``) keep every consignment, exports included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from isoflow.engines.simulate.model import (
    C_PLAN,
    C_SURGE,
    CAUSES,
    O_CANCELLED,
    O_MISSED,
    OUTCOMES,
    SimModel,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

N_CAUSES = len(CAUSES)
N_OUTCOMES = len(OUTCOMES)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "doses",
    "cancelled",
    "extra",
    "served",
    "served_late",
    "rerouted",
    "alternative",
    "substitute",
    "missed",
    "patients",
    "patients_cancelled",
    "patients_missed",
    "lost_activity_bq",
    "cost",
)
"""Per-replication summary: doses demanded (booked, ordered and extra), cancelled, extra,
served (on time or late, as planned or by recourse, extras included), served late, recovered
by re-routing, an alternative batch, a substitute product, missed; the same for patients
(doses of per-patient bookings: demanded, cancelled, missed); planned activity lost [Bq at
EOP]; cost."""

EXPORT_COLUMNS: tuple[str, ...] = ("units", "served", "missed", "missed_bq")
"""Per-replication export counts (:attr:`ChunkResult.exports`): units ordered, served (on
time or late, as planned or by recourse), missed, and the activity missed [Bq at
calibration]."""

EXCEPTION_COLUMNS: tuple[str, ...] = (
    "replication",
    "booking",
    "extra",
    "doses",
    "outcome",
    "cause",
    "postponement_s",
)
"""Columns of :attr:`ChunkResult.exceptions`."""


@dataclass
class ChunkResult:
    """What one chunk of replications produced (concatenated in chunk order by the caller).

    Per replication (rows): ``summary`` columns are :data:`SUMMARY_COLUMNS`;
    ``missed_country`` and ``missed_product`` count missed doses (extra bookings included),
    ``wanted_country`` and ``wanted_product`` the doses still wanted (not cancelled, extra
    bookings included); ``missed_cause`` missed doses by cause. Per consignment instance
    (summed over the chunk's replications): ``book_outcome`` doses by outcome,
    ``book_cause`` missed doses by cause, ``book_late`` doses administered late.
    ``exceptions`` lists every consignment instance not served as planned and on time
    (plan-unserved ones excluded), columns
    :data:`EXCEPTION_COLUMNS`: replication, consignment, extra (0 = the consignment itself, k =
    its k-th extra dose), doses concerned, outcome, cause, postponement [s]. ``exports`` has
    per replication the export counts :data:`EXPORT_COLUMNS`; no other per-replication array
    counts exports.
    """

    summary: F64
    missed_country: I64
    missed_product: I64
    wanted_country: I64
    wanted_product: I64
    missed_cause: I64
    book_outcome: I64
    book_cause: I64
    book_late: I64
    exceptions: F64
    exports: F64


@dataclass
class Tally:
    """Per (replication, consignment instance) results of one chunk, filled by an engine.

    ``outcome`` is that of the doses still wanted (:data:`O_CANCELLED` when none is);
    ``cancelled`` counts the doses cancelled, ``extras`` the extra doses, of which
    ``extra_missed`` and ``extra_served``; ``extra_rows`` are the exception rows of the extra
    doses (:data:`EXCEPTION_COLUMNS`).
    """

    outcome: I8
    cause: I8
    late: B
    post: F64
    cancelled: I64
    extras: I64
    extra_missed: I64
    extra_served: I64
    extra_rows: list[F64] = field(default_factory=list)

    @classmethod
    def empty(cls, reps: int, nb: int) -> Tally:
        """A tally of ``reps`` replications of ``nb`` consignments, nothing recorded yet."""
        shape = (reps, nb)
        return cls(
            outcome=np.zeros(shape, dtype=np.int8),
            cause=np.zeros(shape, dtype=np.int8),
            late=np.zeros(shape, dtype=np.bool_),
            post=np.zeros(shape),
            cancelled=np.zeros(shape, dtype=np.int64),
            extras=np.zeros(shape, dtype=np.int64),
            extra_missed=np.zeros(shape, dtype=np.int64),
            extra_served=np.zeros(shape, dtype=np.int64),
        )


def collect(m: SimModel, lost: F64, cost: F64, first_rep: int, t: Tally) -> ChunkResult:
    """Sum a chunk's tally in doses; ``lost`` and ``cost`` are per replication.

    Per consignment every outcome counts; per replication only patient doses (bookings and
    orders at hospitals), the exports in :func:`_exports`.
    """
    reps, nb = t.outcome.shape
    dose = ~m.book_export  # consignments of patient doses
    wanted = m.book_doses - t.cancelled  # doses still wanted, per consignment instance
    missed_doses = np.where(t.outcome == O_MISSED, wanted, 0)
    late_doses = np.where(t.late, wanted, 0)
    by_outcome = np.zeros((reps, N_OUTCOMES), dtype=np.int64)
    book_outcome = np.zeros((nb, N_OUTCOMES), dtype=np.int64)
    for k in range(N_OUTCOMES):
        doses = t.cancelled if k == O_CANCELLED else np.where(t.outcome == k, wanted, 0)
        by_outcome[:, k] = doses[:, dose].sum(axis=1)
        book_outcome[:, k] = doses.sum(axis=0)
    cause_counts = np.zeros((reps, N_CAUSES), dtype=np.int64)
    book_cause = np.zeros((nb, N_CAUSES), dtype=np.int64)
    for c in range(N_CAUSES):
        doses = np.where(t.cause == c, missed_doses, 0)
        cause_counts[:, c] = doses[:, dose].sum(axis=1)
        book_cause[:, c] = doses.sum(axis=0)
    cause_counts[:, C_SURGE] += t.extra_missed.sum(axis=1)
    book_cause[:, C_SURGE] += t.extra_missed.sum(axis=0)
    all_missed = np.where(dose, missed_doses + t.extra_missed, 0)
    all_wanted = np.where(dose, wanted + t.extras, 0)
    mc, wc = (
        _by(all_missed, m.book_country, len(m.countries)),
        _by(all_wanted, m.book_country, len(m.countries)),
    )
    mp, wp = (
        _by(all_missed, m.book_product, len(m.products)),
        _by(all_wanted, m.book_product, len(m.products)),
    )
    pat = m.book_patient
    summary = np.column_stack(
        [
            m.n_doses + t.extras.sum(axis=1),
            by_outcome[:, O_CANCELLED],
            t.extras.sum(axis=1),
            by_outcome[:, :O_MISSED].sum(axis=1) + t.extra_served.sum(axis=1),
            late_doses[:, dose].sum(axis=1),
            by_outcome[:, 1],
            by_outcome[:, 2],
            by_outcome[:, 3],
            by_outcome[:, O_MISSED] + t.extra_missed.sum(axis=1),
            m.n_patients + t.extras[:, pat].sum(axis=1),
            t.cancelled[:, pat].sum(axis=1),
            all_missed[:, pat].sum(axis=1),
            lost,
            cost,
        ]
    ).astype(np.float64)
    return ChunkResult(
        summary=summary,
        missed_country=mc,
        missed_product=mp,
        wanted_country=wc,
        wanted_product=wp,
        missed_cause=cause_counts,
        book_outcome=book_outcome,
        book_cause=book_cause,
        book_late=late_doses.sum(axis=0).astype(np.int64),
        exceptions=_exceptions(first_rep, t, wanted),
        exports=_exports(m, t),
    )


def _exports(m: SimModel, t: Tally) -> F64:
    """Per replication, the export counts :data:`EXPORT_COLUMNS` (units are never cancelled)."""
    exp = m.book_export
    units = m.book_doses[exp]
    missed = np.where(t.outcome[:, exp] == O_MISSED, units, 0)
    served = np.where(t.outcome[:, exp] < O_MISSED, units, 0)
    return np.column_stack(
        [
            np.full(t.outcome.shape[0], units.sum()),
            served.sum(axis=1),
            missed.sum(axis=1),
            (missed * m.book_unit_bq[exp]).sum(axis=1),
        ]
    ).astype(np.float64)


def _by(doses: I64, group: I64, n: int) -> I64:
    """Per replication, the sum of ``doses`` (R, consignments) over each group's."""
    out = np.zeros((doses.shape[0], n), dtype=np.int64)
    for g in range(n):
        out[:, g] = doses[:, group == g].sum(axis=1)
    return out


def _exceptions(first_rep: int, t: Tally, wanted: I64) -> F64:
    """Exception rows (:data:`EXCEPTION_COLUMNS`), by replication, consignment and extra."""
    exc = ((t.outcome != 0) | t.late) & (t.cause != C_PLAN) & (t.outcome != O_CANCELLED)
    r, b = np.nonzero(exc)
    cols: list[npt.NDArray[np.generic]] = [r + first_rep, b, np.zeros(r.size), wanted[r, b]]
    cols += [t.outcome[r, b], t.cause[r, b], t.post[r, b]]
    rows = np.column_stack(cols).astype(np.float64)
    exceptions = np.concatenate([rows, *t.extra_rows]) if t.extra_rows else rows
    order = np.lexsort((exceptions[:, 2], exceptions[:, 1], exceptions[:, 0]))
    return exceptions[order]
