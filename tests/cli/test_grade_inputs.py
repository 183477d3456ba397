"""`mammoth grade` on hostile and foreign input: other encodings, non-string and huge fields,
lm-evaluation-harness samples (real files it wrote) and OpenAI Batch output. Every bad line gets a
reason; no traceback ever; exit 2 when nothing was usable."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mammoth_assets.cli import main
from tests.cli.lm_eval_samples import write_samples

MAMMOTH = Path(sys.executable).parent / "mammoth"


def grade(*argv: str) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it."""
    return subprocess.run([str(MAMMOTH), "grade", *argv], capture_output=True, text=True, timeout=120)


def rows(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_latin1_file_gets_a_reason_per_line_and_reads_with_encoding(tmp_path: Path) -> None:
    source = tmp_path / "latin1.jsonl"
    source.write_bytes(
        '{"completion": "Réponse: the answer is 4.", "reference": "4"}\n'
        '{"completion": "The answer is 5.", "reference": "5"}\n'.encode("latin-1"))
    result = grade("gsm8k", str(source))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    graded = rows(result.stdout)
    assert "not valid utf-8: byte 0xe9" in graded[0]["error"] and "pass --encoding latin-1" in graded[0]["error"]
    assert graded[1]["correct"] and result.stdout.strip().endswith("accuracy: 0.5000 (1/2)")

    again = grade("gsm8k", str(source), "--encoding", "latin-1")
    assert again.returncode == 0 and again.stdout.strip().endswith("accuracy: 1.0000 (2/2)")


def test_utf8_bom_and_utf16_files_are_read(tmp_path: Path) -> None:
    text = '{"completion": "The answer is 7.", "reference": "7"}\n'
    (tmp_path / "bom.jsonl").write_bytes(codecs.BOM_UTF8 + text.encode())
    (tmp_path / "wide.jsonl").write_text(text, encoding="utf-16")
    for name in ("bom.jsonl", "wide.jsonl"):
        result = grade("gsm8k", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith("accuracy: 1.0000 (1/1)")


def test_non_string_and_huge_fields_are_per_line_errors(tmp_path: Path) -> None:
    lines = [
        {"completion": 12, "reference": "12"},                       # a bare number is an answer
        {"completion": ["The answer is 3"], "reference": "3"},
        {"completion": None, "reference": "3"},
        {"completion": {"text": "3"}, "reference": "3"},
        {"completion": "The answer is 3", "reference": {"value": 3}},
        {"completion": "The answer is 3", "reference": "3", "id": [1]},
        {"completion": "The answer is 3", "reference": "3", "choices": "ABCD"},
        {"completion": "x" * 300_001, "reference": "3"},
        {"completion": "The answer is 3", "reference": "3", "answer_kind": 5},
        [1, 2, 3],
        "just a string",
    ]
    source = tmp_path / "odd.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n{\"completion\": \n")
    result = grade("gsm8k", str(source))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    graded = rows(result.stdout)
    assert len(graded) == len(lines) + 1
    assert graded[0]["correct"] and "error" not in graded[0]
    errors = [g["error"] for g in graded[1:]]
    for expected, error in zip([
        "completion must be a string, not list", "completion is null", "completion must be a string, not dict",
        "reference must be a string, number, boolean or list, not dict", "'id' must be a string or an integer",
        "'choices' must be a list of strings", "completion is 300,001 characters (limit 200,000",
        "'answer_kind' must be a string, not int", "a line must be a JSON object, not list",
        "a line must be a JSON object, not str", "invalid JSON",
    ], errors):
        assert expected in error, (expected, error)
    assert "unreadable lines: 11" in result.stderr


def test_an_over_long_line_is_skipped_without_reading_it(tmp_path: Path) -> None:
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps({"completion": "y" * 5000, "reference": "1"}) + "\n"
                      + json.dumps({"completion": "The answer is 1", "reference": "1"}) + "\n")
    result = grade("gsm8k", str(source), "--max-line-bytes", "1000")
    graded = rows(result.stdout)
    assert "longer than 1,000 bytes" in graded[0]["error"] and graded[1]["correct"]
    assert result.returncode == 1


