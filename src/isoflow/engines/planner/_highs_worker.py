"""Child-process entry point of the planner's solver: load arrays, run HiGHS, save results.

Run as a script by :func:`isoflow.engines.planner.solver_run.run_worker`; it imports only
NumPy and highspy so that it starts in a fraction of a second. Small models are solved in
the planner's own process by the same :func:`run_highs` (:func:`.solver_run.in_process`).
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _whole_model_rule(path: str) -> Callable[[Any], None]:
    """MIP interrupt callback: stop once the whole model is within its gap.

    The whole model is this part plus the finished ones, which the rule file (written by the
    parent when this part is the last one running) sums up.
    """
    state: dict[str, Any] = {"read_at": -1.0, "rule": None}

    def check(event: Any) -> None:
        now = time.monotonic()
        if now - state["read_at"] >= 0.25:  # look at the file at most four times a second
            state["read_at"] = now
            try:
                with open(path, encoding="utf-8") as f:
                    state["rule"] = json.load(f)
            except (OSError, ValueError):
                state["rule"] = None
        rule = state["rule"]
        primal, dual = event.data_out.mip_primal_bound, event.data_out.mip_dual_bound
        if rule is None or not (abs(primal) < 1e300 and abs(dual) < 1e300):
            return
        open_gap = float(rule["open"]) + (primal - dual)
        if open_gap <= float(rule["gap"]) * abs(float(rule["objective"]) + primal):
            event.interrupt()

    return check


_ASKED: list[int] = []
"""The stop signals the parent sent (a graceful child's SIGTERM handler records them)."""


def _record_ask(signum: int, frame: object) -> None:
    del frame
    _ASKED.append(signum)


def _stop_when_asked(event: Any) -> None:
    """MIP interrupt callback: stop with the incumbent once the parent asked (SIGTERM).

    The parent asks on a wind-down (``isoflow plan --keep-best`` stopped by the user); HiGHS
    then returns its best plan so far instead of being killed with it. An ask that came
    before the solve began stops it at the first call.
    """
    if _ASKED:
        event.interrupt()


def run_highs(
    arrays: dict[str, Any],
    options: dict[str, Any],
    interrupt: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """One HiGHS run on ``arrays``; the solver's own figures and values.

    ``interrupt``, if given, is asked at HiGHS's simplex, interior-point and MIP interrupt
    callbacks; when it returns True the run stops (a MIP with its incumbent).
    """
    import highspy

    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(options["time_limit_s"]))
    highs.setOptionValue("mip_rel_gap", float(options["mip_gap"]))
    highs.setOptionValue("threads", int(options["threads"]))
    highs.setOptionValue("random_seed", int(options["seed"]))
    lp_solver = str(options.get("lp_solver", "choose"))
    if arrays["integer"].any():  # a MIP: the solver of its root relaxation
        highs.setOptionValue("mip_lp_solver", lp_solver)
    else:
        highs.setOptionValue("solver", lp_solver)
    lp = highspy.HighsLp()
    lp.num_col_ = int(arrays["col_cost"].size)
    lp.num_row_ = int(arrays["row_lower"].size)
    lp.col_cost_ = arrays["col_cost"]
    if "offset" in arrays:  # per column; the model's constant is their sum
        lp.offset_ = float(arrays["offset"].sum())
    lp.col_lower_ = arrays["col_lower"]
    lp.col_upper_ = arrays["col_upper"]
    lp.row_lower_ = arrays["row_lower"]
    lp.row_upper_ = arrays["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = arrays["start"]
    lp.a_matrix_.index_ = arrays["index"]
    lp.a_matrix_.value_ = arrays["value"]
    if arrays["integer"].any():
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if b else kinds.kContinuous for b in arrays["integer"]]
    highs.passModel(lp)
    if options.get("rule_file"):
        highs.cbMipInterrupt += _whole_model_rule(str(options["rule_file"]))
    if options.get("graceful") and arrays["integer"].any():
        highs.cbMipInterrupt += _stop_when_asked
    if interrupt is not None:
        _add_interrupt(highs, interrupt)
    start = arrays.get("start_solution")
    if start is not None and start.size == lp.num_col_:
        highs.setSolution(start.size, np.arange(start.size, dtype=np.int32), start)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    name = highs.modelStatusToString(status)
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.array(highs.getSolution().col_value, dtype=np.float64) if has_primal else None
    mip = bool(arrays["integer"].any())
    return {
        "status": name,
        "objective": float(info.objective_function_value) if has_primal else None,
        "bound": float(info.mip_dual_bound) if mip and has_primal else None,
        "gap": float(info.mip_gap) if mip and has_primal else (0.0 if has_primal else None),
        "values": values,
        "violation": violation(arrays, values) if values is not None else None,
    }


def _add_interrupt(highs: Any, interrupt: Callable[[], bool]) -> None:
    """Stop ``highs`` at its next interrupt callback once ``interrupt()`` is True."""

    def check(event: Any) -> None:
        if interrupt():
            event.interrupt()

    highs.cbSimplexInterrupt += check
    highs.cbIpmInterrupt += check
    highs.cbMipInterrupt += check


def violation(arrays: dict[str, Any], values: Any) -> float:
    """Largest violation of a bound, a row or integrality by ``values`` (scaled by magnitude)."""
    n_rows = int(arrays["row_lower"].size)
    activity = np.zeros(n_rows)
    counts = np.diff(arrays["start"])
    np.add.at(activity, arrays["index"], arrays["value"] * np.repeat(values, counts))
    scale_r = 1.0 + np.abs(np.where(np.isfinite(arrays["row_upper"]), arrays["row_upper"], 0.0))
    rows = np.maximum(arrays["row_lower"] - activity, activity - arrays["row_upper"]) / scale_r
    cols = np.maximum(arrays["col_lower"] - values, values - arrays["col_upper"])
    integer = arrays["integer"].astype(bool)
    frac = np.abs(values[integer] - np.rint(values[integer]))
    parts = [rows.max(initial=0.0), cols.max(initial=0.0), frac.max(initial=0.0)]
    return float(max(parts))


def main(model_path: str, result_path: str, options_json: str) -> None:
    """Solve the model saved at ``model_path``; save the outcome to ``result_path``."""
    with np.load(model_path, allow_pickle=False) as saved:
        arrays = {k: saved[k] for k in saved.files}
    raw = run_highs(arrays, json.loads(options_json))
    values = raw.pop("values")
    raw["has_values"] = values is not None
    np.savez(
        result_path,
        meta=np.array(json.dumps(raw)),
        values=values if values is not None else np.zeros(0),
    )


if __name__ == "__main__":
    # The parent decides when to stop (it kills this process); Ctrl-C at a terminal reaches
    # the whole process group and must not end the solver with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if json.loads(sys.argv[3]).get("graceful"):  # asked to stop by SIGTERM (--keep-best)
        signal.signal(signal.SIGTERM, _record_ask)
    main(*sys.argv[1:4])
