"""Exact chain decay against closed forms derived here and against radioactivedecay's HP solver."""

from __future__ import annotations

import math

import numpy as np
import pytest

from isoflow.domain.decay import (
    DecayTable,
    Inventory,
    decay_factors,
    required_before,
)
from isoflow.errors import InputError, PhysicsError, UnknownNuclideError

REL = 1e-12


def test_one_half_life_leaves_exactly_half(ref):
    inv = Inventory.from_activities({"F-18": 1e9}).decay(ref.T_F18)
    assert inv.activities()["F-18"] == pytest.approx(0.5e9, rel=REL)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 10, 30])
def test_n_half_lives_leave_two_to_minus_n(ref, n):
    inv = Inventory.from_activities({"Lu-177": 7.4e9}).decay(n * ref.T_LU177)
    assert inv.activities()["Lu-177"] == pytest.approx(7.4e9 * 2.0**-n, rel=REL)
    # atoms are conserved: Lu-177 decays to stable Hf-177 only
    n0 = 7.4e9 * ref.T_LU177 / math.log(2)
    assert inv.atoms["Lu-177"] + inv.atoms["Hf-177"] == pytest.approx(n0, rel=REL)


def test_atoms_and_activity_are_related_by_lambda(ref):
    inv = Inventory.from_atoms({"Lu-177": 1e20})
    assert inv.activities()["Lu-177"] == pytest.approx(1e20 * ref.lam(ref.T_LU177), rel=REL)


def test_mo99_to_tc99m_two_member_bateman(ref):
    lp, ld = ref.lam(ref.T_MO99), ref.lam(ref.T_TC99M)
    n0 = 100e9 / lp
    for hours in (1e-6, 0.5, 6.0, 22.86, 24.0, 72.0, 240.0):
        t = hours * 3600.0
        inv = Inventory.from_atoms({"Mo-99": n0}).decay(t)
        # N_d(t) = b·N_p(0)·λp/(λd−λp)·(e^{−λp t} − e^{−λd t}), written out by hand
        expected_d = (
            ref.B_MO99_TC99M * n0 * lp / (ld - lp) * (math.exp(-lp * t) - math.exp(-ld * t))
        )
        if hours < 1e-3:
            # the float difference of exponentials cancels; use the high-precision form
            expected_d = ref.bateman([lp, ld], t, n0, ref.B_MO99_TC99M)
        assert inv.atoms["Tc-99m"] == pytest.approx(expected_d, rel=1e-9)
        assert inv.atoms["Mo-99"] == pytest.approx(n0 * math.exp(-lp * t), rel=REL)


def test_tc99_gets_both_paths_from_mo99(ref):
    lp, lm, l99 = (ref.lam(x) for x in (ref.T_MO99, ref.T_TC99M, ref.T_TC99))
    n0, t = 1e18, 30 * 3600.0
    direct = ref.bateman([lp, l99], t, n0, ref.B_MO99_TC99)
    via_m = ref.bateman([lp, lm, l99], t, n0, ref.B_MO99_TC99M * ref.B_TC99M_TC99)
    inv = Inventory.from_atoms({"Mo-99": n0}).decay(t)
    assert inv.atoms["Tc-99"] == pytest.approx(direct + via_m, rel=1e-9)


def test_ra224_chain_with_bi212_branching(ref):
    lams = [ref.lam(x) for x in (ref.T_RA224, ref.T_RN220, ref.T_PO216, ref.T_PB212)]
    l_bi, l_po212, l_tl = (ref.lam(x) for x in (ref.T_BI212, ref.T_PO212, ref.T_TL208))
    n0 = 1e9 / lams[0]
    for t in (1e-3, 1.0, 60.0, 3600.0, 36 * 3600.0, 10 * 86400.0):
        inv = Inventory.from_atoms({"Ra-224": n0}).decay(t)
        assert inv.atoms["Rn-220"] == pytest.approx(ref.bateman(lams[:2], t, n0), rel=1e-9)
        assert inv.atoms["Po-216"] == pytest.approx(ref.bateman(lams[:3], t, n0), rel=1e-9)
        assert inv.atoms["Pb-212"] == pytest.approx(ref.bateman(lams, t, n0), rel=1e-9)
        bi = ref.bateman([*lams, l_bi], t, n0)
        po = ref.bateman([*lams, l_bi, l_po212], t, n0, ref.B_BI212_PO212)
        tl = ref.bateman([*lams, l_bi, l_tl], t, n0, ref.B_BI212_TL208)
        assert inv.atoms["Bi-212"] == pytest.approx(bi, rel=1e-9)
        assert inv.atoms["Po-212"] == pytest.approx(po, rel=1e-9)
        assert inv.atoms["Tl-208"] == pytest.approx(tl, rel=1e-9)


