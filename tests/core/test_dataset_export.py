from pathlib import Path

import datasets
import polars as pl
import pytest

from mammoth_assets.core.dataset_export import CardStats, dataset_card, export_dataset


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["wi-1", "wi-2"],
            "question": ["What is 2+2?", "Define an isotope."],
            "answer": ["4", "Atoms with equal protons, different neutrons."],
            "dump": ["CC-MAIN-SAMPLE", "CC-MAIN-SAMPLE"],
            "url": ["https://a.org/1", "https://b.org/2"],
            "domain": ["a.org", "b.org"],
            "refiner": ["tiny", "unrefined"],
        }
    )


def test_exports_load_with_datasets(tmp_path: Path):
    files = export_dataset(_frame(), tmp_path, CardStats(rows=2))
    chat = datasets.load_dataset("parquet", data_files=str(files["chat_parquet"]), split="train")
    assert chat[0]["messages"] == [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
    ]
    assert chat[1]["url"] == "https://b.org/2"
    alpaca = datasets.load_dataset("json", data_files=str(files["alpaca_jsonl"]), split="train")
    assert alpaca[1]["instruction"] == "Define an isotope." and alpaca[1]["input"] == ""
    flat = datasets.load_dataset("parquet", data_files=str(files["flat_parquet"]), split="train")
    assert flat.num_rows == 2 and "domain" in flat.column_names
    assert files["card"].read_text().startswith("---\nlicense: other")


def test_card_reports_counts_and_the_unrefined_fallback():
    card = dataset_card(
        CardStats(
            rows=2,
            stage_counts={"pages": 10, "extracted_qa": {"kept": 3, "rejected": 1}},
            per_domain={"a.org": 1, "b.org": 1},
            per_dump={"CC-MAIN-SAMPLE": 2},
            unrefined_fallback_rows=1,
            benchmarks_decontaminated=["gsm8k"],
        )
    )
    assert "keep_unrefined_when_rejected=True" in card
    assert "| extracted_qa | kept: 3, rejected: 1 |" in card
    assert "| CC-MAIN-SAMPLE | 2 |" in card and "gsm8k" in card and "License notes" in card
    assert "keep_unrefined_when_rejected" not in dataset_card(CardStats(rows=1))


def test_export_requires_core_columns(tmp_path: Path):
    with pytest.raises(ValueError):
        export_dataset(pl.DataFrame({"id": ["x"]}), tmp_path, CardStats())
