"""Reload a saved checkpoint with `AutoModelForCausalLM` and generate: the proof it is usable.

Run as its own process (`python -m mammoth_assets.core.sft.verify MODEL_DIR`) so a 7B reload never
lands in the Dagster step process; prints one JSON line:
    {"ok": bool, "new_tokens": int, "text": str, "error": str | null, "load_s": float}
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_PROMPT = "What is 2 + 3? Explain step by step."


def reload_and_generate(model_dir: str | Path, prompt: str = DEFAULT_PROMPT, max_new_tokens: int = 16) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.monotonic()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForCausalLM.from_pretrained(str(model_dir))
        load_s = time.monotonic() - started
        messages = [{"role": "user", "content": prompt}]
        if tokenizer.chat_template:
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            text = prompt
        inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            output = model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                min_new_tokens=1,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
            )
        new = output[0, inputs["input_ids"].shape[1] :]
        return {
            "ok": len(new) > 0,
            "new_tokens": int(len(new)),
            "text": tokenizer.decode(new, skip_special_tokens=False),
            "error": None if len(new) else "generated no tokens",
            "load_s": round(load_s, 3),
        }
    except Exception as error:  # report any failure as a failed check, not a crash
        return {"ok": False, "new_tokens": 0, "text": "", "error": repr(error)[:500], "load_s": 0.0}


def verify_in_subprocess(model_dir: str | Path, timeout_s: float = 1800) -> dict[str, Any]:
    """Run `reload_and_generate` in a fresh Python process and return its JSON verdict."""
    command = [sys.executable, "-m", "mammoth_assets.core.sft.verify", str(model_dir)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"ok": False, "new_tokens": 0, "text": "", "error": f"timed out after {timeout_s}s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"ok": False, "new_tokens": 0, "text": "", "error": done.stderr[-500:]}
    return json.loads(lines[-1])


if __name__ == "__main__":
    print(json.dumps(reload_and_generate(sys.argv[1])))