@pytest.mark.parametrize("content", [b"", b"\n\n", b"not json\n{}\n", b"\xff\xfe\xfa\n"])
def test_nothing_usable_exits_2(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_bytes(content)
    result = grade("gsm8k", str(source))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no usable line" in result.stderr


def test_missing_file_and_unknown_encoding_are_clear(tmp_path: Path) -> None:
    assert "cannot open" in grade("gsm8k", str(tmp_path / "nope.jsonl")).stderr
    source = tmp_path / "a.jsonl"
    source.write_text('{"completion": "1", "reference": "1"}\n')
    result = grade("gsm8k", str(source), "--encoding", "klingon")
    assert result.returncode == 2 and "unknown encoding: klingon" in result.stderr


# -- lm-evaluation-harness --log_samples ----------------------------------------------------------
@pytest.fixture
def lm_eval_gsm8k(shared_data: Path, tmp_path: Path) -> Path:
    return write_samples("gsm8k", shared_data, tmp_path)


@pytest.fixture
def lm_eval_mmlu_stem(shared_data: Path, tmp_path: Path) -> Path:
    return write_samples("mmlu_stem", shared_data, tmp_path)


def test_lm_eval_generative_samples_are_regraded_beside_lm_evals_verdict(tmp_path: Path, capsys,
                                                                        lm_eval_gsm8k: Path) -> None:
    output = tmp_path / "gsm8k.graded.jsonl"
    code = main(["grade", "gsm8k", str(lm_eval_gsm8k), "--format", "lm-eval",
                 "--output", str(output)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    graded = [json.loads(line) for line in output.read_text().splitlines()]
    assert [g["id"] for g in graded] == ["0", "1", "2"]  # each document once, not once per filter
    assert [g["reference"] for g in graded] == ["18", "3", "70000"]  # from "... #### 18"
    assert not any(g["correct"] for g in graded)  # the tiny model's text answers nothing
    assert "skipped 3 repeated lines" in captured.err
    assert "lm-eval exact_match,strict-match: 0.0000 (our verdict agrees on 3/3 items)" in captured.out
    results = json.loads((tmp_path / "gsm8k.graded.jsonl.results.json").read_text())
    task = results["results"]["gsm8k"]
    assert task["exact_match,mammoth"] == 0.0 and task["exact_match,flexible-extract"] == 0.0
    assert results["n-samples"]["gsm8k"] == {"original": 6, "effective": 3}
    assert results["higher_is_better"]["gsm8k"]["exact_match"] is True


def test_lm_eval_line_with_a_right_answer_is_right_even_where_lm_eval_missed_it(tmp_path: Path, capsys,
                                                                             lm_eval_gsm8k: Path) -> None:
    real = json.loads(lm_eval_gsm8k.read_text().splitlines()[0])
    real["resps"] = [["She sells 9 eggs at $2, so she makes 18 dollars. The answer is 18."]]
    source = tmp_path / "one_line.jsonl"
    source.write_text(json.dumps(real) + "\n")
    assert main(["grade", "gsm8k", str(source), "--format", "lm-eval"]) == 0
    out = capsys.readouterr().out
    assert rows(out)[0]["correct"] and rows(out)[0]["extracted"] == "18"
    assert "lm-eval exact_match,strict-match: 0.0000 (our verdict agrees on 0/1 items)" in out


def test_lm_eval_loglikelihood_multiple_choice_matches_lm_evals_acc(tmp_path: Path, capsys,
                                                                   lm_eval_mmlu_stem: Path) -> None:
    source = lm_eval_mmlu_stem
    lm_eval_acc = [json.loads(line)["acc"] for line in source.read_text().splitlines()]
    output = tmp_path / "mmlu.jsonl"
    assert main(["grade", "mmlu_stem", str(source), "--format", "lm-eval", "--output", str(output)]) == 0
    graded = [json.loads(line) for line in output.read_text().splitlines()]
    assert [float(g["correct"]) for g in graded] == lm_eval_acc == [0.0, 0.0, 1.0]
    assert {g["extraction_method"] for g in graded} == {"loglikelihood"}
    assert "lm-eval acc,none: 0.3333 (our verdict agrees on 3/3 items)" in capsys.readouterr().out
    results = json.loads(output.with_name("mmlu.jsonl.results.json").read_text())["results"]["mmlu_stem"]
    assert results["exact_match,mammoth"] == results["acc,none"] == pytest.approx(1 / 3)
    assert results["exact_match_stderr,mammoth"] == pytest.approx(results["acc_stderr,none"])


def test_plain_jsonl_given_as_lm_eval_says_what_is_missing(tmp_path: Path) -> None:
    source = tmp_path / "plain.jsonl"
    source.write_text('{"completion": "The answer is 1", "reference": "1"}\n')
    result = grade("gsm8k", str(source), "--format", "lm-eval")
    assert result.returncode == 2 and "is this an lm-eval --log_samples file?" in rows(result.stdout)[0]["error"]


# -- OpenAI Batch API output ------------------------------------------------------------------------
def _batch_line(custom_id: str, body: dict | None = None, status: int = 200, error: dict | None = None) -> str:
    response = None if body is None and error else {"status_code": status, "request_id": f"req_{custom_id}",
                                                    "body": body}
    return json.dumps({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": response,
                       "error": error})


def _chat(text: str | None, refusal: str | None = None) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": refusal},
                         "finish_reason": "stop"}]}


