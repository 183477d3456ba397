"""Few-shot exemplars and prompts for benchmark evaluation. Exemplars always come from data files:

1. a user-given exemplar file (JSONL of {question, rationale, answer, choices?});
2. the benchmark's *published* CoT prompt: BIG-Bench Hard's `cot-prompts/<task>.txt` and the
   per-subject MMLU CoT prompts (`mmlu-cot.json`), used verbatim as the prompt prefix, and the
   GPQA authors' `chain_of_thought_examples.json`;
3. the benchmark's training split (GSM8K/MATH `train`, GPQA main minus diamond...);
4. otherwise items *held out* of the test split: `shots` items drawn with a fixed seed from the
   second half of the file, which are then never evaluated (`evaluation_items` removes them).

Prompts are raw text (few-shot completion, as the paper evaluates); rendering goes through the
versioned templates `llm/prompts/evaluate_*.j2` so a template edit changes the cache key.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from mammoth_assets.core.benchmarks import (
    LETTERS,
    BenchmarkError,
    BenchmarkItem,
    benchmark_spec,
    load_benchmark,
    stable_seed,
)
from mammoth_assets.core.benchmarks.registry import (
    BBH_COT_PROMPTS,
    GPQA_COT_EXAMPLES,
    MMLU_COT_PROMPTS,
)

_CANARY_SEPARATOR = "\n-----\n"

# Where a model that keeps going starts the next few-shot turn.
COT_STOP = ("\n\nQuestion:", "\nQuestion:")
PUBLISHED_STOP = ("\n\nQ:", "\nQ:")


@dataclass(frozen=True)
class Exemplar:
    question: str
    rationale: str
    answer: str  # as the model should state it after "The answer is"
    choices: list[str] | None = None
    source_id: str = ""


@dataclass
class FewShotContext:
    """How one benchmark's prompts are built: exemplars or a published prefix, and provenance."""

    benchmark: str
    source: str  # exemplar_file | published | train_split | held_out_test | zero_shot
    shots: int
    exemplars: list[Exemplar] = field(default_factory=list)
    published_prefix: dict[str, str] = field(default_factory=dict)  # task/subject -> prompt text
    held_out_ids: frozenset[str] = frozenset()

    def prefix_for(self, item: BenchmarkItem) -> str | None:
        key = item.extra.get("task") or item.extra.get("subject") or ""
        return self.published_prefix.get(key)


def format_choices(choices: Sequence[str] | None, style: str = "lines") -> str:
    if not choices:
        return ""
    if style == "inline":  # MMLU's published prompt: "(A) x (B) y"
        return " ".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(choices))
    return "\n".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(choices))


def stated_reference(item: BenchmarkItem) -> str:
    return f"({item.reference})" if item.answer_kind == "choice" else item.reference


def exemplar_from_item(item: BenchmarkItem) -> Exemplar:
    rationale = (item.extra.get("solution") or "").strip()
    if _IMAGE_PATH.fullmatch(rationale):  # TheoremQA points some explanations at image files
        rationale = ""
    if not rationale and item.extra.get("equation"):  # SVAMP: the gold equation
        rationale = f"{item.extra['equation'].strip()} = {item.reference}"
    if rationale and not rationale.endswith((".", "!", "?", "$", "]", ")")):
        rationale += "."
    return Exemplar(
        question=item.question,
        rationale=rationale,
        answer=stated_reference(item),
        choices=item.choices,
        source_id=item.item_id,
    )


_IMAGE_PATH = re.compile(r"\S+\.(?:png|jpe?g|gif|svg)", re.IGNORECASE)


def read_bbh_prompt(path: Path) -> str:
    """A BBH cot-prompt file without its canary header (everything up to the "-----" line)."""
    text = path.read_text(encoding="utf-8")
    if _CANARY_SEPARATOR in text:
        text = text.split(_CANARY_SEPARATOR, 1)[1]
    return text.strip()


def published_prefixes(benchmark: str, root: Path | None) -> dict[str, str]:
    """Task/subject -> published CoT prompt text, for BBH and the MMLU sets; {} when absent."""
    published = benchmark_spec(benchmark).published_exemplars
    if root is None or published is None:
        return {}
    if published.format == BBH_COT_PROMPTS:
        for candidate in published.candidates:
            directory = Path(root) / candidate
            if directory.is_dir():
                return {p.stem: read_bbh_prompt(p) for p in sorted(directory.glob("*.txt"))}
    if published.format == MMLU_COT_PROMPTS:
        path = _first_existing(root, published.candidates)
        if path is not None:
            return {k: v.strip() for k, v in json.loads(path.read_text("utf-8")).items()}
    return {}


def _first_existing(root: Path | None, candidates: Sequence[str]) -> Path | None:
    if root is None:
        return None
    return next((Path(root) / c for c in candidates if (Path(root) / c).is_file()), None)


def read_gpqa_examples(path: Path) -> list[Exemplar]:
    """The GPQA authors' chain-of-thought examples (`prompts/chain_of_thought_examples.json`:
    {"questions": [{"question", "choices": {"A": ..}, "correct_answer", "explanation"}]})."""
    data = json.loads(Path(path).read_text("utf-8"))
    exemplars = []
    for index, row in enumerate(data.get("questions", [])):
        try:
            labels = sorted(row["choices"])
            exemplars.append(Exemplar(
                question=row["question"].strip(),
                rationale=str(row.get("explanation", "")).strip(),
                answer=f"({str(row['correct_answer']).strip().strip('()')})",
                choices=[str(row["choices"][label]) for label in labels],
                source_id=f"gpqa-cot-{index}",
            ))
        except (KeyError, TypeError, AttributeError) as error:
            raise BenchmarkError(f"{path}: example {index} is malformed ({error})") from error
    return exemplars


