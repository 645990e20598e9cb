"""The decay data read straight from radioactivedecay's file equal the package's own API."""

from __future__ import annotations

import math

import radioactivedecay as rd

from isoflow.domain.nuclides import NuclideData, default_data


def test_every_nuclide_matches_the_package_api() -> None:
    direct = default_data()
    via_api = NuclideData(rd.DEFAULTDATA)
    assert direct.dataset_name == via_api.dataset_name == rd.DEFAULTDATA.dataset_name
    assert direct.names == via_api.names == tuple(rd.DEFAULTDATA.nuclides)
    for name in direct.names:
        expected = float(rd.DEFAULTDATA.half_life(name, "s"))
        got = direct.half_life_s(name)
        assert got == expected or (math.isinf(got) and math.isinf(expected)), name
        assert direct.half_life_parts(name) == via_api.half_life_parts(name)
        assert direct.branches(name) == via_api.branches(name)
        assert direct.info(name) == via_api.info(name)


def test_known_half_lives_from_the_file() -> None:
    data = default_data()
    # ICRP-107 values: Tc-99m 6.015 h, Lu-177 6.647 d, F-18 109.77 min, Mo-99 65.94 h
    assert data.half_life_s("Tc-99m") == 6.015 * 3600.0
    assert data.half_life_s("Lu-177") == 6.647 * 86400.0
    assert data.half_life_s("F-18") == 109.77 * 60.0
    assert data.half_life_s("Mo-99") == 65.94 * 3600.0
    assert math.isinf(data.half_life_s("Ru-99"))
