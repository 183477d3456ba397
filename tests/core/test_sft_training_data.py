"""Training-set adapters, weighted mixing, hashing and reject accounting."""

from __future__ import annotations

import json

import pytest

from mammoth_assets.core.sft.training_data import (
    Example,
    FormatError,
    Rejected,
    TrainingSetWriter,
    adapt_rows,
    detect_format,
    read_examples,
    read_file_rows,
    repetitions,
    row_messages,
)


def test_shapes_become_chat_messages():
    qa = row_messages({"question": "Q?", "answer": "A."}, "auto")
    alpaca = row_messages({"instruction": "Do X", "input": "on Y", "output": "Done"}, "auto")
    chat = row_messages({"messages": json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])}, "auto")

    assert qa == [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}]
    assert alpaca[0]["content"] == "Do X\n\non Y" and alpaca[1]["content"] == "Done"
    assert chat[1] == {"role": "assistant", "content": "hello"}
    assert detect_format(["prompt", "response", "id"]) == "prompt_response"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"question": " ", "answer": "A"}, "empty_prompt"),
        ({"question": "Q", "answer": None}, "empty_response"),
        ({"messages": "not json"}, "malformed_messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "malformed_messages"),
    ],
)
def test_bad_rows_raise_with_their_reason(row, reason):
    with pytest.raises(FormatError, match=reason):
        row_messages(row, "auto")


def test_weights_repeat_or_subsample_deterministically():
    rows = [{"id": str(i), "question": f"q{i}", "answer": "a"} for i in range(1000)]

    doubled = list(adapt_rows(rows, "s", "qa", 2.0, seed=1))
    half = [x for x in adapt_rows(rows, "s", "qa", 0.5, seed=1) if isinstance(x, Example)]
    half_again = [x.id for x in adapt_rows(rows, "s", "qa", 0.5, seed=1) if isinstance(x, Example)]
    other_seed = [x.id for x in adapt_rows(rows, "s", "qa", 0.5, seed=2) if isinstance(x, Example)]

    assert len(doubled) == 2000 and doubled[1].id == "s:0#1"
    assert 430 < len(half) < 570 and [x.id for x in half] == half_again and half_again != other_seed
    skipped = [x for x in adapt_rows(rows, "s", "qa", 0.5, seed=1) if isinstance(x, Rejected)]
    assert len(half) + len(skipped) == 1000 and {x.reason for x in skipped} == {"not_sampled_by_weight"}
    assert repetitions(1.0, 0, "s", "x") == 1


def test_writer_hash_ids_and_rejects(tmp_path):
    rows = [{"id": "a", "question": "Q1", "answer": "A1"}, {"id": "b", "question": "", "answer": "A2"}]

    def write(directory, data):
        writer = TrainingSetWriter(directory)
        for item in adapt_rows(data, "src", "qa", 1.0, seed=0):
            writer.add(item)
        return writer, writer.close()

    writer, digest = write(tmp_path / "one", rows)
    _, same = write(tmp_path / "two", rows)
    _, changed = write(tmp_path / "three", [dict(rows[0], answer="A1!"), rows[1]])

    assert digest == same != changed
    assert writer.kept == 1 and writer.rejected_by_reason == {"empty_prompt": 1}
    assert (tmp_path / "one" / "ids.txt").read_text() == "src:a\n"
    assert [e.messages[1]["content"] for e in read_examples(writer.data_path)] == ["A1"]
    assert json.loads((tmp_path / "one" / "rejects.jsonl").read_text())["id"] == "src:b"


def test_reads_the_shared_alpaca_file(shared_data):
    path = shared_data / "instruction/gpt4life__alpagasus/data/filtered/dolly_3k.json"
    if not path.exists():
        pytest.skip(f"{path} missing")

    items = list(adapt_rows(read_file_rows(path), "dolly", "alpaca", 1.0, seed=0))

    examples = [x for x in items if isinstance(x, Example)]
    assert len(items) == 2996 and len(examples) > 2900
    assert all(m["content"] for x in examples for m in x.messages)


def test_every_source_row_is_accounted_once_even_with_duplicate_ids():
    rows = [  # hybrid rationales: a CoT and a PoT row share their example_id
        {"example_id": "e1", "rationale_type": "cot", "program_id": "", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
        {"example_id": "e1", "rationale_type": "pot", "program_id": "p1", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "print(1)"}]},
        {"example_id": "e2", "rationale_type": "cot", "program_id": "", "messages": []},
    ]

    items = list(adapt_rows(rows, "hybrid", "auto", 1.5, seed=0, id_columns=["example_id", "rationale_type", "program_id"]))

    firsts = [x for x in items if getattr(x, "repeat", 0) == 0]
    assert len(firsts) == 3  # one per source row: two examples and one reject
    assert {x.id for x in firsts} == {"hybrid:e1:cot:", "hybrid:e1:pot:p1", "hybrid:e2:cot:"}
    assert [x.reason for x in items if isinstance(x, Rejected)] == ["malformed_messages"]


def test_file_sources_resolve_filter_and_limit(tmp_path, monkeypatch):
    from mammoth_assets.core.sft.recipe import TrainingSetSpec
    from mammoth_assets.core.sft.run import source_rows

    monkeypatch.setenv("MAMMOTH_SHARED_DATA", str(tmp_path))
    rows = [{"instruction": f"i{n}", "output": "o", "category": "qa" if n % 2 else "other"} for n in range(10)]
    (tmp_path / "set.json").write_text(json.dumps(rows))
    spec = TrainingSetSpec(name="s", path="shared:set.json", filter={"category": "qa"}, limit=3)

    assert [r["instruction"] for r in source_rows(spec, None)] == ["i1", "i3", "i5"]
