"""Schemathesis against the running server: no request makes a server error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from service_cases import Server

CLI = Path(sys.executable).with_name("schemathesis")


@pytest.mark.skipif(not CLI.exists(), reason="schemathesis is not installed")
def test_no_server_errors(server: Server, tmp_path: Path) -> None:
    args = [str(CLI), "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error",
            "-H", "Authorization: Bearer tok-a", "-H", "X-Reason: fuzz", "-n", "15",
            "--seed", "1", "--request-timeout", "20", "--phases", "examples,fuzzing"]  # fmt: skip
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=240, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-4000:]
