"""Generators: t_max and elution arithmetic against closed forms derived by hand here."""

from __future__ import annotations

import math

import mpmath
import pytest

from isoflow import Generator, Inventory
from isoflow.errors import InputError

H = 3600.0


@pytest.fixture
def mo99(ref):
    """100 GBq of Mo-99 at calibration, with the decay constants [1/s] of its chain."""
    lp, lm, l99 = (ref.lam(x) for x in (ref.T_MO99, ref.T_TC99M, ref.T_TC99))
    n0 = 100e9 / lp
    return {"lp": lp, "lm": lm, "l99": l99, "n0": n0}


def _tc_from_mo(ref, lams, n_mo, t):
    """Atoms of Tc-99m and Tc-99 grown in ``t`` [s] from ``n_mo`` atoms of Mo-99 alone."""
    lp, lm, l99 = lams
    tc99m = ref.bateman([lp, lm], t, n_mo, ref.B_MO99_TC99M)
    tc99 = ref.bateman([lp, l99], t, n_mo, ref.B_MO99_TC99) + ref.bateman(
        [lp, lm, l99], t, n_mo, ref.B_MO99_TC99M * ref.B_TC99M_TC99
    )
    return tc99m, tc99


def _tc_from_tc99m(ref, lams, n_m, t):
    """Atoms of Tc-99m and Tc-99 after ``t`` [s] from ``n_m`` atoms of Tc-99m alone."""
    _, lm, l99 = lams
    return n_m * math.exp(-lm * t), ref.bateman([lm, l99], t, n_m, ref.B_TC99M_TC99)


def test_mo99_t_max_is_the_two_member_closed_form(mo99):
    gen = Generator(Inventory.from_atoms({"Mo-99": mo99["n0"]}), "Tc-99m")
    lp, ld = mo99["lp"], mo99["lm"]
    expected = math.log(ld / lp) / (ld - lp)  # Tc-99m has no other parent here
    assert gen.t_max_s() == pytest.approx(expected, rel=1e-9)
    assert 22.8 * H < expected < 22.9 * H


def test_pb212_t_max_over_the_full_ra224_chain(ref):
    """Ra-224 -> Rn-220 -> Po-216 -> Pb-212: root of dN/dt of the 4-member Bateman solution."""
    lams = [ref.lam(x) for x in (ref.T_RA224, ref.T_RN220, ref.T_PO216, ref.T_PB212)]
    with mpmath.workdps(50):
        root = mpmath.findroot(
            lambda t: ref.bateman_rate(lams, t),
            (mpmath.mpf(20 * H), mpmath.mpf(60 * H)),
            solver="anderson",
        )
        expected = float(root)
    gen = Generator(Inventory.from_activities({"Ra-224": 1e9}), "Pb-212")
    assert gen.t_max_s() == pytest.approx(expected, rel=1e-9)
    # the two-member formula (Ra-224 -> Pb-212) is close but measurably different
    l1, l4 = lams[0], lams[3]
    two_member = math.log(l4 / l1) / (l4 - l1)
    assert abs(two_member - expected) > 1e-6 * expected


def test_t_max_is_zero_when_the_daughter_never_rises(mo99):
    # far more Tc-99m than Mo-99 can sustain: its activity falls from the start
    load = Inventory.from_activities({"Mo-99": 1e9, "Tc-99m": 1e11})
    assert Generator(load, "Tc-99m").t_max_s() == 0.0


def test_eluted_isotopes_are_every_isotope_of_the_element():
    assert Generator(Inventory.from_activities({"Mo-99": 1e9}), "Tc-99m").eluted == (
        "Tc-99m",
        "Tc-99",
    )
    ra = Generator(Inventory.from_activities({"Ra-224": 1e9}), "212Pb")
    assert ra.daughter == "Pb-212"
    assert ra.eluted == ("Pb-212", "Pb-208")
    (elution,) = ra.elute([48 * H])
    assert set(elution.atoms) == {"Pb-212", "Pb-208"}
    assert elution.atoms["Pb-208"] > 0
    assert elution.activities_bq["Pb-208"] == 0.0


