"""Where the training process reports: a `metrics.jsonl` beside the run, stdout, and Dagster Pipes
when the process was launched by an asset (the `dagster_pipes` client is the protocol's small,
dependency-free external half, not Dagster itself; it is only imported when Pipes is active)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PIPES_ENV = "DAGSTER_PIPES_CONTEXT"


class Reporter:
    def __init__(self, metrics_path: Path, enabled: bool = True):
        self.metrics_path = Path(metrics_path)
        self.enabled = enabled
        self._pipes = None
        if enabled and os.environ.get(PIPES_ENV):
            from dagster_pipes import open_dagster_pipes

            self._pipes_cm = open_dagster_pipes()
            self._pipes = self._pipes_cm.__enter__()

    def info(self, message: str) -> None:
        if not self.enabled:
            return
        print(message, flush=True)
        with open(self.metrics_path.parent / "train.log", "a", encoding="utf-8") as handle:
            handle.write(message + "\n")
        if self._pipes is not None:
            self._pipes.log.info(message)

    def step(self, entry: dict[str, Any]) -> None:
        if not self.enabled:
            return
        with open(self.metrics_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
        print("METRIC " + json.dumps(entry), flush=True)
        if self._pipes is not None:
            self._pipes.report_custom_message({"kind": "step", **entry})

    def close(self) -> None:
        if self._pipes is not None:
            self._pipes_cm.__exit__(None, None, None)
            self._pipes = None
