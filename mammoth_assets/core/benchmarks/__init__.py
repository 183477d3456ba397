"""Benchmarks: one `BenchmarkItem` shape for every evaluation set, one registry entry per benchmark.

- `items.py`: `BenchmarkItem` and the helpers parsers share;
- `parsers.py`: the upstream files' rows as items (local files and hub rows);
- `registry.py`: `BENCHMARKS`, one `BenchmarkSpec` carrying every per-benchmark fact (files,
  parser, shots, exemplar source, answer kind, subsets, the paper's scores);
- `loading.py`: `load_benchmark` from a local root or the Hugging Face hub.

Every item carries what the grader needs in `extra`: `answer_kind` (how the reference is
compared), plus per-benchmark fields (BBH task, MMLU subject, TheoremQA answer type, the worked
solution where the data has one). GPQA's authors ask that it not be posted in plain text, so it is
read from the official CSV (`gpqa_diamond.csv`) the user downloads.
"""

from mammoth_assets.core.benchmarks.items import (
    LETTERS,
    BenchmarkError,
    BenchmarkItem,
    number_text,
    split_inline_choices,
    stable_seed,
)
from mammoth_assets.core.benchmarks.loading import (
    available_benchmarks,
    default_root,
    load_benchmark,
    load_from_hub,
    local_path,
)
from mammoth_assets.core.benchmarks.parsers import GPQA_COLUMNS, bbh_item, gpqa_item
from mammoth_assets.core.benchmarks.registry import (
    BENCHMARKS,
    MAMMOTH_BENCHMARKS,
    PAPER_BENCHMARKS,
    SUPPORTED_BENCHMARKS,
    BenchmarkSpec,
    HubSource,
    PublishedExemplars,
    benchmark_spec,
)

__all__ = [
    "BENCHMARKS", "GPQA_COLUMNS", "LETTERS", "MAMMOTH_BENCHMARKS", "PAPER_BENCHMARKS",
    "SUPPORTED_BENCHMARKS", "BenchmarkError", "BenchmarkItem", "BenchmarkSpec", "HubSource",
    "PublishedExemplars", "available_benchmarks", "bbh_item", "benchmark_spec", "default_root",
    "gpqa_item", "load_benchmark", "load_from_hub", "local_path", "number_text",
    "split_inline_choices", "stable_seed",
]
