"""The child process that owns the `vllm.LLM` engine (see `vllm_backend`). Imports vLLM."""

from __future__ import annotations

import time
from typing import Any


def structured_kwargs(json_schema: Any, regex: Any) -> dict[str, Any]:
    """SamplingParams keyword for guided decoding, across vLLM versions."""
    if json_schema is None and regex is None:
        return {}
    spec = {"json": json_schema} if json_schema is not None else {"regex": regex}
    try:  # vLLM >= 0.11
        from vllm.sampling_params import StructuredOutputsParams

        if json_schema is not None:
            # compact JSON: with free whitespace a weak model can pad until max_tokens
            try:
                return {"structured_outputs": StructuredOutputsParams(**spec, disable_any_whitespace=True)}
            except TypeError:
                pass
        return {"structured_outputs": StructuredOutputsParams(**spec)}
    except ImportError:
        from vllm.sampling_params import GuidedDecodingParams

        return {"guided_decoding": GuidedDecodingParams(**spec)}


def sampling_params(request: dict[str, Any]):
    from vllm import SamplingParams

    s = request["sampling"]
    return SamplingParams(
        temperature=s["temperature"],
        top_p=s["top_p"],
        max_tokens=s["max_tokens"],
        stop=list(s["stop"]) or None,
        seed=s["seed"] if s["temperature"] > 0 else None,
        **structured_kwargs(request["json_schema"], request["regex"]),
    )


def answer(output, started: float) -> dict[str, Any]:
    best = output.outputs[0]
    finish = best.finish_reason if best.finish_reason in ("stop", "length") else "stop"
    return {
        "text": best.text,
        "finish_reason": finish,
        "prompt_tokens": len(output.prompt_token_ids or []),
        "completion_tokens": len(best.token_ids),
        "latency_s": time.perf_counter() - started,
        "error": None,
    }


def run_chunk(llm, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    started = time.perf_counter()
    results: list[dict[str, Any] | None] = [None] * len(requests)
    chats = [i for i, r in enumerate(requests) if r["messages"] is not None]
    raws = [i for i, r in enumerate(requests) if r["messages"] is None]
    if chats:
        outputs = llm.chat(
            [requests[i]["messages"] for i in chats],
            sampling_params=[sampling_params(requests[i]) for i in chats],
            use_tqdm=False,
        )
        for i, output in zip(chats, outputs):
            results[i] = answer(output, started)
    if raws:
        outputs = llm.generate(
            [requests[i]["prompt"] for i in raws],
            sampling_params=[sampling_params(requests[i]) for i in raws],
            use_tqdm=False,
        )
        for i, output in zip(raws, outputs):
            results[i] = answer(output, started)
    return results  # type: ignore[return-value]


def worker_main(conn, engine_args: dict[str, Any]) -> None:
    try:
        from vllm import LLM

        llm = LLM(**engine_args)
    except BaseException as error:  # report, then exit
        conn.send(("error", f"{type(error).__name__}: {error}"))
        conn.close()
        return
    conn.send(("ready", None))
    while True:
        try:
            kind, payload = conn.recv()
        except EOFError:
            break
        if kind == "close":
            break
        try:
            conn.send(("result", run_chunk(llm, payload)))
        except Exception as error:  # a bad chunk fails its requests, not the engine
            conn.send(("error", f"{type(error).__name__}: {error}"))
    conn.close()
