"""Where Dagster's event log goes besides the UI: one plain-text file under the data dir.

dagster.yaml (`python_logs.dagster_handler_config`) attaches `DataDirLogHandler` to every run of
the instance, so a run launched from the UI and a `make demo` run both append their events to
`<data dir>/logs/dagster.log`, while the UI keeps showing each run's events.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mammoth_assets import paths


def dagster_log_path() -> Path:
    return paths.data_dir() / "logs" / "dagster.log"


class DataDirLogHandler(logging.FileHandler):
    def __init__(self, filename: str = "") -> None:
        path = Path(filename) if filename else dagster_log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path, encoding="utf-8", delay=True)
