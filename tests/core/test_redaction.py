"""Secrets are redacted from text, URLs and every log record (unit level; Dagster runs in
tests/defs/test_secrets_outside_llm.py)."""

from __future__ import annotations

import logging

import pytest

from mammoth_assets.core.redaction import (
    REDACTED,
    install_log_redaction,
    known_secrets,
    redact,
    redact_url,
    url_has_credentials,
)


@pytest.mark.parametrize("text, secret", [
    ("401: {'Authorization': 'Bearer abc.def-123'}", "abc.def-123"),
    ("authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ('{"api_key": "k-1234567"}', "k-1234567"),
    ("x-api-key: abcdef12", "abcdef12"),
    ("GET https://alice:s3cr3t@mirror.example.org/crawl-data/x", "s3cr3t"),
    ("https://mirror/x.gz?token=abc123&x=1", "abc123"),
    ("Incorrect API key provided: sk-proj-0123456789abcdefghij", "sk-proj-0123456789abcdefghij"),
    ("hf token hf_AbCdEfGhIjKlMnOpQrStUvWx in a log", "hf_AbCdEfGhIjKlMnOpQrStUvWx"),
    ("aws AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),
    ("password=hunter22", "hunter22"),
])
def test_credentials_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text, secrets=[])
    assert secret not in cleaned and REDACTED in cleaned


@pytest.mark.parametrize("text", [
    "basic arithmetic and a Basic understanding", "the bearer of bad news", "max_tokens=512 prompt_tokens: 30",
    "tokenizer: byte-level BPE", "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/wet.paths.gz",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text, secrets=[]) == text


def test_values_of_secret_environment_variables_are_redacted_anywhere(monkeypatch) -> None:
    monkeypatch.setenv("MAMMOTH_LLM_API_KEY", "plain-looking-value-42")
    monkeypatch.setenv("MAMMOTH_LLM_API_KEY_ENV", "OPENAI_API_KEY")  # a variable's name, not a secret
    monkeypatch.setenv("HF_TOKEN", "short")  # too short to redact safely
    assert "plain-looking-value-42" in known_secrets() and "OPENAI_API_KEY" not in known_secrets()
    assert redact("server said: plain-looking-value-42 is wrong") == f"server said: {REDACTED} is wrong"


def test_redact_url() -> None:
    assert redact_url("https://u:p@host:8080/a?X-Amz-Signature=abcdef&x=1") == \
        f"https://{REDACTED}@host:8080/a?X-Amz-Signature={REDACTED}&x=1"
    assert url_has_credentials("https://u:p@host/") and not url_has_credentials("https://host/")


def test_log_records_are_redacted_before_any_handler(caplog, monkeypatch) -> None:
    install_log_redaction()
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "tok-value-9876")
    logger = logging.getLogger("mammoth_assets.test_redaction")
    with caplog.at_level(logging.INFO):
        logger.warning("download %s failed: %s", "https://bob:pw123456@h/x", "Authorization: Bearer tok-value-9876")
        logger.info("nothing secret in %d rows", 3)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == f"download https://{REDACTED}@h/x failed: Authorization: Bearer {REDACTED}"
    assert messages[1] == "nothing secret in 3 rows"
