"""`mammoth grade`: references rendered as "The answer is X" score 100% on every benchmark;
a known mix scores what it should; unreadable lines are reported, not dropped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mammoth_assets.cli import main
from mammoth_assets.core.benchmarks import available_benchmarks, load_benchmark
from mammoth_assets.core.fewshot import stated_reference


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def bench_root(shared_data: Path) -> Path:
    return shared_data / "benchmarks"


def test_rendered_references_score_100_percent_on_every_benchmark(
        bench_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    names = available_benchmarks(bench_root)
    assert len(names) == 14
    for name in names:
        # bare references only (no answer_kind): the CLI must infer how to compare them
        items = load_benchmark(name, bench_root, limit=60)
        rows = [{"id": i.item_id, "completion": f"Let me see. The answer is {stated_reference(i)}.",
                 "reference": stated_reference(i) if name == "bbh" else i.reference}
                for i in items]
        source = write_jsonl(tmp_path / f"{name}.jsonl", rows)
        output = tmp_path / f"{name}.graded.jsonl"
        assert main(["grade", name, str(source), "--output", str(output)]) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert last == f"accuracy: 1.0000 ({len(items)}/{len(items)})", name
        graded = [json.loads(line) for line in output.read_text().splitlines()]
        assert len(graded) == len(items) and all(g["correct"] for g in graded)


def test_gpqa_file_and_mixed_outcomes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [
        {"completion": "So the answer is (B).", "reference": "B"},
        {"completion": "The answer is (C).", "reference": "B"},
        {"completion": "I cannot tell.", "reference": "A"},  # unparsable: wrong, never "A"
        {"completion": "The answer is D", "reference": "D"},
    ]
    source = write_jsonl(tmp_path / "gpqa.jsonl", rows)
    assert main(["grade", "gpqa", str(source)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    graded = [json.loads(line) for line in lines[:4]]
    assert [g["correct"] for g in graded] == [True, False, False, True]
    assert graded[2]["unparsable"] and graded[2]["extracted"] is None
    assert lines[-2:] == ["unparsable: 1", "accuracy: 0.5000 (2/4)"]


def test_theoremqa_json_booleans_and_lists(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [
        {"completion": "The answer is True.", "reference": True},
        {"completion": "It is not true. The answer is False.", "reference": True},
        {"completion": "The answer is [1, 2].", "reference": [1, 2]},
        {"completion": "The answer is (b).", "reference": "(b)"},
    ]
    source = write_jsonl(tmp_path / "tqa.jsonl", rows)
    assert main(["grade", "theoremqa", str(source)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line)["correct"] for line in lines[:4]] == [True, False, True, True]
    assert lines[-1] == "accuracy: 0.7500 (3/4)"


def test_unreadable_lines_are_reported_and_counted(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"completion": "The answer is 4.", "reference": "4"}\n{oops\n'
                      '{"completion": "no reference"}\n')
    mammoth = Path(sys.executable).parent / "mammoth"  # the installed console script
    result = subprocess.run([str(mammoth), "grade", "gsm8k", str(source)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    errors = [json.loads(line).get("error") for line in lines[:3]]
    assert errors[0] is None and "unreadable line" in errors[1] and "reference" in errors[2]
    assert lines[-1] == "accuracy: 0.3333 (1/3)"
    assert "unreadable lines: 2" in result.stderr


def test_rendered_gpqa_references_score_100_percent(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.core.test_benchmarks import write_gpqa_csv

    write_gpqa_csv(tmp_path / "gpqa_diamond.csv", rows=20)
    items = load_benchmark("gpqa", tmp_path)
    rows = [{"completion": f"The answer is {stated_reference(i)}.", "reference": i.reference}
            for i in items]
    assert main(["grade", "gpqa", str(write_jsonl(tmp_path / "g.jsonl", rows))]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "accuracy: 1.0000 (20/20)"