def read_exemplar_file(path: Path) -> list[Exemplar]:
    """JSONL exemplars: {"question", "rationale", "answer", optional "choices"} per line."""
    exemplars = []
    for line_no, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            exemplars.append(Exemplar(row["question"], row.get("rationale", ""),
                                      str(row["answer"]), row.get("choices"),
                                      str(row.get("id", line_no))))
        except (json.JSONDecodeError, KeyError) as error:
            raise BenchmarkError(f"{path}:{line_no}: not an exemplar row ({error})") from error
    return exemplars


def held_out_exemplars(items: Sequence[BenchmarkItem], shots: int, seed: int = 0) -> list[BenchmarkItem]:
    """`shots` items drawn with a fixed seed from the second half of the test file (so a small
    evaluation `limit`, which takes the first items, never loses items to the exemplars)."""
    if shots <= 0 or not items:
        return []
    second_half = items[len(items) // 2 :] or items
    # questions that need a picture make useless exemplars
    pool = [item for item in second_half if not item.extra.get("picture")] or list(second_half)
    rng = random.Random(stable_seed(items[0].benchmark, "fewshot", str(seed)))
    return rng.sample(pool, min(shots, len(pool)))


def build_context(
    benchmark: str,
    test_items: Sequence[BenchmarkItem],
    *,
    root: Path | None,
    shots: int | None = None,
    exemplar_file: Path | None = None,
    seed: int = 0,
) -> FewShotContext:
    """Choose the exemplar source for `benchmark` (see the module docstring for the order)."""
    shots = benchmark_spec(benchmark).shots if shots is None else shots
    if shots <= 0:
        return FewShotContext(benchmark, "zero_shot", 0)
    if exemplar_file is not None:
        return FewShotContext(benchmark, "exemplar_file", shots,
                              read_exemplar_file(exemplar_file)[:shots])
    published_spec = benchmark_spec(benchmark).published_exemplars
    gpqa_prompt = (_first_existing(root, published_spec.candidates)
                   if published_spec and published_spec.format == GPQA_COT_EXAMPLES else None)
    if gpqa_prompt is not None:
        return FewShotContext(benchmark, "published", shots, read_gpqa_examples(gpqa_prompt)[:shots])
    published = published_prefixes(benchmark, root)
    if published:
        return FewShotContext(benchmark, "published", shots,
                              published_prefix=trim_published(published, shots))
    try:
        train = load_benchmark(benchmark, root, split="train") if "train" in benchmark_spec(
            benchmark).local_paths else []
    except BenchmarkError:
        train = []
    # never show a test question as an exemplar (GPQA main holds every diamond question)
    test_questions = {item.question for item in test_items}
    train = [item for item in train if item.question not in test_questions]
    if train:
        chosen = random.Random(stable_seed(benchmark, "train", str(seed))).sample(
            train, min(shots, len(train)))
        return FewShotContext(benchmark, "train_split", shots,
                              [exemplar_from_item(i) for i in chosen])
    chosen = held_out_exemplars(test_items, shots, seed)
    return FewShotContext(benchmark, "held_out_test", shots,
                          [exemplar_from_item(i) for i in chosen],
                          held_out_ids=frozenset(i.item_id for i in chosen))


def trim_published(prefixes: dict[str, str], shots: int) -> dict[str, str]:
    """Keep the first `shots` Q/A blocks of each published prompt (all of them when it has fewer)."""
    trimmed = {}
    for key, text in prefixes.items():
        blocks = re.split(r"\n\n(?=Q: )", text)
        header = [] if blocks[0].startswith("Q: ") else blocks[:1]
        questions = blocks[len(header):]
        trimmed[key] = "\n\n".join(header + questions[:shots])
    return trimmed


def evaluation_items(items: Sequence[BenchmarkItem], context: FewShotContext,
                     limit: int | None) -> list[BenchmarkItem]:
    """The items to evaluate: held-out exemplars removed, then the first `limit`."""
    kept = [item for item in items if item.item_id not in context.held_out_ids]
    return kept if limit is None else kept[:limit]


# --- prompt variables (rendered by llm/prompts/evaluate_*.j2) -----------------------------------


def cot_variables(item: BenchmarkItem, context: FewShotContext) -> dict[str, Any]:
    """Variables for `evaluate_cot` (exemplars) or `evaluate_published` (a published prefix)."""
    prefix = context.prefix_for(item)
    if prefix is not None:
        return {
            "prefix": prefix,
            "question": item.extra.get("input") or _question_with_choices(item, "inline"),
        }
    return {
        "exemplars": [
            {"question": e.question, "choices": format_choices(e.choices), "rationale": e.rationale,
             "answer": e.answer}
            for e in context.exemplars
        ],
        "question": item.question,
        "choices": format_choices(item.choices),
    }


def _question_with_choices(item: BenchmarkItem, style: str) -> str:
    if not item.choices:
        return item.question
    return f"{item.question}\n{format_choices(item.choices, style)}"


def pot_variables(item: BenchmarkItem) -> dict[str, Any]:
    return {"question": item.question, "choices": format_choices(item.choices)}
