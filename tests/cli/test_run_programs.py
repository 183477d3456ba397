"""`mammoth run-programs`: JSONL in, one result line per input, accuracy as the last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mammoth_assets.cli import main

LINES = [
    {"id": "right", "program": "print(3 * 4)", "reference": "12"},
    {"id": "wrong", "program": "print(13)", "reference": "12"},
    {"id": "variable", "program": "ans = 0.5", "reference": "\\frac{1}{2}"},
    {"id": "crash", "program": "1 / 0", "reference": "1"},
    {"id": "no-reference", "program": "print('hello')"},
    {"id": "loop", "program": "while True:\n    pass", "reference": "0"},
]


def _write(path: Path, lines: list, extra: list[str] = ()) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + "".join(e + "\n" for e in extra))
    return path


def test_results_and_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = _write(tmp_path / "programs.jsonl", LINES)
    output = tmp_path / "results.jsonl"
    assert main(["run-programs", str(source), "--timeout", "1.5", "--workers", "2", "--output", str(output)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == "accuracy: 0.4000 (2/5)"
    results = {r["id"]: r for r in map(json.loads, output.read_text().splitlines())}
    assert list(results) == [line["id"] for line in LINES]  # input order
    assert results["right"]["status"] == "ok"
    assert results["right"]["answer"] == "12" and results["right"]["correct"] is True
    assert results["wrong"]["correct"] is False
    assert results["variable"]["answer"] == "0.5" and results["variable"]["correct"] is True
    assert results["crash"]["status"] == "error" and results["crash"]["correct"] is False
    assert "correct" not in results["no-reference"] and results["no-reference"]["answer"] == "hello"
    assert results["loop"]["status"] == "timeout" and results["loop"]["correct"] is False


def test_bad_lines_are_reported_not_dropped(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = _write(
        tmp_path / "programs.jsonl",
        [{"id": "ok", "program": "print(1)", "reference": "1"}, {"id": "empty", "program": "", "reference": "1"}],
        extra=["{not json", "[1, 2]", json.dumps({"program": "print(1)", "kind": "vibes"})],
    )
    assert main(["run-programs", str(source), "--timeout", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    results = [json.loads(line) for line in out[:-2]]
    assert [r["status"] for r in results] == ["ok", "invalid", "invalid", "invalid", "invalid"]
    assert "empty 'program'" in results[1]["reason"] and results[1]["correct"] is False
    assert results[2]["reason"].startswith("not JSON") and results[2]["line"] == 3
    assert "JSON object" in results[3]["reason"] and "unknown kind" in results[4]["reason"]
    assert out[-1] == "accuracy: 0.5000 (1/2)"


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run-programs", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_no_references_means_no_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = _write(tmp_path / "programs.jsonl", [{"program": "print(1)"}])
    assert main(["run-programs", str(source)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "accuracy: n/a (0/0)"


def test_installed_command(tmp_path: Path) -> None:
    source = _write(tmp_path / "programs.jsonl", LINES[:2])
    mammoth = Path(sys.executable).parent / "mammoth"
    command = [str(mammoth)] if mammoth.exists() else [sys.executable, "-m", "mammoth_assets.cli"]
    completed = subprocess.run([*command, "run-programs", str(source), "--timeout", "3"], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "accuracy: 0.5000 (1/2)"
