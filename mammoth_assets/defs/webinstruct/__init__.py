"""Dagster definitions for the webinstruct domain."""

import dagster as dg

defs = dg.Definitions()
