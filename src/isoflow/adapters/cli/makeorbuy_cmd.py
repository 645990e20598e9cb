"""``isoflow analyze make-or-buy``: build a facility or buy doses from a CDMO.

Inputs come from the defaults (or, with ``--process``, from a process of a scenario and its
plan: :mod:`isoflow.engines.analysis.makeorbuy_plan`), then an ``--inputs`` YAML file, then
the flags; each is
checked against its bound (:data:`isoflow.engines.analysis.makeorbuy.BOUNDS`) and an error
names the flag, or the file and key. Prints the NPVs, break-evens and the tornado, and
writes them like the other analyses. Exit codes: 0 done, 2 usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from isoflow import bounds
from isoflow.adapters.cli.analyze_cmds import (
    DEFAULT_OUT,
    OutOpt,
    analyze_app,
    write_outputs,
)
from isoflow.adapters.cli.common import (
    console,
    flags,
    print_wrote,
    reports_errors,
    run_record,
    usage_error,
)
from isoflow.errors import InputError

if TYPE_CHECKING:
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs, MakeOrBuyResult


@reports_errors("option")
def make_or_buy_cmd(
    inputs: Annotated[
        Path | None, typer.Option("--inputs", help="YAML file with any of the inputs below.")
    ] = None,
    capex: Annotated[
        float | None, typer.Option(help=f"Investment at year 0 [12e6]; {bounds.MONEY.text}.")
    ] = None,
    opex: Annotated[
        float | None,
        typer.Option(help=f"Fixed operating cost per year [2.5e6]; {bounds.MONEY.text}."),
    ] = None,
    capacity: Annotated[
        float | None,
        typer.Option(help=f"Doses per year at full capacity [1e4]; {bounds.CAPACITY_DOSES.text}."),
    ] = None,
    ramp_up: Annotated[
        int | None, typer.Option(help=f"Years to full capacity [2]; {bounds.RAMP_UP.text}.")
    ] = None,
    lifetime: Annotated[
        int | None, typer.Option(help=f"Years of operation [15]; {bounds.LIFETIME.text}.")
    ] = None,
    discount_rate: Annotated[
        float | None,
        typer.Option(help=f"Discount rate per year [0.08]; {bounds.DISCOUNT_RATE.text}."),
    ] = None,
    variable_cost: Annotated[
        float | None,
        typer.Option(help=f"In-house cost per dose, isotope excluded [600]; {bounds.MONEY.text}."),
    ] = None,
    cdmo_price: Annotated[
        float | None,
        typer.Option(help=f"CDMO price per dose, isotope excluded [2000]; {bounds.MONEY.text}."),
    ] = None,
    demand: Annotated[
        float | None, typer.Option(help=f"Doses needed in year 1 [3000]; {bounds.DOSES.text}.")
    ] = None,
    growth: Annotated[
        float | None,
        typer.Option(
            help="Demand growth per year as a fraction (0.15 is +15 %) [0.15]; "
            f"{bounds.GROWTH_RATE.text}."
        ),
    ] = None,
    swing: Annotated[
        float,
        typer.Option(help=f"Tornado: relative change of each input; {bounds.SWING.text}."),
    ] = 0.2,
    currency: Annotated[str, typer.Option(help="Currency label.")] = "USD",
    process: Annotated[
        str | None,
        typer.Option(
            "--process",
            help="Take demand, growth, capacity, in-house cost per dose (and the CDMO price, "
            "from a priced supply agreement of the product) from this process of --scenario "
            "and its plan; inputs given here or in --inputs still win.",
        ),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario of --process [apac-2025].")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="plan.json (or its folder) of --scenario; default: plan it."),
    ] = None,
    out: OutOpt = DEFAULT_OUT,
) -> None:
    """Build a facility or buy from a CDMO: NPVs, break-even volume and price, tornado."""
    options = dict(locals())  # as given, for manifest.json
    from isoflow.adapters.cli.common import target

    target.local_only("analyze make-or-buy")
    from isoflow.engines.analysis.charts import tornado
    from isoflow.engines.analysis.makeorbuy import make_or_buy
    from isoflow.engines.analysis.outputs import make_or_buy_output

    given = {
        "capex": capex,
        "opex_per_year": opex,
        "capacity_doses_per_year": capacity,
        "ramp_up_years": ramp_up,
        "lifetime_years": lifetime,
        "discount_rate": discount_rate,
        "variable_cost_per_dose": variable_cost,
        "cdmo_price_per_dose": cdmo_price,
        "demand_doses_year1": demand,
        "demand_growth": growth,
    }
    base = _from_plan(process, scenario, plan) if process is not None else None
    x = _make_or_buy_inputs(inputs, {k: v for k, v in given.items() if v is not None}, base)
    with flags(swing="--swing"):
        bounds.SWING.check(swing, "swing")
    res = make_or_buy(x, swing)
    _print_result(res, swing, currency)
    svg = tornado(
        [(b.input, b.savings_low, b.savings_high) for b in res.tornado],
        res.savings,
        f"Make-or-buy savings sensitivity (±{swing:.0%})",
        f"NPV savings of making [{currency}]",
    )
    rs = write_outputs(
        out,
        make_or_buy_output(res, x, currency),
        svg,
        run=run_record("analyze make-or-buy", options, inputs=inputs),
    )
    print_wrote(rs)


def _print_result(res: MakeOrBuyResult, swing: float, currency: str) -> None:
    """The NPV table, the sensitivity table and the inputs used."""
    table = Table(title="Make or buy (NPV of costs)", title_justify="left")
    table.add_column("item")
    table.add_column("value", justify="right")
    for label, value in (
        ("NPV make (build + run, buy the rest)", f"{res.npv_make:,.0f} {currency}"),
        ("NPV buy (CDMO)", f"{res.npv_buy:,.0f} {currency}"),
        ("savings of making", f"{res.savings:,.0f} {currency}"),
        ("decision", res.decision.upper()),
        (
            "break-even volume",
            "above capacity"
            if res.break_even_volume is None
            else f"{res.break_even_volume:,.0f} doses/yr",
        ),
        (
            "break-even CDMO price",
            "-" if res.break_even_price is None else f"{res.break_even_price:,.0f} {currency}/dose",
        ),
        ("levelised in-house cost at capacity", f"{res.levelised_cost_per_dose:,.0f} {currency}"),
    ):
        table.add_row(label, value)
    console.print(table)
    tt = Table(title=f"Sensitivity (each input ±{swing:.0%}; savings)", title_justify="left")
    for col in ("input", "low", "high", "savings low", "savings high"):
        tt.add_column(col, justify="left" if col == "input" else "right")
    for b in res.tornado:
        tt.add_row(
            b.input,
            f"{b.low_value:g}",
            f"{b.high_value:g}",
            f"{b.savings_low:,.0f}",
            f"{b.savings_high:,.0f}",
        )
    console.print(tt)
    console.print(
        "inputs: " + ", ".join(f"{k}={v:g}" for k, v in vars(res.inputs).items()), markup=False
    )


MAKE_OR_BUY_FLAGS = {
    "capex": "--capex",
    "opex_per_year": "--opex",
    "capacity_doses_per_year": "--capacity",
    "ramp_up_years": "--ramp-up",
    "lifetime_years": "--lifetime",
    "discount_rate": "--discount-rate",
    "variable_cost_per_dose": "--variable-cost",
    "cdmo_price_per_dose": "--cdmo-price",
    "demand_doses_year1": "--demand",
    "demand_growth": "--growth",
}
"""Flag of each make-or-buy input (errors name the flag, never the field)."""


def _from_plan(process: str, scenario: str | None, plan_path: Path | None) -> MakeOrBuyInputs:
    """Inputs derived from ``process`` and its scenario's plan, printed with their sources."""
    from isoflow.adapters.cli.common import load_valid, plan_from
    from isoflow.engines.analysis.makeorbuy_plan import inputs_from_plan
    from isoflow.engines.planner.api import make_plan

    sc = load_valid(scenario or "apac-2025")
    if plan_path is not None:
        the_plan = plan_from(plan_path, "option '--plan'")
    else:
        with console.status(f"planning {sc.meta.name}...", spinner="dots"):
            the_plan = make_plan(sc)
    try:
        derived_inputs, d = inputs_from_plan(sc, the_plan, process)
    except InputError as exc:  # the engine names its field; here it is the flag
        raise usage_error(f"option '--process': {exc.message}") from None
    console.print(
        f"from the plan of {sc.meta.name}: {d.process} makes {d.product}, {d.doses_per_week} "
        f"doses in {d.runs_per_week} runs a week ({d.mean_eop_bq_per_dose / 1e9:.3f} GBq at "
        f"EOP a dose, so {d.doses_per_batch:,.1f} doses a batch; {d.batches_per_year} batches "
        f"a year); in-house {d.cost_per_dose:,.2f} a dose (its runs' fixed and variable cost)",
        markup=False,
    )
    for note in d.notes:
        console.print(f"  - {note}", markup=False)
    return derived_inputs


