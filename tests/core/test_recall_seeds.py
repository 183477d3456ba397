"""Seed-domain lists and user seed files: parsing, validation, rejects with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from mammoth_assets.core.recall_seeds import (
    SeedInputError,
    read_seed_domains,
    read_seed_file,
    registered_domain,
)


def test_registered_domain_handles_urls_hosts_and_public_suffixes():
    assert registered_domain("https://www.Math.StackExchange.com/q/1") == "stackexchange.com"
    assert registered_domain("bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("www.physics.ox.ac.uk/page") == "ox.ac.uk"
    assert registered_domain("") == ""
    assert registered_domain("co.uk") == ""


def test_read_seed_domains_dedups_and_ignores_comments(tmp_path: Path):
    path = tmp_path / "seeds.txt"
    path.write_text("# educational\nkhanacademy.org\nhttps://www.khanacademy.org/x\n\nmit.edu  # ocw\n")
    assert read_seed_domains(path) == ["khanacademy.org", "mit.edu"]
    with pytest.raises(SeedInputError, match="not found"):
        read_seed_domains(tmp_path / "missing.txt")


def test_read_seed_file_jsonl_records_every_line(tmp_path: Path):
    path = tmp_path / "seeds.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"text": "Q: what is 2+2? A: 4"}),
                json.dumps({"url": "https://edu.example.org/q/1"}),
                "{not json",
                json.dumps({"url": "not a url"}),
                json.dumps({"title": "neither"}),
                json.dumps([1, 2]),
                "",
            ]
        )
    )
    frame = read_seed_file(path)
    assert frame.height == 6  # the blank line is not a record
    assert frame.filter(pl.col("status") == "usable").height == 2
    reasons = frame.filter(pl.col("status") == "rejected")["reason"].to_list()
    assert reasons[0].startswith("malformed_json")
    assert reasons[1:] == ["invalid_url", "no_text_or_url", "not_an_object"]
    assert frame["seed_ref"][0] == "seeds.jsonl:1"


def test_read_seed_file_parquet(tmp_path: Path):
    path = tmp_path / "seeds.parquet"
    pl.DataFrame({"text": ["a worked example", None], "url": [None, "https://x.org/a"]}).write_parquet(path)
    frame = read_seed_file(path)
    assert frame["status"].to_list() == ["usable", "usable"]
    assert frame["url"].to_list() == [None, "https://x.org/a"]
    bad = tmp_path / "bad.parquet"
    pl.DataFrame({"body": ["x"]}).write_parquet(bad)
    with pytest.raises(SeedInputError, match="neither"):
        read_seed_file(bad)
    with pytest.raises(SeedInputError, match="must be"):
        read_seed_file(_touch(tmp_path / "s.csv"))


def _touch(path: Path) -> Path:
    path.write_text("text\n")
    return path
