"""Where each actor of the source article shows in the built-in's outputs.

Every system the trade article names must appear in the base plan (a run at its site), in
the capacity analysis (a supply process of its site with capacity in some year 2025-2035),
or as a party to a contract the plan must honour (a supply agreement or an exclusive
distribution). :data:`ACTORS` says where each is expected; one that shows nowhere yet is a
known gap with its reason (a strict expected failure, so that the mark must go the day it
shows). ``python tests/builtin/test_article_actors.py`` prints the table.
"""

from __future__ import annotations

from functools import cache

import pytest

from isoflow.engines.analysis.capacity import process_capacities

from .base_week import apac, base_plan

PLAN, CAPACITY, CONTRACT = "base plan", "capacity analysis", "contract"

ACTORS: dict[str, tuple[str, str, str]] = {
    # site id: (article's name, where it must show, known gap: why it does not yet)
    "au_ansto_opal": ("ANSTO / OPAL", PLAN, ""),
    "us_shine_janesville": ("SHINE (n.c.a. Lu-177)", PLAN, ""),
    "tw_primo": ("Primo Biotechnology (SHINE's exclusive distributor)", CONTRACT, ""),
    "il_isotopia": ("Isotopia (n.c.a. Lu-177 for FutureChem)", CAPACITY, ""),
    "kr_futurechem_gijang": ("FutureChem (Gijang GMP site)", PLAN, ""),
    "be_pantera": ("PanTera (Ac-225 for SK Biopharm, from 2029)", CAPACITY, ""),
    "kr_sk_biopharm": ("SK Biopharm", CONTRACT, ""),
    "cn_qinshan_phwr": ("CNNC Qinshan (Lu-177)", CAPACITY, ""),
    "cn_novartis_haiyan": (
        "Novartis Haiyan (RLT site, from 2026)",
        CAPACITY,
        "a drug-product site: the capacity analysis counts supply isotopes only, and the "
        "base week (Aug 2025) is before it opens",
    ),
    "kr_duchembio": ("DuChemBio (FDG, O-18 recovery)", CAPACITY, ""),
    "kr_kaeri_hanaro": ("KAERI HANARO (Lu-177)", CAPACITY, ""),
    "kr_kaeri_kjrr": ("KAERI KJRR (Mo-99, Lu-177; from 2026)", CAPACITY, ""),
    "kr_kirams": ("KIRAMS (cyclotrons, Ac-225 trial)", CAPACITY, ""),
    "au_advancell": ("AdvanCell (Pb-212)", CAPACITY, ""),
    "jp_nmp": ("GE HealthCare / Nihon Medi-Physics", PLAN, ""),
}
"""The article's actors that are sites of the scenario. Not exercised yet: CellBion (its
Lu-177-DGUL is not a product of the scenario; its Lu-PSMA process is rarely the cheapest),
Telix/ARTMS, Sumitomo, Clarity, Radiopharm Theranostics and Korea's 2035 roadmap (not sites
of their own)."""


@cache
def capacity_sites() -> frozenset[str]:
    rows = process_capacities(apac(), range(2025, 2036))
    return frozenset(r.site for r in rows if r.capacity_bq > 0)


@cache
def contract_sites() -> frozenset[str]:
    pol = apac().policies
    parties = {x for a in pol.supply_agreements for x in (a.supplier, a.customer)}
    parties |= {x for e in pol.exclusive_distribution for x in (e.supplier, e.distributor)}
    return frozenset(parties)


@cache
def plan_sites() -> frozenset[str]:
    return frozenset(r.site for r in base_plan().runs)


WHERE = {PLAN: plan_sites, CAPACITY: capacity_sites, CONTRACT: contract_sites}


def test_every_actor_is_a_site() -> None:
    ids = {s.id for s in apac().sites}
    assert set(ACTORS) <= ids


@pytest.mark.parametrize("site", [s for s, (_, w, _) in ACTORS.items() if w != PLAN])
def test_actor_shows_in_the_analysis_or_a_contract(site: str) -> None:
    _check(site)


@pytest.mark.slow
@pytest.mark.parametrize("site", [s for s, (_, w, _) in ACTORS.items() if w == PLAN])
def test_actor_makes_something_in_the_base_plan(site: str) -> None:
    _check(site)


def _check(site: str) -> None:
    name, where, gap = ACTORS[site]
    shown = site in WHERE[where]()
    if gap:
        if shown:
            pytest.fail(f"{name} now shows in the {where}: remove its known gap")
        pytest.xfail(gap)
    assert shown, f"{name} ({site}) does not show in the {where}"


if __name__ == "__main__":
    for site, (name, where, gap) in ACTORS.items():
        shown = site in WHERE[where]()
        print(f"| {name} | {where} | {'yes' if shown else 'no: ' + gap} |")