def test_lu177m_grows_lu177_by_its_it_branch(ref):
    l_m, l_g = ref.lam(ref.T_LU177M), ref.lam(ref.T_LU177)
    a_m, a_g = 0.74e6, 7.4e9
    t = 180 * 86400.0
    inv = Inventory.from_activities({"Lu-177": a_g, "Lu-177m": a_m}).decay(t)
    ingrowth_atoms = ref.bateman([l_m, l_g], t, a_m / l_m, ref.B_LU177M_LU177)
    expected = a_g * math.exp(-l_g * t) + l_g * ingrowth_atoms
    assert inv.activities()["Lu-177"] == pytest.approx(expected, rel=1e-9)
    assert inv.activities()["Lu-177m"] == pytest.approx(a_m * math.exp(-l_m * t), rel=REL)
    # after 180 d nearly all Lu-177 comes from the isomer
    assert l_g * ingrowth_atoms > 0.99 * expected


def test_decay_lists_every_progeny_parents_first():
    inv = Inventory.from_activities({"Ra-224": 1.0}).decay(1.0)
    assert inv.nuclides() == [
        "Ra-224",
        "Rn-220",
        "Po-216",
        "Pb-212",
        "Bi-212",
        "Po-212",
        "Tl-208",
        "Pb-208",
    ]
    assert inv.activities()["Pb-208"] == 0.0


def test_decay_is_a_new_value():
    start = Inventory.from_activities({"Lu-177": 1e9})
    start.decay(86400.0)
    assert dict(start.atoms) == dict(Inventory.from_activities({"Lu-177": 1e9}).atoms)


def test_names_are_normalised_and_repeats_add_up(ref):
    inv = Inventory.from_activities({"lu177": 1e9, "177Lu": 2e9})
    assert inv.activities() == {"Lu-177": pytest.approx(3e9, rel=REL)}


def test_required_before_single_nuclide_grows_exponentially(ref):
    t = 72 * 3600.0
    inv = required_before({"Lu-177": 7.4e9}, t)
    assert inv.nuclides() == ["Lu-177"]
    assert inv.activities()["Lu-177"] == pytest.approx(7.4e9 * 2.0 ** (t / ref.T_LU177), rel=REL)


def test_required_before_accounts_for_isomer_ingrowth(ref):
    l_m, l_g = ref.lam(ref.T_LU177M), ref.lam(ref.T_LU177)
    t = 30 * 86400.0
    want_m, want_g = 1e6, 5e9
    inv = required_before({"Lu-177m": want_m, "Lu-177": want_g}, t)
    start_m = want_m / l_m * math.exp(l_m * t)  # atoms
    grown = ref.bateman([l_m, l_g], t, start_m, ref.B_LU177M_LU177)
    start_g = (want_g / l_g - grown) * math.exp(l_g * t)
    assert inv.atoms["Lu-177m"] == pytest.approx(start_m, rel=1e-9)
    assert inv.atoms["Lu-177"] == pytest.approx(start_g, rel=1e-9)


def test_required_before_accepts_a_target_that_is_pure_ingrowth(ref):
    """A daughter target equal to what its parent alone grows in needs no daughter at the
    start; float rounding of the target must not turn that into 'impossible'."""
    l_m, l_g = ref.lam(ref.T_LU177M), ref.lam(ref.T_LU177)
    a_m, t = 1e6, 30 * 86400.0
    target_m = a_m * math.exp(-l_m * t)
    target_g = l_g * ref.bateman([l_m, l_g], t, a_m / l_m, ref.B_LU177M_LU177)
    inv = required_before({"Lu-177m": target_m, "Lu-177": target_g}, t)
    assert inv.activities()["Lu-177m"] == pytest.approx(a_m, rel=1e-9)
    assert 0.0 <= inv.activities()["Lu-177"] <= 1e-9 * target_g * math.exp(l_g * t)


