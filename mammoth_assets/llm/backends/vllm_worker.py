"""The child process that owns the `vllm.LLM` engine (see `vllm_backend`). Imports vLLM.

Requests are enqueued into the engine and the engine is stepped here, so each request's answer
is sent to the parent the step it finishes (the parent commits it to the cache while the rest
run). vLLM builds without `LLM.enqueue` answer a chunk at a time instead.
"""

from __future__ import annotations

import time
from typing import Any

# The same library as the local decoder (llguidance), and compact JSON as it emits; vLLM applies
# both engine-wide. `vllm serve` takes the same with --structured-outputs-config (README).
STRUCTURED_OUTPUTS_CONFIG = {"backend": "guidance", "disable_any_whitespace": True}


def structured_kwargs(json_schema: Any, regex: Any) -> dict[str, Any]:
    """SamplingParams keyword for guided decoding, across vLLM versions."""
    if json_schema is None and regex is None:
        return {}
    if json_schema is not None:
        from mammoth_assets.llm.structured import strict_schema

        json_schema = strict_schema(json_schema)  # what the local decoder and vLLM servers get too
    spec = {"json": json_schema} if json_schema is not None else {"regex": regex}
    try:  # vLLM >= 0.11
        from vllm.sampling_params import StructuredOutputsParams

        if json_schema is not None:
            # compact JSON: with free whitespace a weak model can pad until max_tokens (some vLLM
            # versions read this per request, others only engine-wide: worker_main sets both)
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
    """All answers of a chunk at once (vLLM builds without `LLM.enqueue`)."""
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


def stream_chunk(llm, requests: list[dict[str, Any]], send) -> None:
    """Enqueue a chunk and step the engine, sending `("answers", [(position, answer), ...])` for
    the requests each step finished."""
    started = time.perf_counter()
    position_of: dict[str, int] = {}
    chats = [i for i, r in enumerate(requests) if r["messages"] is not None]
    raws = [i for i, r in enumerate(requests) if r["messages"] is None]
    enqueued: list[tuple[str, int]] = []
    if chats:
        ids = llm.enqueue_chat([requests[i]["messages"] for i in chats],
                               sampling_params=[sampling_params(requests[i]) for i in chats], use_tqdm=False)
        enqueued += zip(ids, chats)
    if raws:
        ids = llm.enqueue([requests[i]["prompt"] for i in raws],
                          sampling_params=[sampling_params(requests[i]) for i in raws], use_tqdm=False)
        enqueued += zip(ids, raws)
    for request_id, position in enqueued:
        # enqueue returns the engine's internal id ("<external>-<8 random chars>"); outputs carry
        # the external one
        position_of[request_id] = position_of[request_id.rsplit("-", 1)[0]] = position
    engine = llm.llm_engine
    while engine.has_unfinished_requests():
        finished = [(position_of[o.request_id], answer(o, started)) for o in engine.step()
                    if o.finished and o.request_id in position_of]
        if finished:
            send(("answers", finished))


def worker_main(conn, engine_args: dict[str, Any]) -> None:
    try:
        from vllm import LLM

        try:
            llm = LLM(**engine_args, structured_outputs_config=STRUCTURED_OUTPUTS_CONFIG)
        except (TypeError, ValueError):  # vLLM builds without this config
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
            if hasattr(llm, "enqueue_chat"):
                stream_chunk(llm, payload, conn.send)
            else:
                conn.send(("answers", list(enumerate(run_chunk(llm, payload)))))
            conn.send(("done", None))
        except Exception as error:  # a bad chunk fails its unanswered requests, not the engine
            conn.send(("error", f"{type(error).__name__}: {error}"))
    conn.close()
