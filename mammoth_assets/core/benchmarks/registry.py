"""The benchmark registry: one `BenchmarkSpec` per benchmark carries every per-benchmark fact:
where its files are and how to parse them (local and hub), the paper's shot count, where its
few-shot exemplars come from, how its references compare (answer kind), what its item-id prefix
names (BBH task, MMLU subject) and the paper's published scores. Adding a benchmark is one entry
here (plus its parser in `parsers.py` when no existing one fits); loaders, grading, few-shot
prompts, the evaluation partitions and the comparison table all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from mammoth_assets.core.benchmarks.items import BenchmarkError, BenchmarkItem
from mammoth_assets.core.benchmarks.parsers import (
    hub_aqua,
    hub_arc,
    hub_bbh,
    hub_gpqa,
    hub_gsm8k,
    hub_math,
    hub_mmlu,
    hub_svamp,
    hub_theoremqa,
    parse_answer_choices,
    parse_aqua,
    parse_arc,
    parse_bbh,
    parse_gpqa,
    parse_gsm8k,
    parse_math,
    parse_mmlu,
    parse_svamp,
    parse_theoremqa,
)


@dataclass(frozen=True)
class HubSource:
    """Where a benchmark lives on the Hugging Face hub (the real-user path)."""

    dataset_id: str
    configs: tuple[str | None, ...] = (None,)
    splits: dict[str, str] = field(default_factory=dict)  # our split name -> hub split name


# Formats of published few-shot CoT material (see `core/fewshot.py`).
BBH_COT_PROMPTS = "bbh_cot_prompts"  # a directory of <task>.txt prompts, used verbatim
MMLU_COT_PROMPTS = "mmlu_cot_prompts"  # one JSON {subject: prompt text}, used verbatim
GPQA_COT_EXAMPLES = "gpqa_cot_examples"  # the GPQA authors' chain_of_thought_examples.json


@dataclass(frozen=True)
class PublishedExemplars:
    """The benchmark's own published few-shot CoT material: its format and candidate paths under
    the benchmark root (the first that exists is read)."""

    format: str  # BBH_COT_PROMPTS | MMLU_COT_PROMPTS | GPQA_COT_EXAMPLES
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    shots: int  # the paper's few-shot count
    local_paths: dict[str, tuple[str, ...]]  # split -> candidate paths under the root
    parse_local: Callable[[Path, str], Iterable[BenchmarkItem]]
    hub: HubSource | None = None
    parse_hub_row: Callable[[dict[str, Any], str, int, str | None], BenchmarkItem] | None = None
    description: str = ""
    # How every reference compares (number, latex, choice); None: decided per reference.
    answer_kind: str | None = None
    # Free-text targets (BBH): a bare letter is an answer word, an unknown reference is text.
    free_text: bool = False
    # What a True/False reference is compared as (TheoremQA's typed booleans: "boolean").
    true_false_kind: str = "text"
    # What the item id's prefix before "/" names ("task", "subject"); None: no subsets.
    subsets: str | None = None
    published_exemplars: PublishedExemplars | None = None
    # The paper's published accuracy (%) per model (keys of PAPER_MODELS).
    paper_scores: dict[str, float] = field(default_factory=dict)


# The seven benchmarks of the MAmmoTH2 paper's main table, in its column order.
PAPER_BENCHMARKS = ("theoremqa", "math", "gsm8k", "gpqa", "mmlu_stem", "bbh", "arc_challenge")
# MAmmoTH's additional math sets.
MAMMOTH_BENCHMARKS = ("svamp", "aqua", "numglue", "simuleq", "deepmind", "sat_math", "mmlu_math")

# Where `paper_scores` come from, and the two models they describe.
PAPER_SOURCE = (
    "Yue et al., MAmmoTH2: Scaling Instructions from the Web (NeurIPS 2024), main results table; "
    "few-shot CoT: TheoremQA 5, MATH 4, GSM8K 4, GPQA 5, MMLU-STEM 5, BBH 3, ARC-C 8 shots; "
    "greedy decoding"
)
PAPER_TRAINED_MODEL = "MAmmoTH2-7B"
PAPER_BASE_MODEL = "Mistral-7B"
PAPER_MODELS = {PAPER_TRAINED_MODEL: "TIGER-Lab/MAmmoTH2-7B", PAPER_BASE_MODEL: "mistralai/Mistral-7B-v0.1"}


def _paper(trained: float, base: float) -> dict[str, float]:
    return {PAPER_TRAINED_MODEL: trained, PAPER_BASE_MODEL: base}


_MMLU_COT = PublishedExemplars(MMLU_COT_PROMPTS, (
    "TIGER-AI-Lab__MAmmoTH2/math_eval/dataset/mmlu/mmlu-cot.json", "mmlu/mmlu-cot.json"))

BBH_TASKS = (
    "boolean_expressions", "causal_judgement", "date_understanding", "disambiguation_qa",
    "dyck_languages", "formal_fallacies", "geometric_shapes", "hyperbaton",
    "logical_deduction_five_objects", "logical_deduction_seven_objects",
    "logical_deduction_three_objects", "movie_recommendation", "multistep_arithmetic_two",
    "navigate", "object_counting", "penguins_in_a_table", "reasoning_about_colored_objects",
    "ruin_names", "salient_translation_error_detection", "snarks", "sports_understanding",
    "temporal_sequences", "tracking_shuffled_objects_five_objects",
    "tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects",
    "web_of_lies", "word_sorting",
)
MATH_SUBJECTS = ("algebra", "counting_and_probability", "geometry", "intermediate_algebra",
                 "number_theory", "prealgebra", "precalculus")

_MAMMOTH2 = "TIGER-AI-Lab__MAmmoTH2/math_eval/dataset"
_HARNESS = "ZubinGou__math-evaluation-harness/data"

BENCHMARKS: dict[str, BenchmarkSpec] = {
    spec.name: spec
    for spec in (
        BenchmarkSpec(
            "gsm8k", 4,
            {"test": ("openai__grade-school-math/grade_school_math/data/test.jsonl",
                      f"{_MAMMOTH2}/gsm8k/gsm8k.jsonl", "gsm8k/test.jsonl"),
             "train": ("openai__grade-school-math/grade_school_math/data/train.jsonl",
                       "gsm8k/train.jsonl")},
            parse_gsm8k, HubSource("openai/gsm8k", ("main",)), hub_gsm8k,
            "Grade-school math word problems (1,319 test).",
            answer_kind="number", paper_scores=_paper(68.4, 36.2)),
        BenchmarkSpec(
            "math", 4,
            {"test": (f"{_HARNESS}/math/test.jsonl", "math/test.jsonl"),
             "train": (f"{_HARNESS}/math/train.jsonl", "math/train.jsonl")},
            parse_math, HubSource("EleutherAI/hendrycks_math", MATH_SUBJECTS), hub_math,
            "Competition math (Hendrycks MATH, 5,000 test), answers in \\boxed{}.",
            answer_kind="latex", paper_scores=_paper(36.7, 11.2)),
        BenchmarkSpec(
            "math500", 4,
            {"test": (f"{_HARNESS}/math_oai/test.jsonl", "math500/test.jsonl")},
            parse_math, HubSource("HuggingFaceH4/MATH-500"), hub_math,
            "MATH-500, the PRM800K subset of MATH test.",
            answer_kind="latex"),
        BenchmarkSpec(
            "theoremqa", 5,
            {"test": ("wenhuchen__TheoremQA/theoremqa_test.json",
                      f"{_MAMMOTH2}/theoremqa/theoremqa_test.json", "theoremqa/test.json")},
            parse_theoremqa, HubSource("TIGER-Lab/TheoremQA"), hub_theoremqa,
            "Theorem-driven STEM questions (800), typed answers (number, bool, list, option).",
            true_false_kind="boolean", paper_scores=_paper(29.0, 19.2)),
        BenchmarkSpec(
            "gpqa", 5,
            {"test": ("gpqa/gpqa_diamond.csv", "gpqa_diamond.csv",
                      "idavidrein__gpqa/dataset/gpqa_diamond.csv", "dataset/gpqa_diamond.csv"),
             "train": ("gpqa/gpqa_main.csv", "gpqa_main.csv",
                       "idavidrein__gpqa/dataset/gpqa_main.csv", "dataset/gpqa_main.csv")},
            parse_gpqa, HubSource("Idavidrein/gpqa", ("gpqa_diamond",), {"test": "train"}),
            hub_gpqa, "GPQA diamond (198), official CSV; options shuffled with a per-item seed.",
            answer_kind="choice",
            published_exemplars=PublishedExemplars(GPQA_COT_EXAMPLES, (
                "gpqa/prompts/chain_of_thought_examples.json",
                "idavidrein__gpqa/prompts/chain_of_thought_examples.json",
                "prompts/chain_of_thought_examples.json")),
            paper_scores=_paper(32.4, 24.7)),
        BenchmarkSpec(
            "mmlu_stem", 5,
            {"test": (f"{_HARNESS}/mmlu_stem/test.jsonl", "mmlu_stem/test.jsonl")},
            parse_mmlu, HubSource("TIGER-Lab/MMLU-STEM"), hub_mmlu,
            "The STEM subjects of MMLU (3,018).",
            answer_kind="choice", subsets="subject", published_exemplars=_MMLU_COT,
            paper_scores=_paper(62.4, 50.1)),
        BenchmarkSpec(
            "bbh", 3,
            {"test": ("suzgunmirac__BIG-Bench-Hard/bbh", "bbh")},
            parse_bbh, HubSource("lukaemon/bbh", BBH_TASKS), hub_bbh,
            "BIG-Bench Hard, all 27 tasks (250 items each but 3 smaller).",
            free_text=True, subsets="task",
            published_exemplars=PublishedExemplars(BBH_COT_PROMPTS, (
                "suzgunmirac__BIG-Bench-Hard/cot-prompts", "bbh/cot-prompts")),
            paper_scores=_paper(58.6, 55.7)),
        BenchmarkSpec(
            "arc_challenge", 8,
            {"test": (f"{_MAMMOTH2}/arc/challenge.json", "arc_challenge/test.json")},
            parse_arc, HubSource("allenai/ai2_arc", ("ARC-Challenge",)), hub_arc,
            "AI2 Reasoning Challenge, challenge set (1,172 test).",
            answer_kind="choice", paper_scores=_paper(81.7, 74.2)),
        BenchmarkSpec(
            "svamp", 4, {"test": (f"{_MAMMOTH2}/SVAMP/SVAMP.json", "svamp/test.json")},
            parse_svamp, HubSource("ChilleD/SVAMP"), hub_svamp, "SVAMP (1,000).",
            answer_kind="number"),
        BenchmarkSpec(
            "aqua", 4, {"test": (f"{_MAMMOTH2}/AQuA/AQuA.json", "aqua/test.json")},
            parse_aqua, HubSource("deepmind/aqua_rat", ("raw",)), hub_aqua,
            "AQuA-RAT algebra word problems with options (254).",
            answer_kind="choice"),
        BenchmarkSpec(
            "numglue", 4, {"test": (f"{_MAMMOTH2}/numglue/numglue.json", "numglue/test.json")},
            parse_answer_choices, description="NumGLUE (1,042, MAmmoTH's selection)."),
        BenchmarkSpec(
            "simuleq", 4, {"test": (f"{_MAMMOTH2}/simuleq/simuleq.json", "simuleq/test.json")},
            parse_answer_choices, description="SimulEq linear systems (514).",
            answer_kind="number"),
        BenchmarkSpec(
            "deepmind", 4,
            {"test": (f"{_MAMMOTH2}/deepmind/deepmind.json", "deepmind/test.json")},
            parse_answer_choices, description="DeepMind Mathematics (1,000 sampled)."),
        BenchmarkSpec(
            "sat_math", 4, {"test": (f"{_MAMMOTH2}/sat/sat.json", "sat_math/test.json")},
            parse_answer_choices, description="SAT-Math with options (220).",
            answer_kind="choice"),
        BenchmarkSpec(
            "mmlu_math", 5,
            {"test": (f"{_MAMMOTH2}/mmlu/mathematics.json", "mmlu_math/test.json")},
            parse_mmlu, description="MMLU mathematics subjects (974).",
            answer_kind="choice", subsets="subject",
            published_exemplars=_MMLU_COT),
    )
}

SUPPORTED_BENCHMARKS = tuple(BENCHMARKS)


def benchmark_spec(name: str) -> BenchmarkSpec:
    try:
        return BENCHMARKS[name]
    except KeyError:
        raise BenchmarkError(
            f"unknown benchmark {name!r}; supported: {', '.join(SUPPORTED_BENCHMARKS)}"
        ) from None


