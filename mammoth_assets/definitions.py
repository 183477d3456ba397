"""The single Definitions object that workspace.yaml loads."""

import dagster as dg

from mammoth_assets.defs import crawl, evaluate, quality, rationales, recall, train, webinstruct
from mammoth_assets.defs.executors import executor_from_env
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource


def _shared_resources() -> dict:
    return {"warehouse": WarehouseResource(), "llm": LLMResource()}


defs = dg.Definitions.merge(
    # MAMMOTH_EXECUTOR=ray: every step runs as a Ray job on a Ray cluster (defs/executors.py).
    dg.Definitions(resources=_shared_resources(), executor=executor_from_env()),
    crawl.defs,
    recall.defs,
    webinstruct.defs,
    quality.defs,
    rationales.defs,
    train.defs,
    evaluate.defs,
)
