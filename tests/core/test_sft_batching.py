"""Padding and packing keep labels aligned and never train on padding or across examples."""

from __future__ import annotations

from mammoth_assets.core.sft.batching import PaddingCollator, pack
from mammoth_assets.core.sft.chat_format import IGNORE_INDEX, EncodedExample


def example(ids, trained_from):
    return EncodedExample(ids, [IGNORE_INDEX] * trained_from + ids[trained_from:], truncated=False)


def test_collator_pads_right_and_masks_padding():
    batch = PaddingCollator(pad_id=0)([
        {"input_ids": [5, 6, 7], "labels": [IGNORE_INDEX, 6, 7]},
        {"input_ids": [8], "labels": [8]},
    ])  # fmt: skip

    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 6, 7], [8, IGNORE_INDEX, IGNORE_INDEX]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_packing_fills_rows_and_blocks_cross_example_loss():
    rows = pack([example([1, 2, 3], 1), example([4, 5], 0), example([6, 7, 8, 9], 2)], max_length=5)

    assert [r.input_ids for r in rows] == [[1, 2, 3, 4, 5], [6, 7, 8, 9]]
    assert rows[0].labels == [IGNORE_INDEX, 2, 3, IGNORE_INDEX, 5]  # 4 is not predicted from 3
    assert rows[1].labels == [IGNORE_INDEX, IGNORE_INDEX, 8, 9]
