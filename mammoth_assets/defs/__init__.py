"""Dagster definitions, one sub-package per pipeline domain. Each domain exposes `defs`."""
