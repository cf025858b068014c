"""Tests of :mod:`pipeline.storage` and :mod:`pipeline.export` (a package so that module names
such as ``test_export`` cannot clash with test modules of other packages)."""
