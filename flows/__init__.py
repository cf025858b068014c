"""Prefect flows: thin wiring over :mod:`pipeline` and :mod:`extractors`."""
