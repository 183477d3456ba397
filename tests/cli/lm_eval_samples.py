"""Real lm-evaluation-harness `--log_samples` lines, rebuilt at test time.

`lm_eval_samples/*.model_side.jsonl` hold what lm-evaluation-harness 0.4.13 wrote for the
project's tiny model on the two local tasks whose YAML lies beside them (the model's responses,
filters, metrics and hashes), with the benchmark text taken out: no benchmark item is stored in
this repository. `write_samples` puts each document back (`doc`, `target`, `arguments`) from the
benchmark files under `../shared/data`, the way the task YAML renders it, so the file a test reads
is the one lm-eval wrote. Command that produced them (see the YAML files):

    lm_eval --model hf --model_args pretrained=<tiny model>,dtype=float32 \
      --tasks gsm8k_local,mmlu_stem_local --include_path tests/cli/lm_eval_samples --limit 12 \
      --log_samples --output_path out --device cpu --batch_size 4
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLES = Path(__file__).with_name("lm_eval_samples")
GSM8K = "benchmarks/openai__grade-school-math/grade_school_math/data/test.jsonl"
MMLU_STEM = "benchmarks/ZubinGou__math-evaluation-harness/data/mmlu_stem/test.jsonl"
_GSM8K_UNTIL = {"until": ["Question:", "</s>", "<|im_end|>"], "do_sample": False, "max_gen_toks": 48}


def _documents(path: Path, count: int) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(next(handle)) for _ in range(count)]


def _gsm8k_fields(doc: dict) -> dict:
    prompt = f"Question: {doc['question']}\nAnswer:"
    return {"doc": doc, "target": doc["answer"],
            "arguments": {"gen_args_0": {"arg_0": prompt, "arg_1": dict(_GSM8K_UNTIL)}}}


def _mmlu_stem_fields(doc: dict) -> dict:
    choices = "".join(f"\n{letter}. {text}" for letter, text in zip("ABCD", doc["choices"]))
    prompt = f"{doc['question'].strip()}{choices}\nAnswer:"
    arguments = {f"gen_args_{i}": {"arg_0": prompt, "arg_1": f" {letter}"}
                 for i, letter in enumerate("ABCD")}
    return {"doc": doc, "target": str(doc["answer"]), "arguments": arguments}


_TASKS = {"gsm8k": (GSM8K, _gsm8k_fields), "mmlu_stem": (MMLU_STEM, _mmlu_stem_fields)}


def write_samples(task: str, shared_data: Path, dest_dir: Path) -> Path:
    """The lm-eval samples file of `task` ("gsm8k" or "mmlu_stem"), whole, under `dest_dir`."""
    benchmark, fields = _TASKS[task]
    lines = [json.loads(line) for line in
             (SAMPLES / f"samples_{task}_local.model_side.jsonl").read_text().splitlines()]
    documents = _documents(shared_data / benchmark, max(line["doc_id"] for line in lines) + 1)
    dest = dest_dir / f"samples_{task}_local.jsonl"
    with open(dest, "w", encoding="utf-8") as out:
        for line in lines:
            rebuilt = {"doc_id": line["doc_id"], **fields(documents[line["doc_id"]])}
            rebuilt.update({k: v for k, v in line.items() if k != "doc_id"})
            out.write(json.dumps(rebuilt) + "\n")
    return dest
