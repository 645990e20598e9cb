"""Analyses as service runs: capacity, self-sufficiency and contingency on a real server.

Each run's result is the JSON ``isoflow analyze`` writes here with the same options, and its
files are the same CSV tables byte for byte, apart from the time the analysis took. The
options reach the engine (by hand: ``--from 2025 --to 2026`` gives rows for two years, and
``grouping: country`` rows for KR, the one country with national demand); an option
outside the engine's bound is a 422 naming the field.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_cases import Server, module_server
from test_remote_cli import SMALL, cli

from isoflow.adapters.remote import Remote, RemoteError, scenario_upload


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from module_server(tmp_path_factory, "analysis-runs")


@pytest.fixture(scope="module")
def remote(server: Server) -> tuple[Remote, str]:
    client = Remote(server.url, "tok-a", "test")
    data, fmt = scenario_upload(SMALL)
    return client, str(client.upload(data, fmt, str(SMALL))["scenario_id"])


def _ran(remote: tuple[Remote, str], kind: str, options: dict[str, Any]) -> dict[str, Any]:
    client, scenario_id = remote
    run_id = str(client.submit(kind, scenario_id, options)["run_id"])
    deadline = time.monotonic() + 240
    while (state := client.run(run_id)["state"]) in ("queued", "running"):
        assert time.monotonic() < deadline, f"{kind} run still {state}"
        time.sleep(0.2)
    assert state == "succeeded", client.run(run_id)
    found = client.result(run_id)
    found["files"] = {
        name: client.file(run_id, name) for name in found["manifest"].get("files", {})
    }
    return found


def _untimed(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without the seconds the analysis (and each of its cases) took."""
    tables = {
        name: [{k: v for k, v in row.items() if k != "seconds"} for row in rows]
        for name, rows in payload["tables"].items()
    }
    return {**{k: v for k, v in payload.items() if k != "seconds"}, "tables": tables}


def _untimed_csv(files: dict[str, bytes]) -> dict[str, list[dict[str, str]]]:
    """The CSV files' rows without a ``seconds`` column (every other cell as written)."""
    return {
        name: [
            {k: v for k, v in row.items() if k != "seconds"}
            for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
        ]
        for name, data in files.items()
    }


def _local(
    capsys, tmp_path: Path, name: str, *args: str
) -> tuple[dict[str, Any], dict[str, bytes]]:  # type: ignore[no-untyped-def]
    out = tmp_path / "local"
    code, _, err = cli(capsys, "analyze", *args, SMALL, "--out", out)
    assert code == 0, err
    payload = json.loads((out / f"{name}.json").read_text())
    tables = {p.name: p.read_bytes() for p in out.glob(f"{name}_*.csv")}
    return payload, tables


