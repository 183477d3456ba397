"""Secrets are redacted from what the LLM layer stores, logs and raises."""

from __future__ import annotations

import pytest

from mammoth_assets.llm.redact import REDACTED, redact
from mammoth_assets.llm.resource import LLMBackendError, raise_redacted


@pytest.mark.parametrize(
    "text",
    [
        'HTTP 401: {"error": {"request_headers": {"authorization": "Bearer abc123secretvalue"}}}',
        "Authorization: Bearer abc123secretvalue",
        "{'Authorization': 'Basic abc123secretvalue'}",
        "https://host/v1?api_key=abc123secretvalue&x=1",
        "x-api-key: abc123secretvalue",
        "key sk-abc123secretvalue in plain text",
    ],
)
def test_credentials_a_server_echoes_are_redacted(text):
    cleaned = redact(text, secrets=())
    assert "abc123secretvalue" not in cleaned and REDACTED in cleaned


def test_known_secret_values_are_redacted_anywhere(monkeypatch):
    monkeypatch.setenv("VLLM_API_KEY", "plainvalue-without-a-prefix")
    assert redact("upstream said: plainvalue-without-a-prefix is wrong") == f"upstream said: {REDACTED} is wrong"
    assert redact("the bearer of bad news; an authorization form") == "the bearer of bad news; an authorization form"
    assert redact(None) is None


def test_an_exception_holding_a_secret_is_replaced_by_a_redacted_one(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-0123456789")
    with pytest.raises(LLMBackendError) as raised:
        raise_redacted(RuntimeError("connect failed for https://u:tok-0123456789@host"))
    assert "tok-0123456789" not in str(raised.value) and raised.value.__suppress_context__
    raise_redacted(RuntimeError("nothing secret here"))  # returns: the caller re-raises the original
