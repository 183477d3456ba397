"""The name rules and the path guard that keep untrusted names out of paths (real files in tmp)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.core import safe_paths as sp


@pytest.mark.parametrize("dump", ["CC-MAIN-2024-10", "CC-MAIN-SAMPLE", "CC-MAIN-2012", "CC-MAIN-2009-2010", "CC-MAIN-A"])
def test_dump_ids_accepted(dump: str) -> None:
    assert sp.dump_id(dump) == dump


@pytest.mark.parametrize("dump", [
    "x/../../..", "../CC-MAIN-2024-10", "CC-MAIN-2024-10/..", "CC-MAIN-2024-10\n", "CC-MAIN-sample",
    "", " CC-MAIN-2024-10", "/etc", "CC-NEWS-2024-01", "CC-MAIN-2024-10\x00", 42, None,
])
def test_dump_ids_refused_with_the_rule(dump: object) -> None:
    with pytest.raises(sp.UnsafeNameError, match="CC-MAIN-YYYY-WW"):
        sp.dump_id(dump)


@pytest.mark.parametrize("name", ["alpaca_52k", "mammoth2-7b", "gsm-style", "a", "v1.2"])
def test_safe_names_accepted(name: str) -> None:
    assert sp.safe_name(name) == name


@pytest.mark.parametrize("name", ["..", ".", "../x", "a/b", "a\\b", "", ".hidden", "-rf", "a b", "x" * 129, "é"])
def test_unsafe_names_refused(name: str) -> None:
    with pytest.raises(sp.UnsafeNameError, match="instruction set"):
        sp.safe_name(name, "instruction set")


def test_non_string_name_refused() -> None:
    with pytest.raises(sp.UnsafeNameError, match="must be a string, not int"):
        sp.safe_name(3, "recipe")


def test_relative_files_of_a_real_listing_are_accepted() -> None:
    line = ("crawl-data/CC-MAIN-2024-10/segments/1707947473347.0/wet/"
            "CC-MAIN-20240220211055-20240221001055-00000.warc.wet.gz")
    assert sp.relative_file(line) == line


@pytest.mark.parametrize("line", [
    "crawl-data/CC-MAIN-2099-01/../../../../x.warc.wet.gz", "../x.gz", "/etc/passwd", "a//b.gz",
    "a/./b.gz", "a\\..\\b.gz", "a/b.gz/", "crawl-data/x y.gz", "a/" + "b" * 2000,
])
def test_traversing_listing_lines_refused(line: str) -> None:
    with pytest.raises(sp.UnsafeNameError):
        sp.relative_file(line, "wet.paths.gz line")


def test_path_under_refuses_dotdot_absolute_and_symlink_escapes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "inside").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    assert sp.path_under(root, "inside", "file.txt") == root / "inside" / "file.txt"
    for parts in (("..", "outside"), ("inside", "..", ".."), (str(outside),), ("link", "file.txt"), ("link",)):
        with pytest.raises(sp.UnsafePathError, match="outside"):
            sp.path_under(root, *parts)


def test_path_under_allows_a_symlinked_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    root = tmp_path / "root-link"
    root.symlink_to(real)
    assert sp.path_under(root, "a", "b") == root / "a" / "b"


def test_remove_tree_deletes_only_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "canary").write_text("keep")
    (root / "staging" / "ok").mkdir(parents=True)
    (root / "staging" / "ok" / "part.parquet").write_text("x")
    (root / "staging" / "link").symlink_to(victim)

    sp.remove_tree(root, root / "staging" / "ok")
    assert not (root / "staging" / "ok").exists()
    sp.remove_tree(root, root / "staging" / "link")  # the link goes, its target stays
    assert not (root / "staging" / "link").exists() and (victim / "canary").read_text() == "keep"
    sp.remove_tree(root, root / "staging" / "missing")  # nothing to do
    with pytest.raises(sp.UnsafePathError):
        sp.remove_tree(root, root / "staging" / ".." / "..")
    with pytest.raises(sp.UnsafePathError, match="root"):
        sp.remove_tree(root, root / "staging" / "..")
    with pytest.raises(sp.UnsafePathError):
        sp.remove_tree(root, victim)
    assert (victim / "canary").exists() and (root / "staging").is_dir()


def test_child_dir_creates_only_safe_children(tmp_path: Path) -> None:
    root = tmp_path / "staging"
    made = sp.child_dir(root, "web_documents", "CC-MAIN-2024-10")
    assert made.is_dir() and made == root / "web_documents" / "CC-MAIN-2024-10"
    with pytest.raises(sp.UnsafeNameError, match="partition key"):
        sp.child_dir(root, "web_documents", "x/../../..", what="partition key")
    assert [p.relative_to(root).as_posix() for p in sorted(root.rglob("*"))] == [
        "web_documents", "web_documents/CC-MAIN-2024-10"]
