from __future__ import annotations

import pytest

from mammoth_assets.llm import prompts
from mammoth_assets.llm.prompts import PromptError, from_string, load_prompt
from mammoth_assets.llm.types import SamplingParams

FEW_SHOT = """\
=== system ===
You rate answers.
=== user ===
Q: {{ examples[0].q }}
=== assistant ===
{{ examples[0].score }}
=== user ===
Q: {{ question }}
"""


def test_renders_alternating_few_shot_messages():
    template = from_string("rate", FEW_SHOT)
    messages = template.render(examples=[{"q": "1+1?", "score": "5"}], question="2+2?")
    assert messages == [
        {"role": "system", "content": "You rate answers."},
        {"role": "user", "content": "Q: 1+1?"},
        {"role": "assistant", "content": "5"},
        {"role": "user", "content": "Q: 2+2?"},
    ]


def test_missing_variable_is_an_error_not_an_empty_string():
    with pytest.raises(PromptError, match="question"):
        from_string("rate", FEW_SHOT).render(examples=[{"q": "x", "score": "1"}])


def test_version_follows_content_and_request_carries_it():
    a = from_string("p", "=== user ===\nHello {{ name }}\n")
    b = from_string("p", "=== user ===\nHello there, {{ name }}\n")
    assert a.version == from_string("p", "=== user ===\nHello {{ name }}\n").version
    assert a.version != b.version
    request = a.request("row-1", sampling=SamplingParams(max_tokens=5), regex="(yes|no)", name="Ann")
    assert request.request_id == "row-1"
    assert request.messages == [{"role": "user", "content": "Hello Ann"}]
    assert request.prompt_version == f"p@{a.version}"
    assert request.regex == "(yes|no)" and request.sampling.max_tokens == 5


@pytest.mark.parametrize(
    "source, message",
    [
        ("no header at all", "no '=== system|user|assistant ===' header"),
        ("stray\n=== user ===\nx", "text before its first"),
        ("=== user ===\n{{ broken", "unexpected end"),
    ],
)
def test_malformed_templates_are_refused(source, message):
    with pytest.raises(Exception, match=message):
        from_string("bad", source)


def test_load_prompt_reads_package_files_and_edits_change_the_version(tmp_path, monkeypatch):
    template = load_prompt("echo_example")
    assert template.name == "echo_example"
    assert template.render(question="hi")[-1] == {"role": "user", "content": "hi"}
    monkeypatch.setattr(prompts, "PROMPTS_DIR", tmp_path)
    (tmp_path / "mine.j2").write_text("=== user ===\n{{ x }}\n")
    first = load_prompt("mine").version
    (tmp_path / "mine.j2").write_text("=== user ===\nPlease: {{ x }}\n")
    assert load_prompt("mine").version != first
    with pytest.raises(PromptError, match="no prompt template 'absent'"):
        load_prompt("absent")
    with pytest.raises(PromptError):
        load_prompt("../etc/passwd")
