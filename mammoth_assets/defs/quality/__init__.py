"""Dagster definitions for the quality domain."""

import dagster as dg

defs = dg.Definitions()