def test_two_elutions_then_contents_by_hand(ref, mo99):
    """Elute 90% at 24 h and 48 h; contents at 54 h; every number derived in closed form."""
    lams = (mo99["lp"], mo99["lm"], mo99["l99"])
    lp, lm, l99 = lams
    eff = 0.9
    n_mo = lambda t: mo99["n0"] * math.exp(-lp * t)  # noqa: E731

    # first elution at 24 h: Tc grown from Mo-99 only
    m24, t24 = _tc_from_mo(ref, lams, mo99["n0"], 24 * H)
    # left behind: 10 % of the technetium; it decays while fresh Tc grows from Mo-99(24 h)
    m_decay, t_from_m = _tc_from_tc99m(ref, lams, (1 - eff) * m24, 24 * H)
    m_fresh, t_fresh = _tc_from_mo(ref, lams, n_mo(24 * H), 24 * H)
    m48 = m_decay + m_fresh
    t48 = (1 - eff) * t24 * math.exp(-l99 * 24 * H) + t_from_m + t_fresh
    # contents at 54 h: 10 % of the 48 h technetium, decayed 6 h, plus 6 h of ingrowth
    m_decay, t_from_m = _tc_from_tc99m(ref, lams, (1 - eff) * m48, 6 * H)
    m_fresh, t_fresh = _tc_from_mo(ref, lams, n_mo(48 * H), 6 * H)
    m54 = m_decay + m_fresh
    t54 = (1 - eff) * t48 * math.exp(-l99 * 6 * H) + t_from_m + t_fresh

    gen = Generator(Inventory.from_atoms({"Mo-99": mo99["n0"]}), "Tc-99m", efficiency=eff)
    first, second = gen.elute([24 * H, 48 * H])
    assert first.time_s == 24 * H
    assert second.time_s == 48 * H
    assert first.atoms["Tc-99m"] == pytest.approx(eff * m24, rel=1e-9)
    assert first.atoms["Tc-99"] == pytest.approx(eff * t24, rel=1e-9)
    assert first.activities_bq["Tc-99m"] == pytest.approx(lm * eff * m24, rel=1e-9)
    assert second.atoms["Tc-99m"] == pytest.approx(eff * m48, rel=1e-9)
    assert second.atoms["Tc-99"] == pytest.approx(eff * t48, rel=1e-9)
    assert second.activities_bq["Tc-99"] == pytest.approx(l99 * eff * t48, rel=1e-9)
    # ~62 GBq of Tc-99m at the first elution (sanity check of the hand derivation)
    assert 61e9 < first.activities_bq["Tc-99m"] < 63e9

    contents = gen.contents(54 * H)
    assert contents.atoms["Tc-99m"] == pytest.approx(m54, rel=1e-9)
    assert contents.atoms["Tc-99"] == pytest.approx(t54, rel=1e-9)
    assert contents.atoms["Mo-99"] == pytest.approx(n_mo(54 * H), rel=1e-12)
    # right after an elution, only 10 % of the technetium is left
    assert gen.contents(24 * H).atoms["Tc-99m"] == pytest.approx((1 - eff) * m24, rel=1e-9)
    # before the first elution the generator is un-eluted
    before = _tc_from_mo(ref, lams, mo99["n0"], 20 * H)[0]
    assert gen.contents(20 * H).atoms["Tc-99m"] == pytest.approx(before, rel=1e-9)
    assert gen.elutions == [first, second]


def test_full_efficiency_empties_the_element(mo99):
    gen = Generator(Inventory.from_atoms({"Mo-99": mo99["n0"]}), "Tc-99m")
    gen.elute([30 * H])
    after = gen.contents(30 * H)
    assert after.atoms["Tc-99m"] == 0.0
    assert after.atoms["Tc-99"] == 0.0
    assert after.atoms["Ru-99"] > 0.0  # other elements stay


def test_zero_efficiency_removes_nothing(ref, mo99):
    gen = Generator(Inventory.from_atoms({"Mo-99": mo99["n0"]}), "Tc-99m")
    (elution,) = gen.elute([24 * H], efficiency=0.0)
    assert elution.atoms == {"Tc-99m": 0.0, "Tc-99": 0.0}
    expected = ref.bateman([mo99["lp"], mo99["lm"]], 30 * H, mo99["n0"], ref.B_MO99_TC99M)
    assert gen.contents(30 * H).atoms["Tc-99m"] == pytest.approx(expected, rel=1e-9)


def test_elute_can_be_called_again_later(mo99):
    gen = Generator(Inventory.from_atoms({"Mo-99": mo99["n0"]}), "Tc-99m", efficiency=0.5)
    gen.elute([24 * H])
    gen.elute([24 * H, 48 * H], efficiency=1.0)
    assert [e.time_s for e in gen.elutions] == [24 * H, 24 * H, 48 * H]
    first, second, _ = gen.elutions
    # at the same instant, the second elution takes all of the half that was left
    assert second.atoms["Tc-99m"] == pytest.approx(first.atoms["Tc-99m"], rel=1e-12)
    with pytest.raises(InputError, match="not before earlier elutions"):
        gen.elute([40 * H])


@pytest.mark.parametrize("eff", [-0.1, 1.1, math.nan, math.inf])
def test_efficiency_out_of_range_is_rejected(eff):
    load = Inventory.from_activities({"Mo-99": 1e9})
    with pytest.raises(InputError, match="between 0 and 1") as caught:
        Generator(load, "Tc-99m", efficiency=eff)
    assert caught.value.field == "efficiency"
    with pytest.raises(InputError, match="between 0 and 1"):
        Generator(load, "Tc-99m").elute([H], efficiency=eff)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        ([-1.0], "finite times >= 0"),
        ([math.inf], "finite times >= 0"),
        ([math.nan], "finite times >= 0"),
        ([48 * H, 24 * H], "non-decreasing"),
    ],
)
def test_bad_elution_times_are_rejected_and_nothing_is_eluted(times, message):
    gen = Generator(Inventory.from_activities({"Mo-99": 1e9}), "Tc-99m")
    with pytest.raises(InputError, match=message):
        gen.elute(times)
    assert gen.elutions == []


@pytest.mark.parametrize("daughter", ["Lu-177", "Mo-99", "Ga-68"])
def test_daughter_must_descend_from_a_loaded_nuclide(daughter):
    with pytest.raises(InputError, match=daughter) as caught:
        Generator(Inventory.from_activities({"Mo-99": 1e9}), daughter)
    assert caught.value.field == "daughter"
    assert "not a decay product" in caught.value.message


def test_unknown_daughter_is_rejected_with_suggestions():
    with pytest.raises(InputError, match="did you mean"):
        Generator(Inventory.from_activities({"Mo-99": 1e9}), "Tc-99x")


def test_contents_rejects_bad_times():
    gen = Generator(Inventory.from_activities({"Mo-99": 1e9}), "Tc-99m")
    with pytest.raises(InputError):
        gen.contents(-1.0)