def test_capacity_as_a_run_gives_the_local_tables(remote, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    found = _ran(remote, "capacity", {"first_year": 2025, "last_year": 2026, "grouping": "country"})
    mine, tables = _local(capsys, tmp_path, "capacity", "capacity", "--from", "2025", "--to",
                          "2026", "--by", "country")  # fmt: skip
    theirs = found["result"]
    assert _untimed(theirs) == _untimed(mine)
    assert {row["year"] for row in theirs["tables"]["rows"]} == {2025, 2026}
    countries = {row["region"] for row in theirs["tables"]["rows"]} - {"World"}
    assert countries == {"KR"}  # small.yaml states national demand for KR alone
    assert found["files"] == tables
    assert "capacity_weeks.csv" in tables


def test_self_sufficiency_as_a_run_gives_the_local_tables(remote, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    found = _ran(remote, "self-sufficiency", {"time_limit_s": 20})
    mine, tables = _local(capsys, tmp_path, "self_sufficiency", "self-sufficiency",
                          "--time-limit", "20s")  # fmt: skip
    assert _untimed(found["result"]) == _untimed(mine)
    assert found["files"] == tables


def test_contingency_as_a_run_gives_the_local_ranking(remote, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    options = {"time_limit_s": 20, "mip_gap": 0.02, "kinds": ["site"]}
    found = _ran(remote, "contingency", options)
    mine, tables = _local(capsys, tmp_path, "contingency", "contingency", "--kinds", "site",
                          "--time-limit", "20s")  # fmt: skip
    assert _untimed(found["result"]) == _untimed(mine)
    assert _untimed_csv(found["files"]) == _untimed_csv(tables)
    ranking = found["result"]["tables"]["ranking"]
    assert ranking
    assert all(row["elements"].startswith("site:") for row in ranking)  # --kinds site


def test_an_analysis_option_outside_its_bound_is_refused(remote) -> None:  # type: ignore[no-untyped-def]
    client, scenario_id = remote
    for kind, options, field in (
        ("capacity", {"first_year": 2030, "last_year": 2025}, "last_year"),
        ("capacity", {"first_year": 0}, "first_year"),
        ("contingency", {"n2_top": -1}, "n2_top"),
        ("self-sufficiency", {"capacity_year": 99999}, "capacity_year"),
        ("contingency", {"kinds": ["airport"]}, "options.kinds.0"),
        ("capacity", {"plan_run_id": "any"}, "take no plan"),
    ):
        with pytest.raises(RemoteError) as caught:
            client.submit(kind, scenario_id, options)
        assert caught.value.status == 422, (kind, options)
        assert field in str(caught.value), (kind, str(caught.value))


def test_analyze_with_server_writes_the_local_files(server, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``isoflow --server URL analyze capacity`` writes the JSON and CSV tables the local
    command writes (the chart is drawn by the local command only)."""
    flags = ("--from", "2025", "--to", "2026", "--by", "country")
    remote_out = tmp_path / "remote"
    code, out, err = cli(capsys, "--server", server.url, "--token", "tok-a", "analyze",
                         "capacity", SMALL, *flags, "--out", remote_out)  # fmt: skip
    assert code == 0, err
    assert "capacity of small" in out
    mine, tables = _local(capsys, tmp_path, "capacity", "capacity", *flags)
    theirs = json.loads((remote_out / "capacity.json").read_text())
    assert _untimed(theirs) == _untimed(mine)
    assert {p.name: p.read_bytes() for p in remote_out.glob("capacity_*.csv")} == tables
    manifest = json.loads((remote_out / "manifest.json").read_text())
    assert manifest["commands"]["analyze capacity"]["options"]["server"] == server.url


def test_analyze_options_that_run_here_only_are_refused_with_server(
    server, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    at = ("--server", server.url, "--token", "tok-a")
    code, _, err = cli(capsys, *at, "analyze", "contingency", SMALL, "--workers", "2")
    assert code == 2
    assert "option '--workers': not offered with --server" in err
    code, _, err = cli(capsys, *at, "analyze", "make-or-buy")
    assert code == 2
    assert "analyze make-or-buy runs here only" in err
    monkeypatch.setenv("ISOFLOW_SERVER", server.url)  # for scripts: it runs here then
    code, out, err = cli(capsys, "analyze", "make-or-buy", "--out", str(server.db.parent / "mb"))
    assert code == 0, err
    assert "NPV" in out


def test_make_or_buy_as_a_run_gives_the_local_tables(remote, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The inputs given over the defaults, as ``--capex`` and ``--demand`` give them here."""
    found = _ran(remote, "make-or-buy", {"inputs": {"capex": 5e6, "demand_doses_year1": 4000}})
    out = tmp_path / "local"
    code, _, err = cli(capsys, "analyze", "make-or-buy", "--capex", "5e6", "--demand", "4000",
                       "--out", out)  # fmt: skip
    assert code == 0, err
    mine = json.loads((out / "make_or_buy.json").read_text())
    assert found["result"] == mine
    assert found["result"]["inputs"]["capex"] == 5e6
    tables = {p.name: p.read_bytes() for p in out.glob("make_or_buy_*.csv")}
    assert found["files"] == tables


def test_bad_make_or_buy_inputs_are_refused_naming_them(remote) -> None:  # type: ignore[no-untyped-def]
    client, scenario_id = remote
    for options, field in (({"inputs": {"bogus": 1}}, "inputs.bogus"),
                           ({"inputs": {"discount_rate": 7}}, "inputs.discount_rate"),
                           ({"inputs": {"ramp_up_years": 2.5}}, "inputs.ramp_up_years"),
                           ({"swing": 2}, "swing")):  # fmt: skip
        with pytest.raises(RemoteError) as caught:
            client.submit("make-or-buy", scenario_id, options)
        assert caught.value.status == 422
        assert field in str(caught.value), str(caught.value)


def test_make_or_buy_from_a_process_of_the_plan(remote, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``process: label-psma`` derives volumes and costs from the scenario's plan, as
    ``--process label-psma --scenario small.yaml`` does here."""
    found = _ran(remote, "make-or-buy", {"process": "label-psma", "time_limit_s": 20})
    out = tmp_path / "local"
    code, _, err = cli(capsys, "analyze", "make-or-buy", "--process", "label-psma", "--scenario",
                       SMALL, "--out", out)  # fmt: skip
    assert code == 0, err
    mine = json.loads((out / "make_or_buy.json").read_text())
    assert found["result"] == mine
    assert found["result"]["inputs"] != _ran(remote, "make-or-buy", {})["result"]["inputs"]


def test_contingency_given_a_plan_ranks_against_it(remote) -> None:  # type: ignore[no-untyped-def]
    """A contingency run naming a baseline run's plan takes it as its base: the base plan's
    doses served are the baseline's (counted from its allocations), not the optimiser's."""
    client, scenario_id = remote
    base_id = str(client.submit("baseline", scenario_id, {})["run_id"])
    deadline = time.monotonic() + 120
    while client.run(base_id)["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    baseline = client.result(base_id)["result"]
    served = sum(a["doses"] for a in baseline["allocations"])
    found = _ran(remote, "contingency", {"plan_run_id": base_id, "kinds": ["site"]})
    assert found["result"]["base_served"] == served
    assert found["manifest"]["inputs"]["plan_sha256"] == client.run(base_id)["result_sha256"]
