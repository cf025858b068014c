"""Alembic migrations of the sohoa schema, run by :func:`pipeline.storage.migrate.upgrade`.

A package (not a bare folder) so that setuptools ships it, ``script.py.mako`` included.
"""
