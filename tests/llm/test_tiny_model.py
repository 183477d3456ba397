from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from mammoth_assets.cli import main
from mammoth_assets.llm.tiny_model import EOS_TOKEN, PAD_TOKEN, build_tiny_model, ensure_tiny_model


def _digest(path: Path) -> str:
    return hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()


def test_tiny_model_is_a_loadable_chat_model(tiny_model: Path):
    config = AutoConfig.from_pretrained(tiny_model)
    assert config.model_type == "llama"
    assert config.num_hidden_layers == 2
    assert config.hidden_size // config.num_attention_heads == 64 == config.head_dim
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert tokenizer.eos_token == EOS_TOKEN and tokenizer.pad_token == PAD_TOKEN
    assert tokenizer.eos_token_id != tokenizer.pad_token_id
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2 + 2?"}], tokenize=False, add_generation_prompt=True
    )
    assert text == "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n"
    # byte-level: any text round-trips, including characters never seen in training
    sample = "Résumé: ∫ x² dx = x³/3 ✓"
    assert tokenizer.decode(tokenizer(sample)["input_ids"]) == sample
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert model.config.vocab_size == len(tokenizer)


def test_same_seed_same_weights_other_seed_other_weights(tmp_path: Path, tiny_model: Path):
    again = build_tiny_model(tmp_path / "again", seed=0)
    other = build_tiny_model(tmp_path / "other", seed=1)
    assert _digest(again) == _digest(tiny_model)
    assert _digest(other) != _digest(tiny_model)
    assert (again / "tokenizer.json").read_text() == (tiny_model / "tokenizer.json").read_text()


def test_qwen2_architecture(tmp_path: Path):
    path = build_tiny_model(tmp_path / "qwen", arch="qwen2")
    assert AutoConfig.from_pretrained(path).model_type == "qwen2"
    with pytest.raises(ValueError, match="unknown tiny-model architecture"):
        build_tiny_model(tmp_path / "bad", arch="gpt9")


def test_ensure_builds_once_under_the_data_dir(isolated_data_dir: Path):
    path = ensure_tiny_model()
    assert path == isolated_data_dir / "models" / "tiny-chat"
    stamp = (path / "model.safetensors").stat().st_mtime_ns
    assert ensure_tiny_model() == path
    assert (path / "model.safetensors").stat().st_mtime_ns == stamp


def test_cli_builds_the_model(tmp_path: Path, capsys):
    assert main(["build-tiny-model", "--dest", str(tmp_path / "cli")]) == 0
    assert Path(capsys.readouterr().out.strip()) == tmp_path / "cli"
    assert (tmp_path / "cli" / "config.json").exists()


def test_brief_training_changes_the_weights_deterministically(tmp_path: Path, tiny_model: Path):
    trained = build_tiny_model(tmp_path / "trained", train_steps=2)
    again = build_tiny_model(tmp_path / "trained-again", train_steps=2)
    assert _digest(trained) == _digest(again) != _digest(tiny_model)


def test_concurrent_ensure_calls_leave_one_complete_model(isolated_data_dir: Path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        paths = list(pool.map(lambda _: ensure_tiny_model(), range(2)))
    assert paths[0] == paths[1] and (paths[0] / "model.safetensors").exists()
    assert [p.name for p in (isolated_data_dir / "models").iterdir()] == ["tiny-chat"]
