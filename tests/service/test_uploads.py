"""Scenario uploads: CSV folders as archives, path traversal, oversize bodies, YAML errors."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import httpx
from service_cases import TINY, A, Server

from isoflow.scenario.save import save_scenario


def _tar_of(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return buf.getvalue()


def test_csv_folder_tar_and_zip_traversal(server: Server, tmp_path: Path) -> None:
    folder = save_scenario(TINY, tmp_path / "tiny")
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.post("/scenarios", params={"format": "tar"}, content=_tar_of(folder), headers=A)
        assert r.status_code == 201, r.text
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("../evil.yaml", "meta: {}\n")
        bad = c.post("/scenarios", params={"format": "zip"}, content=buf.getvalue(), headers=A)
        assert bad.status_code == 422
        assert "leaves the folder" in bad.json()["errors"][0]["message"]
        assert not (server.db.parent.parent / "evil.yaml").exists()
        junk = c.post("/scenarios", params={"format": "zip"}, content=b"not a zip", headers=A)
        assert junk.status_code == 422


def test_oversize_body_is_413(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        big = b"x" * (33 * 1024 * 1024)
        r = c.post("/scenarios", params={"format": "yaml"}, content=big, headers=A)
        assert r.status_code == 413
        assert r.headers["content-type"].startswith("application/problem+json")


def test_unknown_route_and_bad_json_are_problems(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert c.get("/nope", headers=A).status_code == 404
        r = c.post("/runs", content=b"{", headers={**A, "content-type": "application/json"})
        assert r.status_code == 422
        assert "Traceback" not in r.text


OVERLAY = b"""overlay:
  title: cyclotron down
processes:
  - id: s0000-fdg
    availability:
      outages:
        - {start: 2025-08-01T00:00:00Z, end: 2025-08-12T00:00:00Z, reason: what-if}
"""


def test_named_overlay(server: Server) -> None:
    from service_cases import upload, wait_final

    with httpx.Client(base_url=server.url, timeout=30) as c:
        sid = upload(c, A)
        r = c.post(f"/scenarios/{sid}/overlays/down", content=OVERLAY, headers=A)
        assert r.status_code == 201, r.text
        assert r.json()["name"].endswith(":down")
        bad = c.post(f"/scenarios/{sid}/overlays/down", content=b"nope: 1\n", headers=A)
        assert bad.status_code == 422
        odd = c.post(f"/scenarios/{sid}/overlays/a.b", content=OVERLAY, headers=A)
        assert odd.status_code == 422
        assert c.post("/scenarios/nope/overlays/x", content=OVERLAY, headers=A).status_code == 404
        body = {"kind": "plan", "scenario_id": r.json()["scenario_id"]}
        run = c.post("/runs", json=body, headers=A).json()
        done = wait_final(c, run["run_id"], A)
        assert done["state"] in ("optimal", "feasible")
