from __future__ import annotations

import logging

from mammoth_assets.llm.resource import Progress, _duration
from mammoth_assets.llm.types import LLMResponse


def test_progress_logs_rate_failures_and_eta(caplog):
    log = logging.getLogger("progress-test")
    progress = Progress(total=4, stage="quality_scores", log=log, interval_s=0.0)
    with caplog.at_level(logging.INFO, logger="progress-test"):
        progress.advance(LLMResponse("a", "k", "ok"))
        progress.advance(LLMResponse("b", "k", None, error="HTTP 500"))
        progress.done()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("llm[quality_scores] 1/4 (25%)") and "ETA" in lines[0]
    assert "1 failed" in lines[1] and "2/4 (50%)" in lines[1]
    assert lines[-1].startswith("llm[quality_scores] 2/4 answered")


def test_duration_formatting():
    assert _duration(75) == "1m15s"
    assert _duration(3 * 3600 + 61) == "3h01m01s"
    assert _duration(float("inf")) == "?"
