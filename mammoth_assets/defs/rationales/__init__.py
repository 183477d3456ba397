"""Dagster definitions for the rationales domain."""

import dagster as dg

defs = dg.Definitions()
