"""Nuclide names are normalised once at the boundary; unknown names get suggestions."""

from __future__ import annotations

import math

import pytest

from isoflow.domain.nuclides import canonical, default_data, require_radioactive
from isoflow.errors import InputError, UnknownNuclideError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lu-177", "Lu-177"),
        ("177Lu", "Lu-177"),
        ("lu177", "Lu-177"),
        ("LU-177", "Lu-177"),
        ("177-Lu", "Lu-177"),
        ("  Lu-177 ", "Lu-177"),
        ("Tc99m", "Tc-99m"),
        ("99mTc", "Tc-99m"),
        ("Tc-99M", "Tc-99m"),
        ("99m-Tc", "Tc-99m"),
        ("Lu-177m", "Lu-177m"),
        ("177mLu", "Lu-177m"),
        ("99Mo", "Mo-99"),
        ("99mo", "Mo-99"),  # not an isomer of element "o"
        ("239pu", "Pu-239"),
        ("95nb", "Nb-95"),
        ("f18", "F-18"),
        ("Ac225", "Ac-225"),
        ("242mAm", "Am-242m"),
    ],
)
def test_spellings_normalise_to_the_canonical_name(text, expected):
    assert canonical(text) == expected


@pytest.mark.parametrize("text", ["Lu-999", "Xx-12", "Lu177x", "Tc-99q", "", "lutetium"])
def test_unknown_names_are_rejected_naming_the_field(text):
    with pytest.raises(UnknownNuclideError) as caught:
        canonical(text, field="--daughter")
    assert caught.value.field == "--daughter"
    assert repr(text) in str(caught.value)
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize(
    ("text", "suggested"),
    [("Lu-177x", "Lu-177"), ("Tc-99q", "Tc-99m"), ("Lu-1777", "Lu-177"), ("Ac-22", "Ac-227")],
)
def test_unknown_names_come_with_close_suggestions(text, suggested):
    with pytest.raises(UnknownNuclideError) as caught:
        canonical(text)
    assert suggested in caught.value.suggestions
    assert "did you mean" in str(caught.value)


def test_tc99m_properties_match_icrp107(ref):
    info = default_data().info("99mTc")
    assert info.name == "Tc-99m"
    assert info.half_life_s == pytest.approx(ref.T_TC99M, rel=1e-15)
    assert info.half_life_text == "6.015 h"
    assert info.element == "Tc"
    assert info.decay_constant == pytest.approx(math.log(2) / ref.T_TC99M, rel=1e-15)
    assert [(b.daughter, b.fraction, b.mode) for b in info.branches] == [
        ("Tc-99", ref.B_TC99M_TC99, "IT"),
        ("Ru-99", 3.7e-05, "β-"),  # ICRP-107: the two branches sum to 0.999997
    ]
    assert 98.9 < info.atomic_mass < 98.91  # [u]


def test_stable_nuclide_has_infinite_half_life():
    info = default_data().info("Pb-208")
    assert info.stable
    assert info.half_life_text == "stable"
    assert info.decay_constant == 0.0
    assert info.branches == ()
    with pytest.raises(InputError, match="stable"):
        require_radioactive("Pb-208")
    assert require_radioactive("pb212") == "Pb-212"


def test_ra224_chain_includes_both_bi212_branches(ref):
    links = {(c.parent, c.daughter): c.fraction for c in default_data().chain("Ra-224")}
    assert links[("Bi-212", "Po-212")] == ref.B_BI212_PO212
    assert links[("Bi-212", "Tl-208")] == ref.B_BI212_TL208
    assert links[("Ra-224", "Rn-220")] == 1.0
    assert ("Po-212", "Pb-208") in links
    assert ("Tl-208", "Pb-208") in links


def test_descendants_are_sorted_parents_first():
    members = default_data().descendants(["Ac-225"])
    assert members[0] == "Ac-225"
    assert members[-1] == "Bi-209"
    position = {n: i for i, n in enumerate(members)}
    for link in default_data().chain("Ac-225"):
        assert position[link.parent] < position[link.daughter]
