"""Training-set adapters: rows of any instruction set become chat `messages`, mixed by weight.

Shapes understood (`format: auto` detects them in this order):
  messages         `messages` (list or JSON string) of {"role", "content"}
  qa               `question`, `answer` (WebInstruct)
  alpaca           `instruction`, optional `input`, `output` (AlpaGasus subsets, Alpaca files)
  prompt_response  `prompt`/`query`, `response`/`completion`

Mixing is streamed and deterministic: a row with weight w is emitted floor(w) times plus once more
when a hash of (seed, source, id) falls under frac(w). Memory stays flat for any size, and the same
rows and seed always give the same training set, whose hash (`TrainingSetHasher`) the checkpoint
records with the id list.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

ROLES = {"system", "user", "assistant"}


@dataclass(frozen=True)
class Example:
    id: str
    source: str
    messages: list[dict[str, str]]
    repeat: int = 0  # 0 for a source row's first occurrence, k for its k-th weighted repeat

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "source": self.source, "repeat": self.repeat, "messages": self.messages}
        )

    @staticmethod
    def from_json(line: str) -> "Example":
        data = json.loads(line)
        return Example(data["id"], data["source"], data["messages"], int(data.get("repeat", 0)))


@dataclass(frozen=True)
class Rejected:
    id: str
    source: str
    reason: str


class FormatError(ValueError):
    """A row that cannot become a training example; the message is the recorded reason."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def detect_format(columns: Iterable[str]) -> str:
    cols = set(columns)
    if "messages" in cols:
        return "messages"
    if {"question", "answer"} <= cols:
        return "qa"
    if {"instruction", "output"} <= cols:
        return "alpaca"
    if ({"prompt", "query"} & cols) and ({"response", "completion"} & cols):
        return "prompt_response"
    raise FormatError(f"no known instruction shape in columns {sorted(cols)}")


def _pair(prompt: str, response: str) -> list[dict[str, str]]:
    if not prompt:
        raise FormatError("empty_prompt")
    if not response:
        raise FormatError("empty_response")
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]


def _checked_messages(value: Any) -> list[dict[str, str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise FormatError("malformed_messages") from None
    if not isinstance(value, (list, tuple)) or not value:
        raise FormatError("malformed_messages")
    messages = []
    for turn in value:
        if not isinstance(turn, Mapping) or turn.get("role") not in ROLES:
            raise FormatError("malformed_messages")
        messages.append({"role": str(turn["role"]), "content": _text(turn.get("content"))})
    if not any(m["role"] == "assistant" and m["content"] for m in messages):
        raise FormatError("empty_response")
    if not any(m["role"] == "user" and m["content"] for m in messages):
        raise FormatError("empty_prompt")
    return messages


def row_messages(row: Mapping[str, Any], fmt: str) -> list[dict[str, str]]:
    """The chat messages of one row in the given shape; raises FormatError with the drop reason."""
    if fmt == "auto":
        fmt = detect_format(row.keys())
    if fmt == "messages":
        return _checked_messages(row.get("messages"))
    if fmt == "qa":
        return _pair(_text(row.get("question")), _text(row.get("answer")))
    if fmt == "alpaca":
        instruction, extra = _text(row.get("instruction")), _text(row.get("input"))
        prompt = f"{instruction}\n\n{extra}" if instruction and extra else instruction
        return _pair(prompt, _text(row.get("output")))
    if fmt == "prompt_response":
        prompt = _text(row.get("prompt")) or _text(row.get("query"))
        return _pair(prompt, _text(row.get("response")) or _text(row.get("completion")))
    raise FormatError(f"unknown format {fmt!r}")


def row_id(row: Mapping[str, Any], index: int, id_columns: Iterable[str] = ()) -> str:
    """The row's own id: the named `id_columns` joined with ':', else the first of the usual id
    columns, else its position in the source."""
    columns = list(id_columns)
    if columns:
        return ":".join(_text(row.get(column)) for column in columns)
    for key in ("id", "example_id", "pair_id", "uid"):
        value = row.get(key)
        if value is not None and _text(value):
            return _text(value)
    return f"row{index}"


def repetitions(weight: float, seed: int, source: str, example_id: str) -> int:
    """How many times a row appears: floor(weight), plus one with probability frac(weight)."""
    whole = math.floor(weight)
    frac = weight - whole
    if frac <= 0:
        return whole
    digest = hashlib.sha256(f"{seed}\x00{source}\x00{example_id}".encode()).digest()
    return whole + (int.from_bytes(digest[:8], "big") / 2**64 < frac)


def adapt_rows(
    rows: Iterable[Mapping[str, Any]],
    source: str,
    fmt: str,
    weight: float,
    seed: int,
    id_columns: Iterable[str] = (),
) -> Iterator[Example | Rejected]:
    """Turn one source's rows into weighted examples (repeats get `#k` ids) or rejects. Every
    source row yields exactly one item with repeat 0 (an example or a reject): the accounting."""
    id_columns = tuple(id_columns)
    for index, row in enumerate(rows):
        rid = row_id(row, index, id_columns)
        try:
            messages = row_messages(row, fmt)
        except FormatError as error:
            yield Rejected(id=f"{source}:{rid}", source=source, reason=str(error))
            continue
        count = repetitions(weight, seed, source, rid)
        if count == 0:
            yield Rejected(id=f"{source}:{rid}", source=source, reason="not_sampled_by_weight")
        for k in range(count):
            suffix = f"#{k}" if k else ""
            yield Example(id=f"{source}:{rid}{suffix}", source=source, messages=messages, repeat=k)


def read_file_rows(path: str | Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON list, JSONL or Parquet file (streamed for JSONL and Parquet)."""
    path = Path(path)
    suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=5_000):
            yield from batch.to_pylist()
    elif suffix in (".jsonl", ".jsonl.gz"):
        import gzip

        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise FormatError(f"{path}: expected a JSON list of records")
        yield from data
    else:
        raise FormatError(f"{path}: unsupported training-set file type {suffix!r}")


@dataclass
class TrainingSetWriter:
    """Streams examples to `data.jsonl` and ids to `ids.txt` while hashing the exact content."""

    directory: Path
    kept: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    kept_by_source: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._digest = hashlib.sha256()
        self._data = open(self.data_path, "w", encoding="utf-8")
        self._ids = open(self.ids_path, "w", encoding="utf-8")
        self._rejects = open(self.rejects_path, "w", encoding="utf-8")

    @property
    def data_path(self) -> Path:
        return self.directory / "data.jsonl"

    @property
    def ids_path(self) -> Path:
        return self.directory / "ids.txt"

    @property
    def rejects_path(self) -> Path:
        return self.directory / "rejects.jsonl"

    def add(self, item: Example | Rejected) -> None:
        if isinstance(item, Rejected):
            self._rejects.write(json.dumps(item.__dict__) + "\n")
            self.rejected += 1
            self.rejected_by_reason[item.reason] = self.rejected_by_reason.get(item.reason, 0) + 1
            return
        line = item.to_json()
        self._digest.update(line.encode())
        self._digest.update(b"\n")
        self._data.write(line + "\n")
        self._ids.write(item.id + "\n")
        self.kept += 1
        self.kept_by_source[item.source] = self.kept_by_source.get(item.source, 0) + 1

    def close(self) -> str:
        """Close the files and return the training-set hash (sha256 of the exact example lines)."""
        self._data.close()
        self._ids.close()
        self._rejects.close()
        return self._digest.hexdigest()


def read_examples(path: str | Path) -> Iterator[Example]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Example.from_json(line)
