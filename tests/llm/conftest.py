"""Fixtures for the LLM layer tests: a resource on the tiny model and a real HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.llm import LLMResource


@pytest.fixture
def llm(tiny_model: Path) -> LLMResource:
    # One torch thread: the tiny model is latency-bound and CI's two cores are shared.
    return LLMResource(model=str(tiny_model), cpu_threads=1, batch_size=8)


@pytest.fixture(scope="session")
def llm_server(tiny_model: Path):
    """An OpenAI-compatible server over the tiny model on 127.0.0.1 (a real uvicorn server)."""
    from mammoth_assets.llm.server import ServerThread, build_app

    server = ServerThread(build_app(model=str(tiny_model), served_model_name="tiny", batch_size=8, cpu_threads=1))
    server.start()
    yield server
    server.stop()
