"""Every fault kind of the generated corpus, as YAML, JSON, a CSV folder and an overlay.

Issue 16, item 6: each broken scenario given to ``validate`` and to ``plan --out`` exits 1
with a line naming the file at fault and a line number, no traceback, nothing in ``--out``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import FORMS, KINDS, OVERLAY_KINDS, Case, cases
from harness import Ran, no_crash

CASES = list(cases())


def test_the_corpus_has_each_kind_in_each_form_it_applies_to() -> None:
    assert len(CASES) >= 3 * 25
    assert {c.kind for c in CASES} == set(KINDS) | set(OVERLAY_KINDS)
    assert {c.form for c in CASES} == set(FORMS)
    assert len({c.id for c in CASES}) == len(CASES)


def _names_file_and_line(ran: Ran, case: Case) -> None:
    name = re.escape(Path(case.culprit).name)
    located = [ln for ln in ran.text.splitlines() if re.match(rf"\s*(error: )?\S*{name}:\d+: ", ln)]
    assert located, ran.text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_names_the_file_and_line(cli: Callable[..., Ran], tmp_path: Path, case: Case
                                          ) -> None:  # fmt: skip
    ran = cli("validate", case.lay_down(tmp_path / "in"))
    no_crash(ran)
    assert ran.code == 1, ran.text
    _names_file_and_line(ran, case)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_refuses_it_and_writes_nothing(cli: Callable[..., Ran], tmp_path: Path, case: Case
                                            ) -> None:  # fmt: skip
    out = tmp_path / "out"
    ran = cli("plan", case.lay_down(tmp_path / "in"), "--baseline", "--out", out)
    no_crash(ran)
    assert ran.code == 1, ran.text
    _names_file_and_line(ran, case)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "state"] == ["in"]
