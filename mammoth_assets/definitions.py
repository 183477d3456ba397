"""The single Definitions object that workspace.yaml loads."""

import warnings

import dagster as dg

from mammoth_assets.defs import crawl, evaluate, quality, rationales, recall, train, webinstruct
from mammoth_assets.defs.executors import executor_from_env
from mammoth_assets.defs.conventions import apply_conventions, per_dump_automation_sensor
from mammoth_assets.defs.profiles import active_profile, apply_profile, profile_config
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource


def _shared_resources() -> dict:
    return {"warehouse": WarehouseResource(), "llm": LLMResource()}


def build_definitions(profile: str | None = None) -> dg.Definitions:
    """Every domain's definitions, with the settings profile's config defaults (see
    defs/profiles.py: `MAMMOTH_PROFILE=paper|sample|<file.yaml>`) and the shared conventions."""
    profile = profile or active_profile()
    merged = dg.Definitions.merge(
        # MAMMOTH_EXECUTOR=ray: every step runs as a Ray job on a Ray cluster (defs/executors.py).
        dg.Definitions(resources=_shared_resources(), sensors=[per_dump_automation_sensor],
                       executor=executor_from_env()),
        crawl.defs,
        recall.defs,
        webinstruct.defs,
        quality.defs,
        rationales.defs,
        train.defs,
        evaluate.defs,
    )
    with warnings.catch_warnings():  # map_asset_specs is a preview API in Dagster 1.13
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return apply_conventions(apply_profile(merged, profile_config(profile), profile))


defs = build_definitions()
