"""Our grader against published model outputs with known scores, and its speed against calling
math-verify directly. One run prints every figure beside its reference:

    .venv/bin/python benchmarks/evaluate_grading.py [--pot]

- BBH (code-davinci-002 CoT, 5 tasks): published accuracy vs ours vs a naive "So the answer is"
  string match (the BBH authors' own method).
- GSM8K (GPT-3 6B/175B solutions with human `is_correct` labels): accuracy from the labels vs ours,
  and the per-item agreement.
- AQuA (GPT-4 CoT, README: 72.7%): ours on the stored rationale.
- MATH (Qwen2.5-Math CoT, 8 samples x 100 problems, stored per-sample scores, mean 0.91): ours.
- with --pot: Program-of-Thoughts GSM8K programs re-run in our sandbox (README EM 71.6).
- Speed: MATH-500 references in alternative LaTeX forms, our `grade_completion` vs math-verify's
  `parse`+`verify` called in-process (the baseline; no timeout protection).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from mammoth_assets import paths
from mammoth_assets.core import sandbox
from mammoth_assets.core.benchmarks import bbh_item, load_benchmark
from mammoth_assets.core.grading import grade_completion, grade_item, grade_program_output, summarize

REFERENCE = paths.shared_data_dir() / "reference" / "model_outputs"


def bbh() -> None:
    folder = REFERENCE / "suzgunmirac__BIG-Bench-Hard/code-davinci-002-outputs/code-davinci-002-cot"
    print("BBH code-davinci-002 CoT            published   ours   naive")
    for path in sorted(folder.glob("*_few_shot_template_0-255000.json")):
        task = path.name.split("_few_shot")[0]
        outputs = json.loads(path.read_text())["outputs"]
        metrics = path.with_name(path.name.replace(".json", "_eval_metrics.jsonl"))
        published = json.loads(metrics.read_text())["accuracy"]
        grades = []
        naive = 0
        for i, o in enumerate(outputs):
            question = o["input"].rsplit("\n\nQ: ", 1)[-1].split("\nA: Let's think step by step.")[0]
            grades.append(grade_item(bbh_item(task, {"input": question, "target": o["target"]}, i),
                                     o["prediction"]))
            stated = o["prediction"].split("So the answer is ")
            naive += len(stated) > 1 and stated[-1].strip().rstrip(".") == o["target"]
        summary = summarize(grades)
        print(f"  {task:32s} {published:8.1f} {100 * summary.accuracy:7.1f} {100 * naive / len(outputs):7.1f}"
              f"   (unparsable {summary.unparsable})")


def gsm8k_labels() -> None:
    rows = [json.loads(line) for line in
            (REFERENCE / "openai__grade-school-math/grade_school_math/data/example_model_solutions.jsonl")
            .read_text().splitlines()]
    references = {i.question: i.reference for i in load_benchmark("gsm8k")}
    print("GSM8K GPT-3 solutions (is_correct labels)   labels   ours   agreement")
    for model in ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"):
        labelled = ours = agree = 0
        for row in rows:
            reference = references[row["question"]]
            correct = grade_completion(row[model]["solution"], reference, answer_kind="number").correct
            labelled += row[model]["is_correct"]
            ours += correct
            agree += correct == row[model]["is_correct"]
        n = len(rows)
        print(f"  {model:40s} {100 * labelled / n:6.2f} {100 * ours / n:6.2f} {100 * agree / n:8.2f}%")


def aqua_gpt4() -> None:
    path = REFERENCE / "wenhuchen__Program-of-Thoughts/outputs/aqua_gpt4_s0_e-1_03_31_22_24.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "answer" in r and "rationale" in r]
    grades = []
    for row in rows:
        choices = [o.split(")", 1)[1] for o in row["options"]]
        completion = f"{row['rationale']}\nThe answer is {row['generated_prediction']}"
        grades.append(grade_completion(completion, row["answer"], answer_kind="choice", choices=choices))
    s = summarize(grades)
    print(f"AQuA GPT-4 CoT: README 72.7   ours {100 * s.accuracy:.1f} (n={s.n}, unparsable {s.unparsable})")


def qwen_math() -> None:
    path = REFERENCE / "QwenLM__Qwen2.5-Math/evaluation/data/eval_rm_maj_example/math_cot_100.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    stored = ours = agree = n = 0
    for row in rows:
        for response, score in zip(row["code"], row["score"]):
            correct = grade_completion(response, str(row["gt"]), answer_kind="latex").correct
            stored += score
            ours += correct
            agree += correct == score
            n += 1
    print(f"MATH Qwen2.5-Math CoT samples: stored scores {100 * stored / n:.1f}   ours "
          f"{100 * ours / n:.1f}   agreement {100 * agree / n:.1f}% (n={n})")


def pot_gsm8k() -> None:
    path = REFERENCE / "wenhuchen__Program-of-Thoughts/outputs/gsm8K_s0_e-1_11_17_10_20.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows = [r for r in rows if isinstance(r, dict) and r.get("generated")]
    started = time.perf_counter()
    results = sandbox.run_programs([r["generated"][0] for r in rows])
    seconds = time.perf_counter() - started
    grades = [grade_program_output(res.answer if res.status == "ok" else None, str(r["answer"]),
                                   answer_kind="number") for r, res in zip(rows, results)]
    s = summarize(grades)
    print(f"PoT GSM8K (Codex programs, sandbox re-run): README EM 71.6   ours {100 * s.accuracy:.2f} "
          f"(n={s.n}, {s.n / seconds:.1f} programs/s)")


def speed() -> None:
    from math_verify import parse, verify

    items = load_benchmark("math500")
    pairs = []
    for item in items:
        text = item.reference.replace("\\frac", "\\dfrac")
        pairs.append((f"The answer is ${text}$.", item.reference))
    random.Random(0).shuffle(pairs)
    started = time.perf_counter()
    ours = sum(grade_completion(c, r, answer_kind="latex").correct for c, r in pairs)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    theirs = sum(bool(verify(parse(f"${r}$"), parse(c))) for c, r in pairs)
    theirs_s = time.perf_counter() - started
    print("MATH-500 references as \\dfrac forms      correct   pairs/s")
    print(f"  ours (extract + math-verify in a guarded worker) {ours:5d} {len(pairs) / ours_s:9.1f}")
    print(f"  baseline: math-verify in-process           {theirs:5d} {len(pairs) / theirs_s:9.1f}")


def math_verify_agreement() -> None:
    """Every MATH reference that has a decimal, \\dfrac or reordered-list form (the test samples
    25 per form), plus a perturbed wrong answer for each: our verdict vs math-verify's."""
    from math_verify import parse, verify

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.core.test_grading import alternative_forms, perturbed

    cases = [(form, item.reference, text) for item in load_benchmark("math")
             for form, text in alternative_forms(item.reference)]
    cases += [("perturbed", ref, perturbed(ref)) for _, ref, _ in cases if perturbed(ref)]
    counts: dict[str, list[int]] = {}
    for form, reference, text in cases:
        ours = grade_completion(f"The answer is ${text}$.", reference, answer_kind="latex").correct
        theirs = bool(verify(parse(f"${reference}$"), parse(f"${text}$")))
        tally = counts.setdefault(form, [0, 0, 0])  # pairs, agree, ours-correct
        tally[0] += 1
        tally[1] += ours == theirs
        tally[2] += ours
    print("MATH alternative forms vs math-verify     pairs  agree  ours-equal")
    for form, (pairs, agree, equal) in counts.items():
        print(f"  {form:38s} {pairs:6d} {agree:6d} {equal:10d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pot", action="store_true", help="also re-run 1,318 PoT programs")
    parser.add_argument("--forms", action="store_true",
                        help="also compare every MATH alternative form with math-verify")
    args = parser.parse_args()
    bbh()
    gsm8k_labels()
    aqua_gpt4()
    qwen_math()
    if args.pot:
        pot_gsm8k()
    if args.forms:
        math_verify_agreement()
    speed()


if __name__ == "__main__":
    main()
