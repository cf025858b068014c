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


@pytest.mark.slow
def test_server_start_early_server_ends_with_the_process() -> None:
    """The process does not wait for the temporary server to shut down, but the server does
    shut down: it is not left running once the process is gone."""
    import time

    import httpx

    probe = PROBE + "print(server.server_process.pid, server.api_url)\n"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status, pid, url = done.stdout.split()[1:]
    assert status == "200"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the temporary server (pid {pid}) still runs after its process ended")
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/health", timeout=2)