def test_openai_batch_output_with_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-0123456789abcdefghijKLMN")
    lines = [
        _batch_line("q1", _chat("6 times 7 is 42. The answer is 42.")),
        _batch_line("q2", {"id": "cmpl-1", "object": "text_completion", "choices": [{"text": " The answer is 10."}]}),
        _batch_line("q3", {"id": "resp_1", "object": "response", "output": [
            {"type": "message", "content": [{"type": "output_text", "text": "The answer is 8."}]}]}),
        _batch_line("q4", {"error": {"message": "Incorrect API key provided: sk-proj-0123456789abcdefghijKLMN"}},
                    status=401),
        _batch_line("q5", error={"code": "batch_expired", "message": "This request could not be executed"}),
        _batch_line("q6", _chat(None, refusal="I can't help with that.")),
        _batch_line("q7", _chat("The answer is 1.")),  # no reference for it
    ]
    source = tmp_path / "batch_output.jsonl"
    source.write_text("\n".join(lines) + "\n")
    refs = tmp_path / "refs.jsonl"
    refs.write_text("".join(json.dumps({"custom_id": f"q{i}", "reference": r}) + "\n"
                            for i, r in [(1, "42"), (2, "11"), (3, 8), (4, "1"), (5, "1"), (6, "1")]))
    result = grade("gsm8k", str(source), "--format", "openai-batch", "--references", str(refs))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    graded = rows(result.stdout)
    assert [g["correct"] for g in graded] == [True, False, True, False, False, False, False]
    errors = [g.get("error", "") for g in graded]
    assert "HTTP 401" in errors[3] and "sk-proj-0123456789" not in result.stdout + result.stderr
    assert "[REDACTED]" in errors[3]
    assert "failed: This request could not be executed" in errors[4] and "refused" in errors[5]
    assert "no reference for custom_id 'q7'" in errors[6]
    assert result.stdout.strip().endswith("accuracy: 0.2857 (2/7)")


def test_openai_batch_needs_a_usable_references_file(tmp_path: Path) -> None:
    source = tmp_path / "batch_output.jsonl"
    source.write_text(_batch_line("q1", _chat("The answer is 1.")) + "\n")
    assert "pass a references file" in grade("gsm8k", str(source), "--format", "openai-batch").stderr
    refs = tmp_path / "refs.jsonl"
    refs.write_text('{"custom_id": "q1"}\n{"reference": "2"}\n')
    result = grade("gsm8k", str(source), "--format", "openai-batch", "--references", str(refs))
    assert result.returncode == 2
    assert "line 1: reference is null" in result.stderr and "line 2: needs a string `custom_id`" in result.stderr
