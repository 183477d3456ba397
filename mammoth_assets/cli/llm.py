"""`mammoth build-tiny-model`, `mammoth serve-llm`, `mammoth llm-cache`: the LLM layer's commands."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subcommands: argparse._SubParsersAction) -> None:
    build = subcommands.add_parser("build-tiny-model", help="build the tiny offline chat model")
    build.add_argument("--dest", type=Path, default=None, help="default: <data dir>/models/tiny-chat")
    build.add_argument("--seed", type=int, default=0, help="weight initialisation seed")
    build.add_argument("--arch", choices=["llama", "qwen2"], default="llama", help="model architecture (default llama)")
    build.add_argument("--train-steps", type=int, default=0, help="brief training for text-like output (e.g. 60)")
    build.set_defaults(handler=build_tiny_model)

    serve = subcommands.add_parser(
        "serve-llm", help="serve a model over an OpenAI-compatible HTTP API (transformers backend)"
    )
    serve.add_argument("--model", default="", help="HF id or local path; default: the tiny model")
    serve.add_argument("--served-model-name", default="", help="name clients ask for")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--batch-size", type=int, default=16, help="requests generated together (default 16)")
    serve.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    serve.add_argument("--dtype", default="auto", help="torch dtype, e.g. bfloat16; auto: the model's")
    serve.add_argument("--cpu-threads", type=int, default=0, help="torch threads on CPU (0: torch's default)")
    serve.set_defaults(handler=serve_llm)

    cache = subcommands.add_parser("llm-cache", help="summarise the LLM request cache")
    cache.add_argument("--path", default="", help="default: llm_cache.duckdb beside the warehouse")
    cache.add_argument("--stage", default="", help="also list this stage's generate calls")
    cache.set_defaults(handler=show_cache)


def build_tiny_model(args: argparse.Namespace) -> int:
    from mammoth_assets.llm.tiny_model import build_tiny_model as build, ensure_tiny_model

    options = dict(seed=args.seed, arch=args.arch, train_steps=args.train_steps)
    path = build(args.dest, **options) if args.dest else ensure_tiny_model(**options)
    print(path)
    return 0


def serve_llm(args: argparse.Namespace) -> int:
    from mammoth_assets.llm.server import serve

    serve(
        model=args.model,
        served_model_name=args.served_model_name,
        host=args.host,
        port=args.port,
        batch_size=args.batch_size,
        device=args.device,
        dtype=args.dtype,
        cpu_threads=args.cpu_threads,
    )
    return 0


def show_cache(args: argparse.Namespace) -> int:
    import polars as pl

    from mammoth_assets.llm.cache import RequestCache

    cache = RequestCache(args.path or None)
    with pl.Config(tbl_rows=50, tbl_cols=20, tbl_width_chars=220, fmt_str_lengths=60, tbl_hide_dataframe_shape=True):
        summary = cache.summary()
        print(summary)
        if args.stage:
            calls = cache.calls(args.stage)
            if calls.is_empty():
                stages = sorted(set(summary["stage"].to_list())) if "stage" in summary.columns else []
                print(f"mammoth llm-cache: no calls recorded for stage {args.stage!r}; "
                      f"stages in the cache: {', '.join(stages) or 'none'}")
                return 1
            columns = ["started_at", "backend", "model_id", "requests", "cache_hits", "backend_requests",
                       "failures", "completion_tokens", "backend_seconds"]
            print(calls.select(columns))
    return 0