def test_required_before_refuses_a_daughter_below_its_parents_ingrowth():
    with pytest.raises(PhysicsError, match="Lu-177"):
        required_before({"Lu-177m": 1e9, "Lu-177": 1.0}, 100 * 86400.0)


@pytest.mark.parametrize("t", [-1.0, math.inf, math.nan])
def test_bad_times_are_rejected(t):
    inv = Inventory.from_activities({"Lu-177": 1e9})
    with pytest.raises(InputError, match="time"):
        inv.decay(t)
    with pytest.raises(InputError, match="time"):
        required_before({"Lu-177": 1e9}, t)


@pytest.mark.parametrize("amount", [-1.0, math.inf, math.nan])
def test_bad_amounts_are_rejected(amount):
    with pytest.raises(InputError, match="Lu-177"):
        Inventory.from_activities({"Lu-177": amount})
    with pytest.raises(InputError, match="Lu-177"):
        Inventory.from_atoms({"Lu-177": amount})


def test_stable_nuclide_cannot_have_an_activity():
    with pytest.raises(InputError, match="stable"):
        Inventory.from_activities({"Pb-208": 1.0})


def test_unknown_nuclide_is_rejected():
    with pytest.raises(UnknownNuclideError):
        Inventory.from_activities({"Lu-999": 1.0})


def test_decay_factors_are_exp_minus_lambda_t(ref):
    lam = np.array([ref.lam(ref.T_F18), ref.lam(ref.T_LU177)])
    dt = np.array([[ref.T_F18, 2 * ref.T_LU177], [-ref.T_F18, 0.0]])
    got = decay_factors(lam, dt)
    expected = np.array([[0.5, 0.25], [2.0, 1.0]])
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_decay_table_looks_up_by_index(ref):
    table = DecayTable(["F-18", "lu177", "Pb-208"])
    assert table.names == ("F-18", "Lu-177", "Pb-208")
    got = table.factors([0, 1, 2, 1], [ref.T_F18, ref.T_LU177, 1e9, 3 * ref.T_LU177])
    np.testing.assert_allclose(got, [0.5, 0.5, 1.0, 0.125], rtol=1e-14)


def test_deep_members_at_sub_attosecond_times_keep_full_precision(ref):
    """At t = 1e-30 s the Bateman sum cancels about 200 digits for Pb-208 from Th-228; the
    leading term of the Taylor series, N0·Π(b·λ)·t^k/k! over the k steps of each path, is
    then exact to ~1e-28."""
    n0, t = 1e20, 1e-30
    l_th, l_ra, l_rn, l_po216, l_pb, l_bi, l_po212, l_tl = (
        ref.lam(x)
        for x in (
            ref.T_TH228,
            ref.T_RA224,
            ref.T_RN220,
            ref.T_PO216,
            ref.T_PB212,
            ref.T_BI212,
            ref.T_PO212,
            ref.T_TL208,
        )
    )
    inv = Inventory.from_atoms({"Th-228": n0}).decay(t)
    pb212 = n0 * l_th * l_ra * l_rn * l_po216 * t**4 / math.factorial(4)
    head = n0 * l_th * l_ra * l_rn * l_po216 * l_pb * l_bi
    pb208 = head * (ref.B_BI212_PO212 * l_po212 + ref.B_BI212_TL208 * l_tl) * t**7 / 5040
    assert inv.atoms["Pb-212"] == pytest.approx(pb212, rel=1e-12)
    assert inv.atoms["Pb-208"] == pytest.approx(pb208, rel=1e-12)
    assert all(x >= 0 for x in inv.atoms.values())


@pytest.fixture(scope="module")
def rd_hp():
    # radioactivedecay is a dependency of isoflow, not an optional extra: missing, it must fail
    import radioactivedecay

    return radioactivedecay.InventoryHP


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parent", "t"),
    [("Ac-225", 1e-3), ("Th-228", 1.0), ("U-238", 1.0)],
)
def test_short_times_match_radioactivedecay_high_precision(rd_hp, parent, t):
    """Tiny chain members at short times: double precision Bateman would cancel to noise."""
    expected = {str(k): v for k, v in rd_hp({parent: 1.0}, "num").decay(t, "s").numbers().items()}
    got = Inventory.from_atoms({parent: 1.0}).decay(t).atoms
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=0.0), name
