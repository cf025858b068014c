"""Prefect's temporary server started early (flows.runners.start_server_early), in a fresh
interpreter each time: the server is a per-process singleton."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import httpx
from flows.runners import start_server_early
start_server_early().join()
from prefect.server.api.server import SubprocessASGIServer
server = SubprocessASGIServer()
print("running" if server.running else "not-started")
if server.running:
    print(httpx.get(server.api_url + "/health").status_code)
"""


def _probe(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


@pytest.mark.slow
def test_server_start_early_answers_once_joined() -> None:
    """After ``join`` the server answers: the flow's first call cannot come too early."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    assert _probe(env) == ["running", "200"]


def test_server_start_early_leaves_an_office_server_alone() -> None:
    assert _probe(os.environ | {"PREFECT_API_URL": "http://127.0.0.1:9/api"}) == ["not-started"]
