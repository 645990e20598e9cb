"""The what-if overlays shipped with apac-2025 validate and change what they say they do."""

from __future__ import annotations

import pytest

from isoflow.domain.calendar import epoch
from isoflow.scenario import overlays, rules
from isoflow.scenario.examples import builtin_path
from isoflow.scenario.load import load_scenario
from isoflow.scenario.schema import Scenario
from isoflow.scenario.validate import validate

SHIPPED = overlays.names(builtin_path("apac-2025"))  # type: ignore[arg-type]


def test_the_named_what_ifs_ship() -> None:
    assert {"opal-down-4w", "itm-outage", "israel-export-ban"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_overlay_validates(name: str) -> None:
    report = validate(f"apac-2025+{name}")
    assert report.ok, [str(i) for i in report.errors]
    assert report.scenario is not None
    assert report.scenario.meta.name == f"apac-2025:{name}"


def _runs_possible(sc: Scenario, process_id: str) -> float:
    """Seconds of the week in which a batch of the process may run."""
    proc = next(p for p in sc.processes if p.id == process_id)
    lo, hi = epoch(sc.meta.start), epoch(sc.end)
    _, allowed = rules.process_availability(proc.availability, sc.site(proc.site), lo, hi)
    return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in allowed)


@pytest.mark.parametrize(
    ("name", "processes"),
    [
        ("opal-down-4w", ("opal-irr", "opal-lu177")),
        ("itm-outage", ("itm-lu177", "itm-ac225")),
    ],
)
def test_outage_overlays_stop_their_processes_for_the_week(name, processes) -> None:
    base = load_scenario("apac-2025")
    variant = load_scenario(f"apac-2025+{name}")
    for pid in processes:
        assert _runs_possible(base, pid) > 0, pid
        assert _runs_possible(variant, pid) == 0, pid


def test_export_ban_overlay_restricts_israel() -> None:
    variant = load_scenario("apac-2025+israel-export-ban")
    (ban,) = [r for r in variant.policies.export_restrictions if r.country == "IL"]
    assert ban.products == ()  # every product
    assert ban.start == variant.meta.start
