"""Dagster definitions for the recall domain."""

import dagster as dg

defs = dg.Definitions()
