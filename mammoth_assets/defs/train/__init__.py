"""Dagster definitions for the train domain."""

import dagster as dg

defs = dg.Definitions()
