"""The typed plan record: UTC datetimes, enums, typed KPIs, ``schema_version`` and readers.

``data/plan_v1_small.json`` is a ``plan.json`` written by isoflow before the typed record
(format version 1, no ``schema_version``) for ``tests/scenario/data/small.yaml``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from isoflow.adapters.plan_files import read_plan, write_plan_files
from isoflow.errors import PlanFileError
from isoflow.records import SCHEMA_VERSION, Plan, PlanKpis, PlanLeg, Reason, SolveStatus

V1 = Path(__file__).parent / "data" / "plan_v1_small.json"


def _v1() -> dict[str, object]:
    data: dict[str, object] = json.loads(V1.read_text(encoding="utf-8"))
    return data


def test_a_version_1_file_reads_as_the_current_version() -> None:
    plan = read_plan(V1)
    assert plan.schema_version == SCHEMA_VERSION == 2
    assert plan.start_utc == datetime(2025, 8, 4, tzinfo=UTC)
    assert plan.solver is not None
    assert plan.solver.status is SolveStatus.OPTIMAL
    assert [u.reason for u in plan.unserved] == [Reason.NO_DOSE]
    assert isinstance(plan.kpis, PlanKpis)
    assert plan.kpis.doses is not None
    assert (plan.kpis.doses.served, plan.kpis.doses.total) == (3, 4)
    assert plan.kpis.unserved_by_reason == {Reason.NO_DOSE: 1}


def test_writing_a_version_1_plan_gives_its_bytes_plus_the_schema_version(
    tmp_path: Path,
) -> None:
    write_plan_files(read_plan(V1), tmp_path)
    old = V1.read_text(encoding="utf-8")
    assert old.startswith('{\n "scenario"')
    expected = old.replace("{\n", '{\n "schema_version": 2,\n', 1)
    assert (tmp_path / "plan.json").read_text(encoding="utf-8") == expected


def test_round_trip_through_json_is_exact() -> None:
    plan = read_plan(V1)
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert again.model_dump(mode="json") == plan.model_dump(mode="json")


def test_a_newer_version_is_refused_naming_the_field(tmp_path: Path) -> None:
    data = {"schema_version": 3, **_v1()}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    with pytest.raises(PlanFileError) as err:
        read_plan(path)
    text = str(err.value)
    assert "schema_version" in text
    assert "version 3 is newer" in text
    assert f"{path}:2" in text  # the line of the field


def test_an_unknown_kpi_is_an_error_with_its_path(tmp_path: Path) -> None:
    data = _v1()
    kpis = data["kpis"]
    assert isinstance(kpis, dict)
    kpis["cost"]["bribes"] = 1.0
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"kpis\.cost\.bribes"):
        read_plan(path)


def test_an_unknown_reason_code_is_an_error(tmp_path: Path) -> None:
    data = _v1()
    unserved = data["unserved"]
    assert isinstance(unserved, list)
    unserved[0]["reason"] = "bad_luck"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"unserved\.0\.reason"):
        read_plan(path)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValidationError, match="no UTC offset"):
        PlanLeg(lane="l", depart_utc=datetime(2025, 8, 4), arrive_utc=datetime(2025, 8, 4))
    with pytest.raises(ValidationError, match="no UTC offset"):
        PlanLeg(lane="l", depart_utc="2025-08-04T06:00", arrive_utc="2025-08-04T07:00Z")


def test_other_offsets_are_read_as_utc() -> None:
    leg = PlanLeg(
        lane="l",
        depart_utc="2025-08-04T08:00+09:00",
        arrive_utc=datetime(2025, 8, 4, 1, 0, tzinfo=timezone(timedelta(hours=-5))),
    )
    assert leg.depart_utc == datetime(2025, 8, 3, 23, 0, tzinfo=UTC)
    assert leg.depart_utc.tzinfo is UTC
    assert leg.model_dump(mode="json")["arrive_utc"] == "2025-08-04T06:00:00Z"


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=9)), timezone(-timedelta(hours=3, minutes=30))]
        ),
    )
)
def test_times_are_written_in_utc_with_z_and_read_back_equal(when: datetime) -> None:
    leg = PlanLeg(lane="l", depart_utc=when, arrive_utc=when)
    text = leg.model_dump(mode="json")["depart_utc"]
    assert text.endswith("Z")
    assert "+" not in text
    assert PlanLeg.model_validate_json(leg.model_dump_json()) == leg
    assert leg.depart_utc == when


def test_absent_kpi_sections_are_none_and_not_written() -> None:
    kpis = PlanKpis.model_validate({"runs": 2})
    assert kpis.cost is None
    assert kpis.model_dump(mode="json") == {"runs": 2}
    assert PlanKpis().model_dump(mode="json") == {}


def test_the_format_doc_names_every_field_of_the_record() -> None:
    from pydantic import BaseModel

    from isoflow.records import kpis, plan

    doc = (Path(__file__).parents[2] / "docs" / "plan-format.md").read_text(encoding="utf-8")
    models = [
        m
        for mod in (plan, kpis)
        for m in vars(mod).values()
        if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == mod.__name__
    ]
    missing = {
        f"{m.__name__}.{name}"
        for m in models
        for name in m.model_fields
        if f"`{name}" not in doc
        and f" {name}," not in doc
        and f"{name}}}" not in doc
        and f"{{{name}" not in doc
    }
    assert not missing, f"docs/plan-format.md does not mention {sorted(missing)}"
