"""Prefect settings for a quiet, fast local run, applied before Prefect is imported.

Without a Prefect server configured (``PREFECT_API_URL``), Prefect starts a temporary server for
each run. Left at its defaults that server tries to send telemetry (an error line on a machine
without internet), runs background services that nothing here uses and that fight over its SQLite
database ("database is locked" tracebacks), and logs at INFO. Every value is a default only: an
office that points ``PREFECT_API_URL`` at its own server, or sets any of these, wins.
"""

from __future__ import annotations

import os

__all__ = ["QUIET_DEFAULTS", "apply"]

QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # Per-file failures are reported by sohoa itself, by name and reason; Prefect's own task
    # failure tracebacks would only repeat them.
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    # The temporary server inherits this: without it, its shutdown logs a cancelled-connection
    # traceback from its own database pool on every run.
    "PREFECT_LOGGING_ROOT_LEVEL": "CRITICAL",
    # Services of the temporary server: schedules, late runs, workers, automations — none is
    # used by a one-off batch, and each polls the temporary server's SQLite database.
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CLEANUP_RECONCILER_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
}


def apply() -> None:
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
