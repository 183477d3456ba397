"""Constrained decoding (llguidance + the finishing-path budget) on the project's byte-level BPE
tiny model's tokenizer, and the shared structured-output helpers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from mammoth_assets.llm.constrain import ConstraintError, GuidedRow, Vocabulary
from mammoth_assets.llm.structured import check_text, schema_problem, strict_schema

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
    "required": ["question", "answer", "score", "grade", "void", "kind", "tags", "note"],
}
NON_ASCII = ["é", "π", "×", "√", "ж", "中"]


@pytest.fixture(scope="module")
def vocabulary(tiny_model: Path) -> Vocabulary:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    return Vocabulary(tokenizer, [tokenizer.eos_token_id], len(tokenizer))


def compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode(vocabulary: Vocabulary, row: GuidedRow, pick) -> tuple[str, int]:
    """Drive a row the way the logits processor does; returns (text, tokens used)."""
    tokens = []
    while not row.done and row.remaining > 0:
        token = row.choose(torch.zeros(vocabulary.model_vocab_size), pick)
        tokens.append(token)
    body = [t for t in tokens if t not in vocabulary.eos_token_ids]
    return vocabulary.tokenizer.decode_bytes(body).decode("utf-8"), len(tokens)


def random_pick(rng: random.Random):
    def pick(scores):
        allowed = torch.isfinite(scores).nonzero().flatten().tolist()
        return rng.choice(allowed)
    return pick


def test_strict_schema_forbids_extra_properties_without_touching_the_callers_schema():
    strict = strict_schema(QA_SCHEMA)
    assert strict["additionalProperties"] is False and "additionalProperties" not in QA_SCHEMA
    nested = strict_schema({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}})
    assert nested["items"]["additionalProperties"] is False
    free = strict_schema({"type": "object"})
    assert "additionalProperties" not in free  # a free-form object stays free-form
    kept = strict_schema({"type": "object", "properties": {}, "additionalProperties": {"type": "integer"}})
    assert kept["additionalProperties"] == {"type": "integer"}


def test_check_text_validates_with_json_schema_and_regex():
    good = {"question": "q", "answer": "a", "score": 1.5, "grade": 5, "void": False, "kind": "pot",
            "tags": ["ab"], "note": None}
    assert check_text(compact(good), QA_SCHEMA, None) == (good, None)
    parsed, error = check_text(compact({**good, "grade": 6}), QA_SCHEMA, None)
    assert parsed["grade"] == 6 and "output violates schema: $.grade" in error
    assert "$.tags[0]" in schema_problem({**good, "tags": ["toolong"]}, QA_SCHEMA)
    assert "'answer' is a required property" in schema_problem({"question": "q"}, QA_SCHEMA)
    assert "not valid JSON" in check_text('{"question":', QA_SCHEMA, None)[1]
    assert check_text("4.5", None, r"[0-5](\.[05])?") == (None, None)
    assert "does not match" in check_text("4.7", None, r"[0-5](\.[05])?")[1]


def test_unusable_constraints_and_budgets_fail_up_front_with_a_clear_error(vocabulary):
    with pytest.raises(ConstraintError, match="regex"):
        GuidedRow(vocabulary, None, "(unclosed", 10)
    with pytest.raises(ConstraintError, match="JSON schema"):
        GuidedRow(vocabulary, {"$ref": "#/nowhere"}, None, 10)
    with pytest.raises(ConstraintError, match="max_tokens=3 is too small"):
        GuidedRow(vocabulary, {"type": "object", "properties": {"a_long_name": {"type": "string"}},
                               "required": ["a_long_name"]}, None, 3)


@pytest.mark.parametrize("budget", [60, 95, 300])
def test_a_random_walk_under_a_schema_always_ends_parseable_within_budget(vocabulary, budget):
    """A 'model' that picks uniformly among the allowed tokens is the worst case for termination."""
    rng = random.Random(budget)
    for trial in range(12):
        row = GuidedRow(vocabulary, QA_SCHEMA, None, budget)
        text, used = decode(vocabulary, row, random_pick(rng))
        parsed, error = check_text(text, QA_SCHEMA, None)
        assert error is None, (trial, text)
        assert used <= budget and set(parsed) == set(QA_SCHEMA["properties"])


def test_a_random_walk_under_nested_arrays_of_objects_ends_parseable(vocabulary):
    schema = {"type": "object", "required": ["pairs"], "properties": {"pairs": {"type": "array", "items": {
        "type": "object", "required": ["question", "answer"],
        "properties": {"question": {"type": "string"}, "answer": {"type": "string"}}}}}}
    rng = random.Random(7)
    for budget in (12, 30, 64, 200):
        for _ in range(6):
            text, used = decode(vocabulary, GuidedRow(vocabulary, schema, None, budget), random_pick(rng))
            assert check_text(text, schema, None)[1] is None, text
            assert used <= budget


def test_constrained_output_can_hold_non_ascii_text(vocabulary):
    """The byte-level vocabulary spells é π × √ ж 中 as several byte tokens each: reachable."""
    literal = " ".join(NON_ASCII)
    text, _ = decode(vocabulary, GuidedRow(vocabulary, None, literal, 40), random_pick(random.Random(0)))
    assert text == literal
    schema = {"type": "object", "required": ["symbol", "word"], "properties": {
        "symbol": {"enum": NON_ASCII}, "word": {"type": "string", "pattern": "^[éπ×√ж中]{4}$"}}}
    seen = set()
    for seed in range(8):
        text, _ = decode(vocabulary, GuidedRow(vocabulary, schema, None, 60), random_pick(random.Random(seed)))
        parsed, error = check_text(text, schema, None)
        assert error is None, text
        seen.update(parsed["symbol"] + parsed["word"])
    assert len(seen & set(NON_ASCII)) >= 4


def test_eos_is_allowed_only_in_accepting_states(vocabulary):
    row = GuidedRow(vocabulary, None, r"[0-5](\.[05])?\n[^\n]*", 10)
    eos = vocabulary.eos_token_ids[0]
    assert not vocabulary.allowed(row.matcher)[eos]
    for token in vocabulary.tokenizer.tokenize_str("4.5\n"):
        row.matcher.consume_token(token)
    assert vocabulary.allowed(row.matcher)[eos]


def test_the_budget_overrules_a_model_that_never_stops(vocabulary):
    """A model that always prefers the longest string content still ends inside max_tokens."""
    schema = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    quote = vocabulary.tokenizer.tokenize_str('"')[0]

    def never_close(scores):
        ranked = [t for t in torch.argsort(scores, descending=True).tolist() if torch.isfinite(scores[t])]
        not_closing = [t for t in ranked if t != quote and t not in vocabulary.eos_token_ids]
        return not_closing[0] if not_closing else ranked[0]

    row = GuidedRow(vocabulary, schema, None, 25)
    text, used = decode(vocabulary, row, never_close)
    assert used <= 25 and check_text(text, schema, None)[1] is None, text
    assert row.forced > 0
