from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from mammoth_assets.llm.constrain import (
    CharDFA,
    Constraint,
    ConstraintError,
    TokenIndex,
    check_text,
    schema_to_regex,
    token_strings,
    validate_json,
)

QA_SCHEMA = {
    "type": "object",
    "properties": {
        "question": {"type": "string", "maxLength": 40},
        "answer": {"type": "string"},
        "score": {"type": "number"},
        "grade": {"type": "integer", "minimum": 0, "maximum": 5},
        "void": {"type": "boolean"},
        "kind": {"enum": ["cot", "pot"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "maxItems": 2},
        "note": {"type": ["string", "null"]},
    },
    "required": ["question", "answer"],
}


@pytest.fixture(scope="module")
def index(tiny_model: Path) -> TokenIndex:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    return TokenIndex(tokenizer, [tokenizer.eos_token_id])


def compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_schema_regex_accepts_valid_documents_and_rejects_invalid():
    pattern = re.compile(schema_to_regex(QA_SCHEMA))
    good = {
        "question": 'Why is "x" \\ 2?', "answer": "Because\n2", "score": -1.5e3, "grade": 5,
        "void": False, "kind": "pot", "tags": ["a", "bcd"], "note": None,
    }
    assert pattern.fullmatch(compact(good))
    for bad in [
        {**good, "grade": 6},
        {**good, "kind": "sql"},
        {**good, "tags": ["a", "b", "c"]},
        {**good, "question": "q" * 41},
        {**good, "void": "no"},
    ]:
        assert not pattern.fullmatch(compact(bad)), bad


def test_unsupported_schemas_are_refused_clearly():
    with pytest.raises(ConstraintError, match=r"\$ref"):
        schema_to_regex({"$ref": "#/defs/x"})
    with pytest.raises(ConstraintError, match="without declared properties"):
        schema_to_regex({"type": "object"})


def test_validate_json_and_check_text():
    assert validate_json({"question": "q", "answer": "a"}, QA_SCHEMA) is None
    assert "missing required property 'answer'" in validate_json({"question": "q"}, QA_SCHEMA)
    assert "expected integer" in validate_json({"question": "q", "answer": "a", "grade": 1.5}, QA_SCHEMA)
    parsed, error = check_text('{"question":"q","answer":"a"}', QA_SCHEMA, None)
    assert parsed == {"question": "q", "answer": "a"} and error is None
    assert "not valid JSON" in check_text('{"question":', QA_SCHEMA, None)[1]
    assert check_text("4.5", None, r"[0-5](\.[05])?") == (None, None)
    assert "does not match" in check_text("4.7", None, r"[0-5](\.[05])?")[1]


def test_dfa_distance_counts_characters_to_acceptance():
    dfa = CharDFA(r"(yes|no)")
    dfa.compute_distance({dfa.alphabet[c] for c in "yesno"})
    assert dfa.distance[dfa.initial] == 2
    state = dfa.step(dfa.step(dfa.initial, "y"), "e")
    assert dfa.distance[state] == 1
    assert dfa.step(dfa.initial, "x") is None
    with pytest.raises(ConstraintError, match="cannot compile"):
        CharDFA("(unclosed")


def test_token_strings_spell_byte_level_tokens(tiny_model: Path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    strings = token_strings(tokenizer)
    ids = tokenizer(" The answer is 42", add_special_tokens=False)["input_ids"]
    assert "".join(strings[i] for i in ids) == " The answer is 42"
    assert tokenizer.eos_token_id not in strings


@pytest.mark.parametrize("budget", [95, 130, 300])
def test_random_walk_under_a_schema_always_ends_parseable_within_budget(index, budget):
    """A 'model' that picks uniformly among allowed tokens is the worst case for termination."""
    rng = random.Random(budget)
    schema = {k: v for k, v in QA_SCHEMA.items()}
    for trial in range(15):
        constraint = Constraint.for_request(index, schema, None)
        assert constraint.min_tokens() <= budget
        text = ""
        for step in range(budget):
            allowed = constraint.allowed_ids(budget - step)
            token = int(rng.choice(list(allowed)))
            constraint.advance(token)
            if constraint.done:
                break
            text += index.strings[token]
        parsed, error = check_text(text, schema, None)
        assert error is None, (trial, text)
        assert set(parsed) == set(schema["properties"])


def test_regex_constraint_allows_eos_only_in_accepting_states(index):
    constraint = Constraint.for_request(index, None, r"[0-5](\.[05])?\n.*")
    eos = index.eos_token_ids[0]
    assert eos not in set(constraint.allowed_ids(10).tolist())
    for ch in "4.5\n":
        constraint.advance(next(i for i, s in index.strings.items() if s == ch))
    assert eos in set(constraint.allowed_ids(10).tolist())
