"""The one shape every benchmark item takes (`BenchmarkItem`), and helpers the parsers share."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

class BenchmarkError(ValueError):
    """A benchmark name, file or row that cannot be loaded (the message says which and why)."""


@dataclass(frozen=True)
class BenchmarkItem:
    benchmark: str
    item_id: str
    question: str  # the question stem, without the options
    choices: list[str] | None  # option texts in display order (letters A, B, ... by position)
    reference: str  # the gold answer as text: a number, LaTeX, a letter, True/False, a list
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answer_kind(self) -> str:
        return self.extra.get("answer_kind", "auto")

    def __hash__(self) -> int:  # dataclass(frozen) cannot hash the list/dict fields
        return hash((self.benchmark, self.item_id))


def read_json_or_jsonl(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        return json.loads(text)
    rows = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise BenchmarkError(f"{path}:{line_no}: not valid JSON ({error})") from error
    return rows


def number_text(value: Any) -> str:
    """A numeric reference as plain text: 51.0 -> "51", "1,234" -> "1234", 0.25 -> "0.25"."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and "e" not in text.lower() else text


def split_inline_choices(
    text: str, marker: str, labels: str = LETTERS
) -> tuple[str, list[str]] | None:
    """Split "stem <marker> (A) x (B) y" into ("stem", ["x", "y"]); None when there is no marker
    or no "(A)". Labels are searched in sequence, so "(g)" or "(2)" inside an option is kept."""
    index = text.rfind(marker)
    if index < 0:
        return None
    stem, options = text[:index].rstrip(), text[index + len(marker):]
    starts: list[tuple[int, int]] = []  # (label start, text start) per option
    position = 0
    for label in labels:
        match = re.compile(r"(?:^|(?<=\s))\(" + re.escape(label) + r"\)\s*:?\s*").search(
            options, position
        )
        if match is None:
            break
        starts.append((match.start(), match.end()))
        position = match.end()
    if not starts:
        return None
    ends = [start for start, _ in starts[1:]] + [len(options)]
    return stem, [options[begin:end].strip() for (_, begin), end in zip(starts, ends)]


def stable_seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


