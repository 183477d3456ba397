"""Packing and padding of encoded examples into training batches.

Padding (default): each example is one row; a batch is right-padded to its longest row with
`pad_id`, labels -100 and attention mask 0 on the padding.
Packing: examples are concatenated greedily into rows of at most `max_length` tokens (no padding
waste). Attention is not blocked between packed neighbours (the usual "naive" packing); the first
token of every packed example gets label -100 so no loss is taken across an example boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import torch

from mammoth_assets.core.sft.chat_format import IGNORE_INDEX, EncodedExample


def pack(examples: Iterable[EncodedExample], max_length: int) -> list[EncodedExample]:
    rows: list[EncodedExample] = []
    ids: list[int] = []
    labels: list[int] = []
    for example in examples:
        if ids and len(ids) + len(example.input_ids) > max_length:
            rows.append(EncodedExample(ids, labels, truncated=False))
            ids, labels = [], []
        ids.extend(example.input_ids)
        labels.append(IGNORE_INDEX)
        labels.extend(example.labels[1:])
    if ids:
        rows.append(EncodedExample(ids, labels, truncated=False))
    return rows


class EncodedDataset(torch.utils.data.Dataset):
    def __init__(self, rows: Sequence[EncodedExample]):
        self.rows = list(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        row = self.rows[index]
        return {"input_ids": row.input_ids, "labels": row.labels}


@dataclass
class PaddingCollator:
    pad_id: int
    pad_to_multiple_of: int = 1

    def __call__(self, features: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        longest = max(len(f["input_ids"]) for f in features)
        multiple = self.pad_to_multiple_of
        longest = (longest + multiple - 1) // multiple * multiple
        input_ids = torch.full((len(features), longest), self.pad_id, dtype=torch.long)
        labels = torch.full((len(features), longest), IGNORE_INDEX, dtype=torch.long)
        attention = torch.zeros((len(features), longest), dtype=torch.long)
        for row, feature in enumerate(features):
            n = len(feature["input_ids"])
            input_ids[row, :n] = torch.tensor(feature["input_ids"])
            labels[row, :n] = torch.tensor(feature["labels"])
            attention[row, :n] = 1
        return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}
