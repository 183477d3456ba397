"""`mammoth build-sample`, `mammoth list-files` and `mammoth fetch-file`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.cli import main
from mammoth_assets.core.sample_dump import DUMP
from tests.core.http_mirror import serve


def test_build_sample_then_list_and_fetch(tmp_path: Path, isolated_data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    mirror = tmp_path / "mirror"
    assert main(["build-sample", "--dest", str(mirror), "--seed", "2"]) == 0
    assert "pages" in capsys.readouterr().out
    assert main(["list-files", DUMP, "--base-url", str(mirror), "--kind", "warc"]) == 0
    listed = capsys.readouterr().out.split()
    assert len(listed) == 3 and all((mirror / p).is_file() for p in listed)

    wet = sorted((mirror / "crawl-data").rglob("*.warc.wet.gz"))[0].relative_to(mirror).as_posix()
    with serve(mirror) as (base_url, _):
        assert main(["fetch-file", DUMP, wet, "--base-url", base_url]) == 0
    out = capsys.readouterr().out
    assert "downloaded in 1 attempt" in out
    cached = Path(out.split("\t")[0])
    assert cached.is_relative_to(isolated_data_dir) and cached.read_bytes() == (mirror / wet).read_bytes()


def test_default_sample_mirror_location(isolated_data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["build-sample"]) == 0
    assert (isolated_data_dir / "mirror" / "crawl-data" / DUMP / "wet.paths.gz").is_file()
    assert main(["list-files", DUMP, "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()[-1:]) == 1


def test_listing_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["list-files", "CC-MAIN-2024-10", "--base-url", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_inspect_archive_reports_documents_and_skips(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    mirror = tmp_path / "mirror"
    assert main(["build-sample", "--dest", str(mirror)]) == 0
    capsys.readouterr()
    wet_files = sorted((mirror / "crawl-data").rglob("*.warc.wet.gz"))
    for wet in wet_files:
        assert main(["inspect-archive", str(wet), "--show", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("doc   https://") == len(wet_files)
    assert "skip  too_large" in out and "skip  empty" in out and "skip  non_utf8" in out
