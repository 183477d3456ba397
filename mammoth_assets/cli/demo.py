"""`mammoth demo`: the whole graph on the bundled sample dump, offline."""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "demo", help="materialize the whole asset graph for the bundled sample dump (offline)",
        description="Materialize the whole asset graph for the bundled sample dump, one Dagster "
        "run per stage and partition. Prints one line per stage and a summary table; every "
        "Dagster event goes to the UI (make ui) and to <data dir>/logs/dagster.log.",
    )
    parser.add_argument(
        "--stage", action="append", default=None, metavar="STAGE",
        help="run only this stage (repeatable): web data, quality, judging, rationales, train, "
        "models, evaluate, summary",
    )
    parser.add_argument(
        "--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS,
        help="Dagster events at or above this level are also printed to the terminal "
        "(default WARNING; DEBUG prints every event)",
    )
    parser.set_defaults(handler=run)


def _dagster_home() -> str | None:
    """DAGSTER_HOME, or the current directory when it holds the project's dagster.yaml."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        return home
    if Path("dagster.yaml").is_file():
        os.environ["DAGSTER_HOME"] = str(Path.cwd())
        return os.environ["DAGSTER_HOME"]
    return None


def _quiet_deepspeed_cpu_notice() -> None:
    """On a machine without CUDA, tell DeepSpeed it runs on the CPU (what its detection concludes
    anyway) instead of letting it warn about it at every import."""
    import torch

    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")


def run(args: argparse.Namespace) -> int:
    if _dagster_home() is None:
        print("mammoth demo: DAGSTER_HOME is not set and there is no dagster.yaml here; run it "
              "from the repository root (make demo) or set DAGSTER_HOME")
        return 2
    import dagster as dg

    from mammoth_assets.demo import default_stages, run_demo

    stages = default_stages()
    if args.stage:
        unknown = set(args.stage) - {stage.name for stage in stages}
        if unknown:
            print(f"mammoth demo: unknown stage(s) {sorted(unknown)}; stages: "
                  + ", ".join(stage.name for stage in stages))
            return 2
        stages = [stage for stage in stages if stage.name in set(args.stage)]
    if args.log_level in ("WARNING", "ERROR", "CRITICAL"):
        # Progress bars of model loading and saving (dozens per demo) are not warnings.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    _quiet_deepspeed_cpu_notice()
    # Beta/preview notices from Dagster features this project uses on purpose (yaml log
    # handlers, partitioned checks) are not news to the person running the demo.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    # A failed run ends the demo with the table and the run's error (logged at ERROR), not a
    # Python traceback.
    results = run_demo(stages, raise_on_error=False, log_level=args.log_level)
    return 0 if all(result.success for result in results) else 1
