"""Checks of generator deliveries and their elutions.

Each delivery against its assembly batch (product, parent, daughter, elution efficiency),
its route and arrival, the offered sizes, elutions after arrival, within the shelf life and
before the generator's replacement (at every slot in service for a fixed routine),
each elution's daughter activity recomputed with the exact chain solution, and the eluates
dispensed from what the generators give. Codes: ``unknown_batch``, ``mismatch``, ``sizes``,
``elution_before_arrival``, ``expired``, ``replaced``, ``elution_skipped``,
``elution_mismatch``, ``overdrawn``.
"""

from __future__ import annotations

import math
from collections import defaultdict

from isoflow.domain.calendar import from_epoch
from isoflow.engines.verify.core import REL, SLACK_S, _t
from isoflow.engines.verify.runs import _RunChecks
from isoflow.records.plan import PlanGenerator
from isoflow.scenario.generator_life import service_slots
from isoflow.scenario.rules import (
    elution_process,
    generator_service_end,
    shelf_life_s,
    supply_elutions,
)
from isoflow.scenario.schema import Process, ProcessKind, Product
from isoflow.units import format_duration, to_iso


class _GeneratorChecks(_RunChecks):
    """Generator deliveries, elutions and eluates (arrivals through :class:`_RunChecks`)."""

    def check_generators(self) -> None:
        """Generator deliveries, their elutions, and the eluates dispensed from them."""
        eluted: dict[tuple[str, int], float] = defaultdict(float)
        for g in self.plan.generators:
            self.check_generator(g, eluted)
        for run in self.plan.runs:
            proc = self.processes.get(run.process)
            if proc is None or proc.kind != ProcessKind.ELUTION:
                continue
            available = eluted.get((proc.site, round(_t(run.start_utc) * 1000.0)), 0.0)
            subject = f"elution {run.batch}"
            if not math.isclose(run.activity_eop_bq, available, rel_tol=REL, abs_tol=1.0):
                self.bad(
                    "elution_mismatch",
                    subject,
                    f"eluate of {run.activity_eop_bq:.6g} Bq, generators give {available:.6g} Bq",
                )
            used = sum(a.dispensed_eop_bq for a in self.plan.allocations if a.batch == run.batch)
            if used > available * (1 + REL) + 1.0:
                self.bad(
                    "overdrawn",
                    subject,
                    f"{used:.6g} Bq dispensed, generators give {available:.6g} Bq",
                )

    def elution_process(self, site: str, product: str) -> Process | None:
        """The elution process at ``site`` that takes generators of ``product``."""
        return elution_process(self.sc, site, product)

    def check_generator(self, g: PlanGenerator, eluted: dict[tuple[str, int], float]) -> None:
        """One generator delivery: its record, route, sizes, shelf life and elution yields."""
        subject = f"generator {g.batch} -> {g.site}"
        src = self.runs.get(g.batch)
        if src is None:
            self.bad("unknown_batch", subject, "assembly batch is not in the plan")
            return
        if g.site not in self.sites:
            self.bad("mismatch", subject, f"delivered to {g.site}, not a site of the scenario")
            return
        product = self.products.get(src.product)
        if product is None or product.daughter is None:
            self.bad("mismatch", subject, f"batch {g.batch} makes {src.product}, not a generator")
            return
        proc = self.elution_process(g.site, product.id)
        efficiency = proc.elution_efficiency if proc is not None else g.efficiency
        if (g.product, g.parent, g.daughter) != (product.id, product.nuclide, product.daughter):
            self.bad(
                "mismatch",
                subject,
                f"{g.product} {g.parent} -> {g.daughter}, its batch makes {product.id} "
                f"{product.nuclide} -> {product.daughter}",
            )
        if not math.isclose(g.efficiency, efficiency, rel_tol=1e-9):
            self.bad("mismatch", subject, f"efficiency {g.efficiency}, elution takes {efficiency}")
        calibration = _t(src.end_of_production_utc)
        self.check_legs(subject, g.legs, src.site, g.site, _t(src.release_utc), math.inf, product)
        arrive = self.input_arrival(g, src)
        if abs(_t(g.arrive_utc) - arrive) > SLACK_S:
            self.bad(
                "mismatch", subject, f"arrival {to_iso(g.arrive_utc)} differs from its route's"
            )
        self.check_sizes(subject, g, product)
        self.check_service(subject, g, product, proc, (calibration, arrive))
        self.check_elutions(subject, g, product, efficiency, calibration, eluted)

    def check_service(
        self,
        subject: str,
        g: PlanGenerator,
        product: Product,
        proc: Process | None,
        times_s: tuple[float, float],
    ) -> None:
        """Elutions while the generator is in service; every slot of a fixed routine.

        In service: after it arrives, within its shelf life, before its replacement
        (:func:`~isoflow.scenario.rules.generator_service_end`). A process that elutes every
        slot (``elute_every_slot``) elutes it at each of its slots in service within the
        plan's window (:func:`~isoflow.scenario.generator_life.service_slots`).
        """
        calibration, arrive = times_s
        times = [_t(e.time_utc) for e in g.elutions]
        if any(t < arrive - SLACK_S for t in times):
            self.bad("elution_before_arrival", subject, "eluted before it arrives")
        if any(t > calibration + shelf_life_s(product) + SLACK_S for t in times):
            self.bad("expired", subject, "eluted after its shelf life")
        replaced = generator_service_end(product, proc, math.inf, arrive)
        if any(t > replaced + SLACK_S for t in times):
            every = proc.replace_every if proc is not None else None
            self.bad(
                "replaced",
                subject,
                f"eluted after its replacement ({format_duration(every or 0.0)} after arrival)",
            )
        if proc is None or not proc.elute_every_slot:
            return
        end = min(generator_service_end(product, proc, calibration, arrive), _t(self.plan.end_utc))
        lo = max(arrive, _t(self.plan.earliest_run_utc))
        slots = service_slots(proc, self.sites[g.site], lo, end)
        plan_end = _t(self.plan.end_utc)
        skipped = [
            t
            for t in slots
            if t + proc.duration < plan_end and not any(abs(t - e) <= SLACK_S for e in times)
        ]
        if skipped:
            self.bad(
                "elution_skipped",
                subject,
                f"{proc.id} elutes at every slot in service; {len(skipped)} skipped, the first "
                f"at {from_epoch(skipped[0]).isoformat()}",
            )

    def check_elutions(
        self,
        subject: str,
        g: PlanGenerator,
        product: Product,
        efficiency: float,
        calibration: float,
        eluted: dict[tuple[str, int], float],
    ) -> None:
        """Each elution's daughter activity, recomputed with the exact chain solution.

        The generator holds ``g.activity_calibration_bq`` of the product's parent at
        calibration (its batch's EOP) and is eluted at every listed time, in time order, by
        the elution rule (:func:`~isoflow.scenario.rules.supply_elutions`: the process's
        efficiency, its decline with age, the elution limit, a discarded first elution); what
        each elution gives to doses adds to ``eluted``.
        """
        elutions = sorted(g.elutions, key=lambda e: _t(e.time_utc))
        if g.activity_calibration_bq <= 0 or not elutions or product.daughter is None:
            return
        if _t(elutions[0].time_utc) < calibration:
            return  # reported as elution_before_arrival (nothing arrives before calibration)
        times = [_t(e.time_utc) for e in elutions]
        proc = self.elution_process(g.site, product.id)
        discard = proc.discard_first_elution if proc is not None else False
        offsets = tuple(t - calibration for t in times)
        per_bq = supply_elutions(product, offsets, efficiency, discard)
        for e, t, share in zip(elutions, times, per_bq, strict=True):
            value = share * g.activity_calibration_bq
            if not math.isclose(value, e.daughter_bq, rel_tol=REL, abs_tol=1.0):
                self.bad(
                    "elution_mismatch",
                    subject,
                    f"elution at {to_iso(e.time_utc)} recomputes to {value:.6g} Bq, "
                    f"plan says {e.daughter_bq:.6g} Bq",
                )
            eluted[(g.site, round(t * 1000.0))] += value

    def check_sizes(self, subject: str, g: PlanGenerator, product: Product) -> None:
        """Generators come in offered sizes that add up to the delivered activity."""
        if not product.sizes:
            return
        if not math.isclose(sum(g.sizes_bq), g.activity_calibration_bq, rel_tol=1e-6, abs_tol=1.0):
            self.bad(
                "sizes",
                subject,
                f"sizes add up to {sum(g.sizes_bq):.6g} Bq, "
                f"activity is {g.activity_calibration_bq:.6g} Bq",
            )
        for s in g.sizes_bq:
            if not any(math.isclose(s, v, rel_tol=1e-9) for v in product.sizes):
                self.bad("sizes", subject, f"a generator of {s:.6g} Bq is not offered")
