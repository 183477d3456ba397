"""Secrets never reach what is stored or shown: Dagster metadata and failure messages, logs, CLI
output, warehouse rows.

Two nets, as in the LLM layer's `llm/redact.py` (same `redact(text)` contract; one can delegate to
the other): the exact values of secrets this process holds (environment variables whose name says
key, token, secret or password), and patterns for credentials that arrive from elsewhere
(`Authorization: Bearer ...`, `api_key=...`, `https://user:password@host`, `?token=...`, provider
key shapes such as `sk-...`, `hf_...`, `ghp_...`, `AKIA...`).

`install_log_redaction()` applies `redact` to every log record this process creates (Python
logging and Dagster's `context.log`, which is a Python logger), so a message with a URL or an
error body is redacted before any handler, file or event log sees it.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

REDACTED = "[REDACTED]"
_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
_NOT_SECRET_NAME = re.compile(r"(_ENV|_FILE|_PATH|_URL|_DIR|TOKENIZERS?_)", re.IGNORECASE)  # names of things, not values
_MIN_SECRET_LEN = 6  # shorter values ("EMPTY", "1", "true") would blank out ordinary words
# Each pattern keeps group 1 and replaces the rest of the match.
_PATTERNS = [
    # user:password@ in URLs (any scheme)
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # an Authorization header's value, whatever its length: "Authorization: Bearer xyz"
    re.compile(r"""(?i)(\bauthorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token)\s+)?)"""
               r"""(?!\[REDACTED\])(?!(?:bearer|basic|token)\s)[^"'\s,;}]+"""),
    # a bearer token or Basic credentials elsewhere (long enough not to be an English word)
    re.compile(r"(?i)(\bbearer\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=\-]{16,}"),
    re.compile(r"(\bBasic\s+)(?=[A-Za-z0-9+/]+[0-9+/=A-Z])[A-Za-z0-9+/]{12,}={0,2}"),
    # "api_key": "xyz", api-key=xyz, x-api-key: xyz, password=xyz, ?token=xyz, X-Amz-Signature=...
    re.compile(
        r"""(?i)(\b(?:x-)?(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|token|secret|"""
        r"""client[_-]?secret|secret[_-]?key|password|passwd|x-amz-signature|x-amz-credential)["']?\s*[:=]\s*["']?)"""
        r"""(?!\[REDACTED\])[^"'\s,;}&)]{4,}"""
    ),
    # provider key shapes anywhere: OpenAI/Anthropic sk-, Hugging Face hf_, GitHub, Slack, AWS, JWTs
    re.compile(r"()\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}|hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}"
               r"|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}"
               r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"),
]


def known_secrets(environ: Mapping[str, str] | None = None) -> set[str]:
    """Values of the environment variables whose names mark them as secrets."""
    environ = os.environ if environ is None else environ
    return {
        value for name, value in environ.items()
        if _SECRET_NAME.search(name) and not _NOT_SECRET_NAME.search(name) and len(value) >= _MIN_SECRET_LEN
    }


def redact(text: str | None, secrets: Iterable[str] | None = None) -> str | None:
    """`text` with known secret values and credential-looking substrings replaced by [REDACTED]."""
    if not text:
        return text
    values = known_secrets() if secrets is None else set(secrets)
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= _MIN_SECRET_LEN:
            text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_url(url: str) -> str:
    """A URL fit to store and show: no user:password, secret-looking query values redacted."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url) or ""
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    return redact(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))) or ""


def url_has_credentials(url: str) -> bool:
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False


def redact_value(value: Any) -> Any:
    """Strings redacted, containers walked; for metadata dicts before they are stored."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item) for item in value)
    return value


_installed = False


def install_log_redaction() -> None:
    """Redact every log record created from now on in this process (idempotent). The message is
    formatted once, redacted, and stored back with no arguments; records without secrets are left
    exactly as they were."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed call is logging's to report, not ours
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
