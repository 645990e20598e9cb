"""How the plan's solve ended (``plan.json``: ``solver.status``)."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    """Solved to the requested gap."""
    FEASIBLE = "feasible"
    """A plan was found but the time limit stopped the search before the requested gap."""
    INFEASIBLE = "infeasible"
    """No plan satisfies the hard constraints."""
    NO_SOLUTION = "no_solution"
    """The time limit was reached before any plan was found."""
    WATCHDOG = "watchdog"
    """The solver overran its time limit and was stopped."""
    ERROR = "error"
    """The solver failed."""
    HEURISTIC = "heuristic"
    """No optimiser ran: the plan is the baseline planner's rules of thumb."""
