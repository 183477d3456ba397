import gzip
import json

import polars as pl
import pytest

from mammoth_assets.core.instruction_sets import (
    EXAMPLE_COLUMNS,
    InstructionSetDeclaration,
    InstructionSetError,
    add_declaration,
    all_declarations,
    find_declaration,
    is_coding,
    iter_examples,
    normalise_records,
    read_file_records,
    resolve_source,
)

ALPAGASUS = "instruction/gpt4life__alpagasus"


def test_alpaca_json_from_shared_data(shared_data):
    declaration = find_declaration("alpaca_random_9k")
    rows = list(iter_examples(declaration))
    assert len(rows) == 9229
    assert all(set(r) == set(EXAMPLE_COLUMNS) for r in rows[:5])
    invalid = [r for r in rows if r["status"] != "ok"]
    # The real file has 4 examples with an empty response: recorded, not dropped.
    assert [r["reason"] for r in invalid] == ["empty output"] * 4
    assert invalid[0]["instruction"].startswith("Create a flow chart")
    assert len({r["example_id"] for r in rows}) == 9229
    assert rows[0]["instruction"].startswith("Summarize the lyrics")
    assert rows[1]["input"] == "They spoke of the pending threat with a sense of urgency."
    coding = sum(r["is_coding"] for r in rows)
    assert 100 < coding < 2000  # coding is a minority of Alpaca, but present


def test_dolly_keeps_its_category(shared_data):
    rows = list(iter_examples(find_declaration("dolly_alpagasus_3k"), limit=50))
    assert len(rows) == 50
    assert rows[0]["category"] == "general_qa"
    assert all(r["status"] == "ok" for r in rows)


@pytest.mark.parametrize(
    ("name", "count", "first_words"),
    [
        ("vicuna", 80, "How can I improve my time"),
        ("koala", 180, "Can you list the top 20"),
        ("sinstruct", 252, "The sentence you are given"),
        ("wizardlm", 218, "If a car travels 120 miles"),
    ],
)
def test_alpagasus_test_sets_have_no_required_output(shared_data, name, count, first_words):
    declaration = find_declaration(name)
    assert declaration.kind == "test"
    rows = list(iter_examples(declaration))
    assert len(rows) == count
    assert all(r["status"] == "ok" for r in rows), [r["reason"] for r in rows if r["reason"]][:3]
    assert rows[0]["instruction"].startswith(first_words)


def test_sinstruct_input_comes_from_first_instance(shared_data):
    row = next(iter_examples(find_declaration("sinstruct")))
    assert row["example_id"] == "user_oriented_task_0"
    assert row["input"].startswith("If you have any questions about my rate")
    assert row["category"] == "Grammarly"


def test_chat_format_jsonl_gz_and_parquet(tmp_path):
    records = [
        {"messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
        ]},
        {"conversations": [{"from": "human", "value": "Write Python code to add"},
                           {"from": "gpt", "value": "def add(a, b):\n    return a + b"}]},
        {"messages": [{"role": "assistant", "content": "no user turn"}]},
    ]
    gz = tmp_path / "chat.jsonl.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in records) + "\n{not json\n")
    rows = list(normalise_records("chat", read_file_records(gz), str(gz)))
    assert [r["status"] for r in rows] == ["ok", "ok", "invalid", "invalid"]
    assert rows[0]["instruction"] == "What is 2+2?" and rows[0]["input"] == "Be terse."
    assert rows[0]["output"] == "4"
    assert rows[1]["is_coding"] and not rows[0]["is_coding"]
    assert "unrecognised" in rows[2]["reason"] and "invalid JSON" in rows[3]["reason"]

    parquet = tmp_path / "alpaca.parquet"
    pl.DataFrame({"instruction": ["Name a color.", ""], "input": ["", ""],
                  "output": ["Blue.", "orphan"]}).write_parquet(parquet)
    rows = list(normalise_records("pq", read_file_records(parquet), str(parquet)))
    assert [(r["status"], r["reason"]) for r in rows] == [("ok", None), ("invalid", "empty instruction")]


def test_bad_records_are_recorded_not_dropped(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([
        {"instruction": "A", "input": "", "output": "a", "id": 7},
        "just a string",
        {"instruction": "B", "input": "", "output": ""},
        {"instruction": "C", "input": "", "output": "c", "id": 7},
        {"foo": 1},
    ]))
    rows = list(normalise_records("bad", read_file_records(path), str(path)))
    assert len(rows) == 5
    assert [r["status"] for r in rows] == ["ok", "invalid", "invalid", "invalid", "invalid"]
    assert "not an object" in rows[1]["reason"]
    assert rows[2]["reason"] == "empty output"
    assert rows[3]["reason"] == "duplicate example_id"
    assert len({r["example_id"] for r in rows}) == 5


def test_unreadable_files_raise_clear_errors(tmp_path):
    with pytest.raises(InstructionSetError, match="not found"):
        list(read_file_records(tmp_path / "missing.json"))
    (tmp_path / "x.csv").write_text("a,b")
    with pytest.raises(InstructionSetError, match="unsupported"):
        list(read_file_records(tmp_path / "x.csv"))
    (tmp_path / "obj.json").write_text('{"a": 1}')
    with pytest.raises(InstructionSetError, match="JSON list"):
        list(read_file_records(tmp_path / "obj.json"))


def test_declarations_from_repo_and_user_file(tmp_path):
    repo = all_declarations()
    assert repo["webinstruct"].source == "warehouse:webinstruct"
    assert repo["alpaca_52k"].source == "hf:tatsu-lab/alpaca"
    data = tmp_path / "mine.jsonl"
    data.write_text('{"instruction": "Hi", "input": "", "output": "Hello"}\n')
    add_declaration(InstructionSetDeclaration(name="mine", source=str(data)))
    assert find_declaration("mine").source == str(data)
    assert [r["output"] for r in iter_examples(find_declaration("mine"))] == ["Hello"]
    with pytest.raises(InstructionSetError, match="not declared"):
        find_declaration("nope")
    with pytest.raises(InstructionSetError, match="name"):
        InstructionSetDeclaration(name="bad name!", source="x")


def test_resolve_source_kinds():
    assert resolve_source("hf:databricks/databricks-dolly-15k") == ("hf", "databricks/databricks-dolly-15k")
    assert resolve_source("warehouse:webinstruct") == ("warehouse", "webinstruct")
    kind, location = resolve_source("shared:instruction/x.json")
    assert kind == "file" and location.endswith("instruction/x.json")


@pytest.mark.parametrize(
    ("instruction", "output", "expected"),
    [
        ("Write a Python function to reverse a list.", "", True),
        ("Explain what this SQL query does.", "", True),
        ("Generate HTML for a button", "<button>Hi</button>", True),
        ("Give three tips for staying healthy.", "Eat well.", False),
        ("Describe the function of the heart.", "It pumps blood.", False),
        ("Continue the sentence", "def reverse(x):\n    return x[::-1]", True),
    ],
)
def test_is_coding(instruction, output, expected):
    assert is_coding(instruction, "", output) is expected
