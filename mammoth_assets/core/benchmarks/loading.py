"""Loading a benchmark: from a local directory laid out like `../shared/data/benchmarks` (the
upstream repositories' own files, unchanged) or, for real users without one, from the Hugging Face
hub by dataset id."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from mammoth_assets import paths
from mammoth_assets.core.benchmarks.items import BenchmarkError, BenchmarkItem
from mammoth_assets.core.benchmarks.registry import BENCHMARKS, benchmark_spec


def default_root() -> Path | None:
    root = paths.shared_data_dir() / "benchmarks"
    return root if root.exists() else None


def local_path(name: str, root: Path, split: str = "test") -> Path | None:
    """The first candidate file (or directory) of `name`/`split` that exists under `root`."""
    for candidate in benchmark_spec(name).local_paths.get(split, ()):
        path = Path(root) / candidate
        if path.exists():
            return path
    return None


def available_benchmarks(root: Path | None = None) -> list[str]:
    """Benchmarks loadable from `root` (default: the shared benchmark directory). Without any
    local directory, the benchmarks that have a Hugging Face hub source."""
    root = Path(root) if root is not None else default_root()
    if root is None:
        return [name for name, spec in BENCHMARKS.items() if spec.hub is not None]
    return [name for name in BENCHMARKS if local_path(name, root) is not None]


def load_benchmark(
    name: str, root: Path | None = None, *, split: str = "test", limit: int | None = None
) -> list[BenchmarkItem]:
    """Items of benchmark `name` in file order (the first `limit` when given).

    `root=None` reads `<shared data>/benchmarks` when it exists, else the Hugging Face hub."""
    spec = benchmark_spec(name)
    if limit is not None and limit < 0:
        raise BenchmarkError(f"limit must be >= 0, got {limit}")
    explicit_root = root is not None
    root = Path(root) if explicit_root else default_root()
    if root is not None:
        path = local_path(name, root, split)
        if path is not None:
            return _take(spec.parse_local(path, name), limit)
        if explicit_root or split != "test":
            tried = ", ".join(spec.local_paths.get(split, ())) or "(none known)"
            raise BenchmarkError(f"{name} split {split!r} not found under {root}; tried {tried}")
    return load_from_hub(name, split=split, limit=limit)


def load_from_hub(name: str, *, split: str = "test", limit: int | None = None) -> list[BenchmarkItem]:
    """Read a benchmark from the Hugging Face hub (needs network; gated sets need a token)."""
    spec = benchmark_spec(name)
    if spec.hub is None or spec.parse_hub_row is None:
        raise BenchmarkError(
            f"{name} has no Hugging Face source; pass root= a directory holding "
            f"{' or '.join(spec.local_paths['test'])}"
        )
    import datasets  # heavy import, only on this path

    items: list[BenchmarkItem] = []
    hub_split = spec.hub.splits.get(split, split)
    for config in spec.hub.configs:
        try:
            rows = datasets.load_dataset(spec.hub.dataset_id, config, split=hub_split)
        except Exception as error:  # offline, gated, renamed: say which dataset and why
            raise BenchmarkError(
                f"{name}: could not load {spec.hub.dataset_id!r} (config {config!r}, split "
                f"{hub_split!r}) from the Hugging Face hub: {type(error).__name__}: {error}"
            ) from error
        for index, row in enumerate(rows):
            items.append(spec.parse_hub_row(dict(row), name, index, config))
            if limit is not None and len(items) >= limit:
                return items
    return items


def _take(items: Iterable[BenchmarkItem], limit: int | None) -> list[BenchmarkItem]:
    out: list[BenchmarkItem] = []
    for item in items:
        if limit is not None and len(out) >= limit:
            break
        out.append(item)
    return out
