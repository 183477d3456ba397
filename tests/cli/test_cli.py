"""The `mammoth` command as a user meets it: help on every flag, --version, and clear errors with
a non-zero exit instead of tracebacks or silent success."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mammoth_assets import __version__
from mammoth_assets.cli import build_parser, main

# A command whose module other work is rewriting (sandboxed program runs); its arguments get their
# help there. Remove the name once its module documents every argument.
ELSEWHERE = {"run-programs"}


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_flag_has_help() -> None:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert all(choice.help for choice in action._choices_actions)
    missing = [
        f"{name} {argument.option_strings or argument.dest}"
        for name, sub in _subcommands().items() if name not in ELSEWHERE
        for argument in sub._actions
        if not isinstance(argument, argparse._HelpAction) and not argument.help
    ]
    assert missing == []


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mammoth {__version__}"


def test_training_an_unknown_recipe_names_the_recipes_instead_of_a_traceback(
    capsys: pytest.CaptureFixture,
) -> None:
    assert main(["train", "nosuchrecipe"]) == 2
    out = capsys.readouterr().out
    assert "no recipe file" in out and "sample-tiny" in out and "Traceback" not in out


def test_llm_cache_of_an_unknown_stage_fails_and_lists_the_known_ones(
    tiny_model: Path, capsys: pytest.CaptureFixture
) -> None:
    from mammoth_assets.llm import LLMResource
    from mammoth_assets.llm.types import LLMRequest, SamplingParams

    llm = LLMResource(model=str(tiny_model))
    request = LLMRequest("q1", prompt="2 + 2 =", sampling=SamplingParams(max_tokens=2))
    assert llm.generate([request], stage="arithmetic")[0].ok
    assert main(["llm-cache", "--stage", "arithmetic"]) == 0
    capsys.readouterr()
    assert main(["llm-cache", "--stage", "no_such_stage"]) == 1
    assert "no calls recorded for stage 'no_such_stage'; stages in the cache: arithmetic" in capsys.readouterr().out


def test_demo_rejects_an_unknown_stage(capsys: pytest.CaptureFixture, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert main(["demo", "--stage", "no such stage"]) == 2
    assert "unknown stage(s) ['no such stage']" in capsys.readouterr().out
