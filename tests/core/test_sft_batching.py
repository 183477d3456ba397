"""Padding and packing keep labels aligned and never train on padding or across examples."""

from __future__ import annotations

from mammoth_assets.core.sft.batching import PaddingCollator, TokenDataset, TokenStore, pack_spans
from mammoth_assets.core.sft.chat_format import IGNORE_INDEX, EncodedExample

X = IGNORE_INDEX


def example(ids, trained_from):
    return EncodedExample(ids, [X] * trained_from + ids[trained_from:], truncated=False)


def store(tmp_path, examples):
    token_store = TokenStore(tmp_path / "tokenized")
    for item in examples:
        token_store.add(item)
    token_store.close()
    return tmp_path / "tokenized"


def test_collator_pads_right_and_masks_padding():
    batch = PaddingCollator(pad_id=0)([
        {"input_ids": [5, 6, 7], "labels": [X, 6, 7]},
        {"input_ids": [8], "labels": [8]},
    ])  # fmt: skip

    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[X, 6, 7], [8, X, X]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_store_serves_one_example_per_row(tmp_path):
    dataset = TokenDataset(store(tmp_path, [example([1, 2, 3], 1), example([4, 5], 0)]))

    assert len(dataset) == 2
    assert dataset[0]["input_ids"].tolist() == [1, 2, 3] and dataset[0]["labels"].tolist() == [X, 2, 3]
    assert dataset[1]["labels"].tolist() == [X, 5]  # an example's first token is never a target


def test_packing_fills_rows_and_blocks_cross_example_loss(tmp_path):
    directory = store(tmp_path, [example([1, 2, 3], 1), example([4, 5], 0), example([6, 7, 8, 9], 2)])

    dataset = TokenDataset(directory, packing=True, max_length=5)

    assert [dataset[i]["input_ids"].tolist() for i in range(len(dataset))] == [[1, 2, 3, 4, 5], [6, 7, 8, 9]]
    assert dataset[0]["labels"].tolist() == [X, 2, 3, X, 5]  # 4 is not predicted from 3
    assert dataset[1]["labels"].tolist() == [X, X, 8, 9]
    assert pack_spans([0, 3, 5, 9], 100) == [(0, 9)] and pack_spans([0, 7], 5) == [(0, 7)]
