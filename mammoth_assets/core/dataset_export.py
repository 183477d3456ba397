"""Export the final WebInstruct pairs: Parquet and JSONL, chat (messages) and Alpaca formats, and a
dataset card (Hugging Face README with YAML front matter) describing counts and licenses.

Layout under the export directory (each file loads with
`datasets.load_dataset("parquet", data_files=...)` or `load_dataset("json", ...)`):

    README.md                  the dataset card
    webinstruct.parquet        flat table: id, question, answer and every provenance column
    chat/train.parquet|.jsonl  {"id", "messages": [{"role": "user"}, {"role": "assistant"}], ...}
    alpaca/train.parquet|.jsonl {"id", "instruction", "input", "output", ...}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

# Columns carried into chat/Alpaca records so every example walks back to its page.
PROVENANCE_COLUMNS = (
    "dump", "url", "domain", "doc_id", "warc_file", "warc_record_id", "pair_id", "refined_id",
    "refiner", "extraction_method",
)  # fmt: skip


@dataclass
class CardStats:
    """What the dataset card reports."""

    name: str = "webinstruct"
    rows: int = 0
    stage_counts: dict[str, Any] = field(default_factory=dict)  # stage -> count or {reason: n}
    per_domain: dict[str, int] = field(default_factory=dict)
    per_dump: dict[str, int] = field(default_factory=dict)
    per_refiner: dict[str, int] = field(default_factory=dict)
    per_method: dict[str, int] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    unrefined_fallback_rows: int = 0  # rows kept unrefined because every refinement was rejected
    benchmarks_decontaminated: list[str] = field(default_factory=list)


def _provenance(frame: pl.DataFrame) -> list[str]:
    return [c for c in PROVENANCE_COLUMNS if c in frame.columns]


def chat_frame(frame: pl.DataFrame) -> pl.DataFrame:
    messages = pl.concat_list(
        pl.struct(pl.lit("user").alias("role"), pl.col("question").alias("content")),
        pl.struct(pl.lit("assistant").alias("role"), pl.col("answer").alias("content")),
    ).alias("messages")
    return frame.select("id", messages, *_provenance(frame))


def alpaca_frame(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "id",
        pl.col("question").alias("instruction"),
        pl.lit("").alias("input"),
        pl.col("answer").alias("output"),
        *_provenance(frame),
    )


def export_dataset(frame: pl.DataFrame, out_dir: Path, stats: CardStats) -> dict[str, Path]:
    """Write every format and the card; returns {name: path}."""
    missing = {"id", "question", "answer"} - set(frame.columns)
    if missing:
        raise ValueError(f"export needs columns {sorted(missing)}")
    out_dir = Path(out_dir)
    (out_dir / "chat").mkdir(parents=True, exist_ok=True)
    (out_dir / "alpaca").mkdir(parents=True, exist_ok=True)
    files = {
        "flat_parquet": out_dir / "webinstruct.parquet",
        "chat_parquet": out_dir / "chat" / "train.parquet",
        "chat_jsonl": out_dir / "chat" / "train.jsonl",
        "alpaca_parquet": out_dir / "alpaca" / "train.parquet",
        "alpaca_jsonl": out_dir / "alpaca" / "train.jsonl",
        "card": out_dir / "README.md",
    }
    frame.write_parquet(files["flat_parquet"])
    chat = chat_frame(frame)
    chat.write_parquet(files["chat_parquet"])
    chat.write_ndjson(files["chat_jsonl"])
    alpaca = alpaca_frame(frame)
    alpaca.write_parquet(files["alpaca_parquet"])
    alpaca.write_ndjson(files["alpaca_jsonl"])
    files["card"].write_text(dataset_card(stats))
    return files


def _table(title: str, counts: dict[str, Any], key: str) -> list[str]:
    if not counts:
        return [f"### {title}", "", "(none)", ""]
    lines = [f"### {title}", "", f"| {key} | rows |", "|---|---:|"]
    for name, count in sorted(counts.items(), key=lambda kv: (-_as_int(kv[1]), kv[0])):
        lines.append(f"| {name} | {count} |")
    return lines + [""]


def _as_int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def dataset_card(stats: CardStats) -> str:
    front = [
        "---",
        "license: other",
        "license_name: mixed-web-content",
        "task_categories:",
        "- question-answering",
        "- text-generation",
        "language:",
        "- en",
        "configs:",
        "- config_name: chat",
        "  default: true",
        "  data_files:",
        "  - split: train",
        "    path: chat/train.parquet",
        "- config_name: alpaca",
        "  data_files:",
        "  - split: train",
        "    path: alpaca/train.parquet",
        "- config_name: flat",
        "  data_files:",
        "  - split: train",
        "    path: webinstruct.parquet",
        "---",
        "",
    ]
    body = [
        f"# {stats.name}",
        "",
        (
            "Instruction data mined from Common Crawl with the WebInstruct recipe (MAmmoTH2, NeurIPS "
            "2024): fastText recall, rule-based HTML cleanup, benchmark decontamination (any page "
            "sharing a word 10-gram with a benchmark question or answer is removed), extraction of "
            "the question-answer pairs that exist on the page (schema.org JSON-LD/microdata without "
            "an LLM, else a few-shot LLM with a grounding check), refinement by one or more LLMs "
            "with drift checks, then exact and MinHash near-duplicate removal."
        ),
        "",
        f"**Rows: {stats.rows}**",
        "",
    ]
    if stats.unrefined_fallback_rows:
        body += [
            (
                "> **Note:** this build was made with `keep_unrefined_when_rejected=True`: "
                f"{stats.unrefined_fallback_rows} rows are the *unrefined* extracted pairs, kept "
                "because no refinement of them was accepted (rejected by the drift checks, or not sent "
                "under a sample-scale cap; `refined_qa.reason` says which). The paper keeps "
                "only refined pairs (the default, False). Filter on `refiner == 'unrefined'` to drop them."
            ),
            "",
        ]
    if stats.benchmarks_decontaminated:
        body += [
            "Decontaminated against: " + ", ".join(stats.benchmarks_decontaminated) + ".",
            "",
        ]
    body += ["## Counts per stage", "", "| stage | count |", "|---|---|"]
    for stage, count in stats.stage_counts.items():
        shown = (
            ", ".join(f"{k}: {v}" for k, v in count.items()) if isinstance(count, dict) else count
        )
        body.append(f"| {stage} | {shown} |")
    body.append("")
    body += _table("Per dump", stats.per_dump, "dump")
    body += _table("Per refiner", stats.per_refiner, "refiner")
    body += _table("Per extraction method", stats.per_method, "method")
    top_domains = dict(sorted(stats.per_domain.items(), key=lambda kv: -kv[1])[:50])
    body += _table(
        f"Per domain (top {len(top_domains)} of {len(stats.per_domain)})", top_domains, "domain"
    )
    body += [
        "## Formats",
        "",
        "- `chat/train.{parquet,jsonl}`: `messages` (user question, assistant answer).",
        "- `alpaca/train.{parquet,jsonl}`: `instruction`, `input` (empty), `output`.",
        "- `webinstruct.parquet`: flat rows with all provenance columns.",
        "",
        "```python",
        "import datasets",
        'ds = datasets.load_dataset("parquet", data_files="chat/train.parquet", split="train")',
        "```",
        "",
        "## Provenance",
        "",
        (
            "Every row carries `dump`, `warc_file`, `warc_record_id`, `url`, `domain` and the ids of "
            "its extracted pair (`pair_id`) and refinement (`refined_id`); "
            "`sql/webinstruct_provenance.sql` walks from an example id back to its page."
        ),
        "",
        "## License notes",
        "",
        (
            "The text comes from web pages captured by Common Crawl (Common Crawl Terms of Use); each "
            "page's content remains under the copyright and license of its site, listed per row in "
            "`url`/`domain`. Refinements are outputs of the listed refiner models and may be subject "
            "to those models' licenses. Use for research; check the source sites' terms before "
            "redistribution. Benchmark test sets were used only as the decontamination list."
        ),
        "",
        "## Build configuration",
        "",
        "```json",
        json.dumps(stats.config, indent=2, sort_keys=True, default=str),
        "```",
        "",
    ]
    return "\n".join(front + body)
