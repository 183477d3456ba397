"""Instruction-set files nobody cleaned: other encodings, non-string and huge fields, over-long
lines, corrupt archives. Every record becomes a row (invalid ones with a reason) or the file fails
with one clear error; never a traceback. The CLI exits non-zero when nothing is usable."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.core.instruction_sets import InstructionSetDeclaration, InstructionSetError

MAMMOTH = Path(sys.executable).parent / "mammoth"


def examples(path: Path, **declaration) -> list[dict]:
    return list(sets.iter_examples(InstructionSetDeclaration(name="probe", source=str(path), **declaration)))


def test_latin1_jsonl_lines_are_invalid_with_a_reason_then_read_with_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"instruction": "Traduire: café", "output": "coffee"}\n'
                     '{"instruction": "Say hi", "output": "hi"}\n'.encode("latin-1"))
    rows = examples(path)
    assert [r["status"] for r in rows] == ["invalid", "ok"]
    assert "line 1: line is not valid utf-8: byte 0xe9" in rows[0]["reason"]
    assert "encoding: latin-1" in rows[0]["reason"]
    rows = examples(path, encoding="latin-1")
    assert [r["status"] for r in rows] == ["ok", "ok"] and rows[0]["instruction"] == "Traduire: café"


def test_latin1_json_fails_clearly_then_reads_with_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps([{"instruction": "Traduire: café", "output": "coffee"}],
                                ensure_ascii=False).encode("latin-1"))
    with pytest.raises(InstructionSetError, match="not valid utf-8 .*byte 0xe9.*encoding: latin-1"):
        examples(path)
    assert examples(path, encoding="latin-1")[0]["instruction"] == "Traduire: café"


def test_utf16_and_bom_files_are_read(tmp_path: Path) -> None:
    record = {"instruction": "Name a colour", "output": "Blau"}
    (tmp_path / "wide.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-16")
    (tmp_path / "bom.json").write_text(json.dumps([record]), encoding="utf-8-sig")
    assert examples(tmp_path / "wide.jsonl")[0]["status"] == "ok"
    assert examples(tmp_path / "bom.json")[0]["output"] == "Blau"


def test_non_string_and_huge_fields_are_invalid_rows(tmp_path: Path) -> None:
    records = [
        {"instruction": "What is 6*7?", "output": 42},                        # a number is fine
        {"instruction": True, "output": "x"},
        {"instruction": {"text": "hi"}, "output": "x"},
        {"instruction": ["a", "b"], "output": "x"},
        {"instruction": "Say hi", "output": "h" * (sets.MAX_FIELD_CHARS + 1)},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi there"}]},
                      {"role": "assistant", "content": "Hello"}]},              # content parts
        {"messages": [{"role": "user", "content": {"oops": 1}}, {"role": "assistant", "content": "x"}]},
        {"instruction": "Q", "output": "A", "id": {"nested": [1, 2]}},
        {"instruction": "Q", "instances": "not a list"},
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    rows = examples(path)
    assert [r["status"] for r in rows] == ["ok", "invalid", "invalid", "invalid", "invalid", "ok", "invalid", "ok",
                                           "invalid"]
    assert rows[0]["output"] == "42"
    assert rows[1]["reason"] == "instruction is a boolean, not text"
    assert rows[2]["reason"] == "instruction is a dict, not text"
    assert rows[3]["reason"] == "instruction is a list, not text"
    assert rows[4]["reason"] == f"output is {sets.MAX_FIELD_CHARS + 1:,} characters (limit {sets.MAX_FIELD_CHARS:,})"
    assert rows[5]["instruction"] == "Hi there"
    assert rows[6]["reason"] == "user content is a dict, not text"
    assert rows[8]["reason"] == "empty output"  # Self-Instruct shape with unusable instances
    assert len({r["example_id"] for r in rows}) == len(rows)


def test_an_over_long_line_is_invalid_and_the_next_lines_are_read(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sets, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"instruction": "x" * 5000, "output": "y"}) + "\n"
                    + json.dumps({"instruction": "short", "output": "ok"}) + "\n")
    rows = examples(path)
    assert rows[0]["reason"] == "line 1: line is longer than 1,000 bytes" and rows[1]["status"] == "ok"


@pytest.mark.parametrize("name, content", [
    ("cut.jsonl.gz", gzip.compress(b'{"instruction": "a", "output": "b"}\n' * 50)[:60]),
    ("notgzip.json.gz", b"plain text"),
    ("broken.parquet", b"PAR1 not really parquet"),
    ("deep.json", b"[" * 100_000),
])
def test_corrupt_files_fail_with_one_clear_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InstructionSetError, match=str(path)):
        examples(path)


def test_cli_refuses_a_file_with_nothing_usable_and_never_shows_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "nothing.jsonl"
    bad.write_bytes(b'{"instruction": true, "output": "x"}\n\xe9\xe9\n[1]\n')
    result = subprocess.run([str(MAMMOTH), "add-instruction-set", "nothing", str(bad), "--no-partition"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "none of the first 3 records" in result.stdout and "instruction is a boolean" in result.stdout
    assert not sets.user_declarations_path().exists()

    good = tmp_path / "cafe.jsonl"
    good.write_bytes('{"instruction": "café?", "output": "oui"}\n'.encode("latin-1"))
    result = subprocess.run([str(MAMMOTH), "add-instruction-set", "cafe", str(good), "--encoding", "latin-1",
                             "--no-partition"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sets.find_declaration("cafe").encoding == "latin-1"
    assert examples(good, encoding="latin-1")[0]["instruction"] == "café?"


def test_list_instruction_sets_reports_bad_declarations(tmp_path: Path) -> None:
    sets.user_declarations_path().write_text("instruction_sets:\n  ok_set: /x.jsonl\n  ../bad: /y.jsonl\n")
    result = subprocess.run([str(MAMMOTH), "list-instruction-sets"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ok_set" in result.stdout and "invalid:" in result.stdout and "'../bad'" in result.stdout
