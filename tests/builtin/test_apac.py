"""The built-in scenario apac-2025: valid, plannable, reproducible and sourced."""

from __future__ import annotations

from collections import Counter

from isoflow.scenario import validate
from isoflow.scenario.bookings import generate_bookings, supply_reach
from isoflow.scenario.examples import DEFAULT_SCENARIO, builtin_names
from isoflow.scenario.schema import Scenario, SiteKind, Stage


def test_is_the_default_builtin():
    assert DEFAULT_SCENARIO == "apac-2025"
    assert "apac-2025" in builtin_names()


def test_header(apac: Scenario):
    assert apac.meta.name == "apac-2025"
    assert apac.meta.start.isoformat() == "2025-08-04T00:00:00+00:00"
    assert apac.meta.horizon == 7 * 86400
    assert apac.meta.seed is not None


def test_cross_reference_checks_pass():
    report = validate.validate("apac-2025")
    assert report.ok, [str(i) for i in report.errors]


def test_size_is_tractable(apac: Scenario):
    assert 200 <= len(apac.demand.bookings) <= 600
    assert len({b.id for b in apac.demand.bookings}) == len(apac.demand.bookings)


def test_article_actors_present(apac: Scenario):
    ids = {s.id for s in apac.sites}
    for sid in (
        "au_ansto_opal",
        "us_shine_janesville",
        "tw_primo",
        "il_isotopia",
        "kr_futurechem_gijang",
        "be_pantera",
        "kr_sk_biopharm",
        "cn_qinshan_phwr",
        "cn_novartis_haiyan",
        "kr_duchembio",
        "ca_telix_artms",
        "au_advancell",
        "jp_nmp",
        "jp_sumitomo",
        "kr_kaeri_hanaro",
        "kr_kaeri_kjrr",
    ):
        assert sid in ids, sid
    future = {s.id for s in apac.sites if s.start is not None and s.start > apac.end}
    assert {"kr_kaeri_kjrr", "cn_novartis_haiyan", "be_pantera"} <= future
    excl = apac.policies.exclusive_distribution[0]
    assert (excl.supplier, excl.distributor) == ("us_shine_janesville", "tw_primo")
    assert set(excl.countries) == {"TW", "JP", "KR", "SG"}


def test_every_booked_product_has_a_producer(apac: Scenario):
    made = {p.output for p in apac.processes}
    for product in {b.product for b in apac.demand.bookings}:
        assert product in made
    # and every input of a process is itself produced somewhere
    for p in apac.processes:
        for i in p.inputs:
            assert i.product in made, (p.id, i.product)


def test_bookings_are_plannable(apac: Scenario):
    """Each booking's product reaches the hospital before administration, within shelf life,
    and is approved in the hospital's country."""
    reach = supply_reach(apac)
    approved = {a.product: set(a.countries) for a in apac.policies.approvals}
    for b in apac.demand.bookings:
        hospital = apac.site(b.hospital)
        assert SiteKind.HOSPITAL in hospital.kind
        assert apac.product(b.product).stage == Stage.DRUG_PRODUCT
        t = reach.at(b.product, b.hospital)
        assert t is not None, b
        assert t <= (b.administration - apac.meta.start).total_seconds(), b
        assert b.product not in approved or hospital.country in approved[b.product]
        assert apac.meta.start <= b.administration < apac.end


def test_bookings_reproduce_from_stored_seed(apac: Scenario):
    assert apac.meta.seed is not None
    bare = apac.model_copy(update={"demand": apac.demand.model_copy(update={"bookings": ()})})
    again = generate_bookings(bare, apac.meta.start, 7, apac.meta.seed)
    assert again == apac.demand.bookings


def test_several_products_booked(apac: Scenario):
    counts = Counter(b.product for b in apac.demand.bookings)
    assert {"f18-fdg", "tc99m-dose", "lu177-psma"} <= set(counts)


def test_high_confidence_items_cite_a_source(apac: Scenario):
    items = [
        *apac.products,
        *apac.sites,
        *apac.processes,
        *apac.lanes,
        *apac.demand.rates,
        *apac.policies.approvals,
        *apac.policies.exclusive_distribution,
        *apac.policies.supply_agreements,
    ]
    for item in items:
        if item.provenance.confidence in {"high", "medium"}:
            assert item.provenance.source.strip(), item
    assert all(i.provenance.source for i in items if i.provenance.confidence == "high")


def test_ca_lutetium_carries_impurity_and_substitutes(apac: Scenario):
    ca = apac.product("lu177-ca")
    assert ca.carrier_added
    assert ca.impurity is not None
    assert ca.impurity.nuclide == "Lu-177m"
    assert "lu177-nca" in ca.substitutes
    assert apac.product("lu177-psma").dose is not None
    assert apac.product("o18-water").unit == "mL"


def test_bookings_regenerate_from_the_seed(apac: Scenario):
    """bookings.csv is exactly what the generator draws from rates.csv with meta.seed."""
    bare = apac.model_copy(update={"demand": apac.demand.model_copy(update={"bookings": ()})})
    assert apac.meta.seed is not None
    drawn = generate_bookings(bare, apac.meta.start, 7, apac.meta.seed)
    assert drawn == apac.demand.bookings