def _make_or_buy_inputs(
    inputs: Path | None, given: dict[str, float], derived: MakeOrBuyInputs | None = None
) -> MakeOrBuyInputs:
    """Defaults (or ``derived``), then the ``--inputs`` file, then the flags.

    Errors name the flag, or the file and key.
    """
    from isoflow.engines.analysis.makeorbuy import MakeOrBuyInputs

    base = derived or MakeOrBuyInputs()
    if inputs is not None:
        data, lines = _read_yaml(inputs)
        try:
            base = MakeOrBuyInputs.from_mapping(data, base)
        except InputError as exc:
            if exc.field == "--inputs":
                raise
            where = f"{inputs}:{lines[exc.field]}" if exc.field in lines else str(inputs)
            raise InputError("--inputs", f"{where}: {exc.field}: {exc.message}") from None
    with flags(**MAKE_OR_BUY_FLAGS):
        return MakeOrBuyInputs.from_mapping(given, base)


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The mapping of an ``--inputs`` file, and the line of each of its keys."""
    from isoflow.scenario.yamlpos import parse_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("--inputs", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.object[exc.start]:#04x} at offset {exc.start}"
        raise InputError("--inputs", f"{path} is not UTF-8 text ({where})") from None
    data, issues = parse_yaml(text, str(path))  # never raises: issues with their lines
    if issues:
        where = f"{path}:{issues[0].line}" if issues[0].line else str(path)
        raise InputError("--inputs", f"{where}: {issues[0].message}")
    if not isinstance(data, dict):
        raise InputError("--inputs", f"{path} must hold a mapping of input: value")
    lc = getattr(data, "lc", None)  # ruamel's line and column of each key
    lines = {str(k): int(lc.key(k)[0]) + 1 for k in data} if lc is not None else {}
    return {str(k): v for k, v in data.items()}, lines


def register(app: typer.Typer, scenario_app: typer.Typer) -> None:
    """Add ``isoflow analyze make-or-buy`` (the ``analyze`` group is added by analyze_cmds)."""
    del app, scenario_app
    analyze_app.command("make-or-buy")(make_or_buy_cmd)
