"""``DELETE /runs/{id}`` during a plan's solve: the run is cancelled and keeps its best plan.

A real server plans the built-in week (its solve takes several seconds); once a HiGHS MIP
child runs (psutil: its options say ``"graceful": true``), the run is cancelled. The answer
says ``cancelled`` at once; within 3 s no process of the job is left; the run then holds the
best plan the solve had, which ``isoflow verify`` accepts, and says so in its message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from service_cases import Server, module_server

import isoflow
from isoflow.adapters.remote import Remote, scenario_upload
from isoflow.records import Plan
from isoflow.scenario.load import resolve

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from module_server(tmp_path_factory, "cancel-best")


def _job_processes(server: Server) -> list[psutil.Process]:
    """The server's job children (spawned) and their solver children."""
    assert server.proc is not None
    found = []
    for p in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            line = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "_highs_worker" in line or "spawn_main" in line:
            found.append(p)
    return found


def _mip_running(server: Server) -> bool:
    for p in _job_processes(server):
        try:
            if "_highs_worker" in " ".join(p.cmdline()) and '"graceful": true' in p.cmdline()[-1]:
                return True
        except psutil.Error:
            pass
    return False


def _until(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_plan_cancelled_mid_solve_keeps_its_best_plan(server: Server) -> None:
    client = Remote(server.url, "tok-a", "test")
    path = resolve("apac-2025")
    assert path is not None
    data, fmt = scenario_upload(path)
    scenario_id = str(client.upload(data, fmt, str(path))["scenario_id"])
    run_id = str(client.submit("plan", scenario_id, {"time_limit_s": 300})["run_id"])
    _until(lambda: _mip_running(server), 180, "no MIP child started")
    asked = time.monotonic()
    assert client.cancel(run_id, "enough")["state"] == "cancelled"
    assert time.monotonic() - asked < 1.0
    _until(lambda: not _job_processes(server), 3.0, "job processes left 3 s after the cancel")
    _until(lambda: client.run(run_id)["result_sha256"] is not None, 5.0, "no plan kept")
    run = client.run(run_id)
    assert run["state"] == "cancelled"
    assert "the best plan found before the stop is kept" in run["message"]
    plan = Plan.model_validate(client.result(run_id)["result"])
    assert plan.solver is not None
    assert plan.solver.message.startswith("stopped by the user"), plan.solver.message
    assert plan.allocations
    assert isoflow.verify(plan, isoflow.load_scenario("apac-2025")) == []
