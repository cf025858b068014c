"""Prefect flows: thin wiring over :mod:`pipeline` and :mod:`extractors`."""

from flows import settings

settings.apply()
