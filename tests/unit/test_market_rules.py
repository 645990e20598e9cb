"""The market rules: which sites are markets, and the service area does not bind exports."""

from __future__ import annotations

from typing import Any

from isoflow.scenario.rules import SupplyBar, is_market, supply_bar
from isoflow.scenario.schema import Site


def place(id_: str, kinds: list[str], **extra: Any) -> Site:
    return Site.model_validate(
        {
            "id": id_,
            "name": id_,
            "country": "AU",
            "lat": -34.0,
            "lon": 151.0,
            "timezone": "Australia/Sydney",
            "kind": kinds,
            **extra,
        }
    )


def test_a_market_is_a_site_of_kind_market() -> None:
    assert is_market(place("eu", ["market"]))
    assert is_market(place("eu", ["hub", "market"]))
    assert not is_market(place("h", ["hospital"]))


def test_a_service_area_limits_hospitals_but_not_exports() -> None:
    # the hospital radiopharmacy serves itself and 'near' only; a market is no hospital
    pharmacy = place("own", ["hospital", "radiopharmacy"], service_area=["near"])
    assert supply_bar(pharmacy, place("near", ["hospital"]), "fdg") is None
    assert supply_bar(pharmacy, place("far", ["hospital"]), "fdg") == SupplyBar.SERVICE_AREA
    assert supply_bar(pharmacy, place("eu", ["market"]), "fdg") is None
    # licences and GMP markets still apply to an export
    licensed = place("cdmo", ["cdmo"], licences=[{"product": "fdg", "countries": ["NZ"]}])
    assert supply_bar(licensed, place("eu", ["market"]), "fdg") == SupplyBar.LICENCE
    gmp = place("cdmo", ["cdmo"], gmp_markets=["NZ"])
    assert supply_bar(gmp, place("eu", ["market"]), "fdg") == SupplyBar.GMP_MARKET
