"""The import rules of ARCHITECTURE.md, enforced on the source (every import, function-level ones
included, read with `ast`; nothing is imported to check it).

    core/   pure logic: no Dagster, no LLM layer, no warehouse, no steps/defs/cli
    llm/    the LLM layer, beside core: no defs, steps or cli
    steps/  core bound to the warehouse / LLM layer, no Dagster: no defs or cli
    defs/   Dagster: may import all of the above
    cli/, benchmarks/   never `mammoth_assets.defs` (they use core, steps, llm, the warehouse;
                        a benchmark that times a Dagster run loads the code location,
                        `mammoth_assets.definitions`, as the webserver does)

Plus: checks and assets do not read Dagster's event log (materialization metadata) as a store of
configuration or thresholds; sensors, which react to materializations, may.

`ALLOWED` lists the violations that still exist, each in a file another engineer owns and is
rewriting for issue 16 (owner in the comment). It only shrinks: an entry that no longer matches a
real violation fails the test, so it is removed together with the violation.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# layer (a directory under the repository root) -> module prefixes it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "mammoth_assets/core": (
        # (`dagster_pipes`, the tiny client the training process reports through, is not Dagster)
        "dagster", "mammoth_assets.llm", "mammoth_assets.warehouse",
        "mammoth_assets.ducklake", "mammoth_assets.staging", "mammoth_assets.local_postgres",
        "mammoth_assets.steps", "mammoth_assets.defs", "mammoth_assets.definitions",
        "mammoth_assets.cli", "mammoth_assets.demo", "mammoth_assets.run_launcher",
    ),
    "mammoth_assets/llm": (
        "mammoth_assets.steps", "mammoth_assets.defs", "mammoth_assets.definitions",
        "mammoth_assets.cli",
    ),
    "mammoth_assets/steps": (
        "dagster", "mammoth_assets.defs", "mammoth_assets.definitions", "mammoth_assets.cli",
    ),
    "mammoth_assets/cli": ("mammoth_assets.defs",),
    "benchmarks": ("mammoth_assets.defs",),
}

# Reading materialization metadata back through the instance (the event log as a config store).
EVENT_LOG_READS = ("get_latest_materialization_event", "fetch_materializations",
                   "get_event_records", "get_latest_materialization_events")

# (file, forbidden prefix or event-log call) -> why it is still there. Shrink only.
ALLOWED: dict[tuple[str, str], str] = {}  # empty since issue 16 landed: keep it that way


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported_modules(path: Path, module: str | None = None) -> set[str]:
    """Every module a file imports, at any depth, relative imports resolved against `module` (the
    file's dotted name, by default from its place in the repository); `from a import b` yields
    both `a` and `a.b` (b may be a submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (module or _module_of(path)).split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def import_violations() -> set[tuple[str, str]]:
    violations = set()
    for layer, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / layer).rglob("*.py")):
            modules = imported_modules(path)
            for prefix in forbidden:
                if any(_matches(module, prefix) for module in modules):
                    violations.add((str(path.relative_to(ROOT)), prefix))
    return violations


def event_log_violations() -> set[tuple[str, str]]:
    violations = set()
    for path in sorted((ROOT / "mammoth_assets" / "defs").rglob("*.py")):
        if path.name == "sensors.py":  # sensors react to materializations by design
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in EVENT_LOG_READS:
                violations.add((str(path.relative_to(ROOT)), node.attr))
    return violations


def test_the_scanner_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..defs import resources\n    import dagster as dg\n")
    modules = imported_modules(probe, "mammoth_assets.core.probe")
    assert "mammoth_assets.defs.resources" in modules and "dagster" in modules
    assert not _matches("mammoth_assets.llmx", "mammoth_assets.llm")


def test_layers_import_only_what_they_may() -> None:
    unexpected = import_violations() - set(ALLOWED)
    assert not unexpected, "imports against ARCHITECTURE.md's rules:\n" + "\n".join(
        f"  {file} imports {prefix}" for file, prefix in sorted(unexpected))


def test_checks_do_not_read_the_event_log_for_configuration() -> None:
    unexpected = event_log_violations() - set(ALLOWED)
    assert not unexpected, "event-log reads outside sensors:\n" + "\n".join(
        f"  {file} calls {call}" for file, call in sorted(unexpected))


def test_allow_list_only_shrinks() -> None:
    stale = set(ALLOWED) - import_violations() - event_log_violations()
    assert not stale, "fixed violations still allowed (remove these entries):\n" + "\n".join(
        f"  {entry}" for entry in sorted(stale))


@pytest.mark.parametrize("sql", sorted((ROOT / "sql").glob("*.sql")), ids=lambda p: p.name)
def test_every_sql_file_is_used(sql: Path) -> None:
    """A statement nobody loads is dead code (SQL is loaded by its file name; a few serve only
    the warehouse's own tests)."""
    assert any(sql.stem in text for path, text in _sources().items() if path != sql), (
        f"sql/{sql.name} is not loaded anywhere")


@functools.lru_cache(maxsize=1)
def _sources() -> dict[Path, str]:
    files = [*(ROOT / "mammoth_assets").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py"),
             *(ROOT / "tests").rglob("*.py"), *(ROOT / "sql").glob("*.sql")]
    return {path: path.read_text(encoding="utf-8") for path in files}
