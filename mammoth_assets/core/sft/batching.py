"""Tokenized training data on disk, packing and padding.

`TokenStore` appends every kept example's token ids and labels to two flat int32 files
(`tokens.bin`, `labels.bin`) and records where each example starts, so memory stays flat however
large the training set is; `TokenDataset` serves rows as memory-mapped slices.

Padding (default): one example per row; a batch is right-padded to its longest row with `pad_id`,
labels -100 and attention mask 0 on the padding.
Packing: consecutive examples are concatenated greedily into rows of at most `max_length` tokens
(no padding waste). Attention is not blocked between packed neighbours (the usual "naive"
packing); the first token of every example is stored with label -100, so no loss is ever taken
across an example boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from mammoth_assets.core.sft.chat_format import IGNORE_INDEX, EncodedExample


class TokenStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._tokens = open(self.directory / "tokens.bin", "wb")
        self._labels = open(self.directory / "labels.bin", "wb")
        self.offsets = [0]

    def add(self, example: EncodedExample) -> None:
        labels = list(example.labels)
        labels[0] = IGNORE_INDEX  # nothing predicts an example's first token
        self._tokens.write(np.asarray(example.input_ids, dtype=np.int32).tobytes())
        self._labels.write(np.asarray(labels, dtype=np.int32).tobytes())
        self.offsets.append(self.offsets[-1] + len(example.input_ids))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def close(self) -> None:
        self._tokens.close()
        self._labels.close()
        np.save(self.directory / "offsets.npy", np.asarray(self.offsets, dtype=np.int64))


def example_spans(offsets: Sequence[int]) -> list[tuple[int, int]]:
    return [(int(offsets[i]), int(offsets[i + 1])) for i in range(len(offsets) - 1)]


def pack_spans(offsets: Sequence[int], max_length: int) -> list[tuple[int, int]]:
    """Greedy packing of consecutive examples into [start, end) spans of at most max_length."""
    rows: list[tuple[int, int]] = []
    start = None
    for begin, end in example_spans(offsets):
        if start is not None and end - start > max_length:
            rows.append((start, begin))
            start = None
        if start is None:
            start = begin
    if start is not None:
        rows.append((start, int(offsets[-1])))
    return rows


class TokenDataset(torch.utils.data.Dataset):
    def __init__(self, directory: Path, packing: bool = False, max_length: int = 0):
        directory = Path(directory)
        offsets = np.load(directory / "offsets.npy")
        self.tokens = np.memmap(directory / "tokens.bin", dtype=np.int32, mode="r")
        self.labels = np.memmap(directory / "labels.bin", dtype=np.int32, mode="r")
        self.spans = pack_spans(offsets, max_length) if packing else example_spans(offsets)

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        start, end = self.spans[index]
        return {"input_ids": self.tokens[start:end], "labels": self.labels[start:end]}


@dataclass
class PaddingCollator:
    pad_id: int
    pad_to_multiple_of: int = 1

    def __call__(self, features: list[dict[str, Sequence[int]]]) -> dict[str, torch.Tensor]:
        longest = max(len(f["input_ids"]) for f in features)
        multiple = self.pad_to_multiple_of
        longest = (longest + multiple - 1) // multiple * multiple
        input_ids = torch.full((len(features), longest), self.pad_id, dtype=torch.long)
        labels = torch.full((len(features), longest), IGNORE_INDEX, dtype=torch.long)
        attention = torch.zeros((len(features), longest), dtype=torch.long)
        for row, feature in enumerate(features):
            n = len(feature["input_ids"])
            input_ids[row, :n] = torch.as_tensor(np.asarray(feature["input_ids"], dtype=np.int64))
            labels[row, :n] = torch.as_tensor(np.asarray(feature["labels"], dtype=np.int64))
            attention[row, :n] = 1
        return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}
