"""Make or buy: build a facility or pay a CDMO per dose, over a demand path.

Cash flows are costs in the scenario currency. The facility is built at ``t = 0`` (capex,
undiscounted) and runs for ``lifetime_years`` years ``t = 1 .. L``; year ``t`` is
discounted by ``(1 + r)^-t``. Demand is ``D_t = D_1 · (1 + g)^(t-1)``. The facility ramps up
linearly: it can make ``C · f_t`` doses with ``f_t = min(1, t / ramp_up_years)`` (``f_t = 1``
with no ramp-up); what it cannot make is bought from the CDMO, so both options serve the
same demand::

    NPV_buy  = Σ_t D_t · p / (1 + r)^t
    NPV_make = capex + Σ_t [opex + v · M_t + p · (D_t − M_t)] / (1 + r)^t,   M_t = min(D_t, C·f_t)
    savings  = NPV_buy − NPV_make          (> 0: building is cheaper)

*Break-even volume*: the constant annual volume ``V`` (no growth, same ramp-up) at which
``savings = 0``; with no ramp-up and ``V ≤ C`` it is
``V* = (capex / A + opex) / (p − v)`` with the annuity factor ``A = Σ_t (1 + r)^-t``.
*Break-even price*: the CDMO price at which ``savings = 0`` on the demand path,
``p* = v + (capex + opex·A) / Σ_t M_t (1 + r)^-t``.
The *tornado* moves each input by ±20 % (integers rounded, but by at least one) and records
the savings.

Default inputs are illustrative estimates for a Lu-177 labelling line, not facts: capex of
the order of FutureChem's Gijang plant (KRW 12 bn ≈ USD 9 M, reference/apac-network.md) plus
equipment; both prices exclude the isotope, which either option must buy.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from isoflow import bounds
from isoflow.errors import InputError


@dataclass(frozen=True)
class MakeOrBuyInputs:
    """Inputs of the make-or-buy comparison (money in the scenario currency)."""

    capex: float = 12e6
    """Investment at t = 0 (building, hot cells, synthesis modules, licensing)."""
    opex_per_year: float = 2.5e6
    """Fixed operating cost per year (staff, QC, maintenance, GMP)."""
    capacity_doses_per_year: float = 10_000.0
    """Doses per year at full capacity."""
    ramp_up_years: int = 2
    """Years to reach full capacity, linearly (0: full capacity in year 1)."""
    lifetime_years: int = 15
    """Years of operation."""
    discount_rate: float = 0.08
    """Real discount rate per year [1]."""
    variable_cost_per_dose: float = 600.0
    """In-house cost per dose made (materials, consumables; isotope excluded)."""
    cdmo_price_per_dose: float = 2_000.0
    """CDMO price per dose (isotope excluded)."""
    demand_doses_year1: float = 3_000.0
    """Doses needed in the first year of operation."""
    demand_growth: float = 0.15
    """Relative demand growth per year [1]."""

    def __post_init__(self) -> None:
        for name, bound in BOUNDS.items():
            bound.check(getattr(self, name), name)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], base: MakeOrBuyInputs | None = None
    ) -> MakeOrBuyInputs:
        """Inputs from a mapping (e.g. a YAML file); unknown keys are an error."""
        names = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise InputError(
                unknown[0], f"unknown make-or-buy input; expected one of {', '.join(names)}"
            )
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if names[key].type == "int" and type(raw) is int:
                values[key] = raw  # any size: the bound says what is too large
                continue
            try:
                number = float(raw)
            except (TypeError, ValueError, OverflowError):
                raise InputError(key, f"expected a number, got {raw!r}") from None
            if names[key].type == "int":
                if isinstance(raw, bool) or not number.is_integer():
                    raise InputError(key, f"expected a whole number, got {raw!r}")
                values[key] = int(number)
            else:
                values[key] = number
        return dataclasses.replace(base or cls(), **values)


BOUNDS: dict[str, bounds.Bound] = {
    "capex": bounds.MONEY,
    "opex_per_year": bounds.MONEY,
    "capacity_doses_per_year": bounds.CAPACITY_DOSES,
    "ramp_up_years": bounds.RAMP_UP,
    "lifetime_years": bounds.LIFETIME,
    "discount_rate": bounds.DISCOUNT_RATE,
    "variable_cost_per_dose": bounds.MONEY,
    "cdmo_price_per_dose": bounds.MONEY,
    "demand_doses_year1": bounds.DOSES,
    "demand_growth": bounds.GROWTH_RATE,
}
"""Bound of every input (money up to 10^12, rates a business case can mean)."""


@dataclass(frozen=True)
class MakeOrBuyYear:
    """One year of the comparison."""

    year: int
    demand: float
    capacity: float
    made: float
    bought: float
    discount_factor: float
    make_cost: float
    """Undiscounted cost of the make option this year (capex in year 0)."""
    buy_cost: float


@dataclass(frozen=True)
class TornadoBar:
    """Savings with one input moved down and up."""

    input: str
    low_value: float
    high_value: float
    savings_low: float
    savings_high: float
    swing: float


@dataclass(frozen=True)
class MakeOrBuyResult:
    """NPVs, break-evens, the yearly table and the tornado."""

    npv_make: float
    npv_buy: float
    savings: float
    """``npv_buy - npv_make``; positive means building is cheaper."""
    decision: str
    break_even_volume: float | None
    """Constant doses per year at which both cost the same; None above capacity."""
    break_even_price: float | None
    """CDMO price per dose at which both cost the same; None if nothing is made."""
    levelised_cost_per_dose: float
    """``(capex / A + opex) / C + v``: in-house cost per dose at full capacity."""
    years: tuple[MakeOrBuyYear, ...]
    tornado: tuple[TornadoBar, ...]
    inputs: MakeOrBuyInputs


def _fraction(t: int, ramp: int) -> float:
    return 1.0 if ramp <= 0 else min(1.0, t / ramp)


def _years(x: MakeOrBuyInputs, volume: float | None = None) -> list[MakeOrBuyYear]:
    out = [MakeOrBuyYear(0, 0.0, 0.0, 0.0, 0.0, 1.0, x.capex, 0.0)]
    for t in range(1, x.lifetime_years + 1):
        demand = (
            volume
            if volume is not None
            else (x.demand_doses_year1 * (1 + x.demand_growth) ** (t - 1))
        )
        cap = x.capacity_doses_per_year * _fraction(t, x.ramp_up_years)
        made = min(demand, cap)
        bought = demand - made
        out.append(
            MakeOrBuyYear(
                year=t,
                demand=demand,
                capacity=cap,
                made=made,
                bought=bought,
                discount_factor=(1 + x.discount_rate) ** -t,
                make_cost=x.opex_per_year
                + x.variable_cost_per_dose * made
                + x.cdmo_price_per_dose * bought,
                buy_cost=x.cdmo_price_per_dose * demand,
            )
        )
    return out


def _npvs(x: MakeOrBuyInputs, volume: float | None = None) -> tuple[float, float]:
    years = _years(x, volume)
    make = sum(y.make_cost * y.discount_factor for y in years)
    buy = sum(y.buy_cost * y.discount_factor for y in years)
    return make, buy


def savings(x: MakeOrBuyInputs, volume: float | None = None) -> float:
    """``NPV_buy - NPV_make`` on the demand path (or at a constant annual ``volume``)."""
    make, buy = _npvs(x, volume)
    return buy - make


def break_even_volume(x: MakeOrBuyInputs) -> float | None:
    """Constant annual volume at which making costs the same as buying (None if > capacity)."""
    hi = x.capacity_doses_per_year
    if savings(x, hi) < 0:
        return None
    lo = 0.0
    if savings(x, lo) >= 0:
        return 0.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if savings(x, mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * max(1.0, hi):
            break
    return (lo + hi) / 2


def break_even_price(x: MakeOrBuyInputs) -> float | None:
    """CDMO price per dose at which making costs the same as buying, on the demand path."""
    years = _years(x)[1:]
    made = sum(y.made * y.discount_factor for y in years)
    if made <= 0:
        return None
    fixed = x.capex + sum(x.opex_per_year * y.discount_factor for y in years)
    return x.variable_cost_per_dose + fixed / made


TORNADO_INPUTS = tuple(f.name for f in fields(MakeOrBuyInputs))


def tornado(x: MakeOrBuyInputs, swing: float = 0.2) -> list[TornadoBar]:
    """Savings with each input at ``(1 ± swing)`` times its value, widest swing first.

    A moved value is kept within its input's bound (:data:`BOUNDS`).
    """
    bounds.SWING.check(swing, "swing")
    out = []
    for f in fields(x):
        value = getattr(x, f.name)
        lo, hi = value * (1 - swing), value * (1 + swing)
        if f.type == "int":  # rounded, but moved by at least one year
            lo = float(max(0, min(math.floor(lo + 0.5), value - 1)))
            hi = float(max(math.floor(hi + 0.5), value + 1))
        lo, hi = BOUNDS[f.name].clamp(lo), BOUNDS[f.name].clamp(hi)  # stay within the bounds
        kind: type[int] | type[float] = int if f.type == "int" else float
        low: dict[str, Any] = {f.name: kind(lo)}
        high: dict[str, Any] = {f.name: kind(hi)}
        s_lo = savings(dataclasses.replace(x, **low))
        s_hi = savings(dataclasses.replace(x, **high))
        out.append(TornadoBar(f.name, lo, hi, s_lo, s_hi, abs(s_hi - s_lo)))
    out.sort(key=lambda b: -b.swing)
    return out


def make_or_buy(inputs: MakeOrBuyInputs | None = None, swing: float = 0.2) -> MakeOrBuyResult:
    """Compare building a facility with buying doses from a CDMO (see module doc)."""
    x = inputs or MakeOrBuyInputs()
    make, buy = _npvs(x)
    annuity = sum((1 + x.discount_rate) ** -t for t in range(1, x.lifetime_years + 1))
    diff = buy - make
    return MakeOrBuyResult(
        npv_make=make,
        npv_buy=buy,
        savings=diff,
        decision="make" if diff > 0 else "buy",
        break_even_volume=break_even_volume(x),
        break_even_price=break_even_price(x),
        levelised_cost_per_dose=(x.capex / annuity + x.opex_per_year) / x.capacity_doses_per_year
        + x.variable_cost_per_dose,
        years=tuple(_years(x)),
        tornado=tuple(tornado(x, swing)),
        inputs=x,
    )
