"""Dagster definitions for the crawl domain."""

import dagster as dg

defs = dg.Definitions()
