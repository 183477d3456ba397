"""Dagster definitions for the evaluate domain."""

import dagster as dg

defs = dg.Definitions()
