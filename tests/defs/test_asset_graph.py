"""The whole asset graph, pinned: keys, groups, partitions, dependencies with their partition
mappings, checks, pools, owners, automation, jobs and sensors, in one readable text file. A lost
edge or a changed partitioning shows up as a diff in review.

After an intended change, rewrite the snapshot and commit it with the change:

    MAMMOTH_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest -q tests/defs/test_asset_graph.py
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"
GROUP_ORDER = ["crawl", "recall", "webinstruct", "quality", "rationales", "train", "evaluate"]


def _definitions():
    from mammoth_assets.definitions import defs

    return defs.get_repository_def()


def _partitions(partitions_def) -> str:
    if partitions_def is None:
        return "-"
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return " x ".join(f"{d.name}={_partitions(d.partitions_def)}" for d in partitions_def.partitions_defs)
    if isinstance(partitions_def, dg.DynamicPartitionsDefinition):
        return f"dynamic:{partitions_def.name}"
    if isinstance(partitions_def, dg.StaticPartitionsDefinition):
        return "static[" + ",".join(partitions_def.get_partition_keys()) + "]"
    return type(partitions_def).__name__


def _mapping(mapping) -> str:
    name = type(mapping).__name__.removesuffix("PartitionMapping")
    dimension = getattr(mapping, "partition_dimension_name", None)
    return f"{name}({dimension})" if dimension else name


def _code_version(version: str | None) -> str:
    # Prompt-template versions are content hashes: a prompt edit should not churn this file.
    return re.sub(r"@[0-9a-f]{12}", "@<hash>", version) if version else "-"


def render_graph() -> str:
    repo = _definitions()
    graph = repo.asset_graph
    checks = defaultdict(list)
    for check_key in graph.asset_check_keys:
        spec = graph.get_check_spec(check_key)
        checks[check_key.asset_key].append(
            f"check {check_key.name} ({'blocking' if spec.blocking else 'non-blocking'})")
    lines = [
        "# Asset graph of mammoth_assets (tests/defs/test_asset_graph.py).",
        "# Regenerate: MAMMOTH_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest -q tests/defs/test_asset_graph.py",
        "",
    ]
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        attributes = {
            "group": node.group_name,
            "partitions": _partitions(node.partitions_def),
            "pool": ",".join(sorted(node.pools or ())) or "-",
            "owners": ",".join(node.owners) or "-",
            "code_version": _code_version(node.code_version),
            "automation": "eager" if node.automation_condition is not None else "-",
            "freshness": "yes" if node.freshness_policy is not None else "-",
        }
        lines.append(key.to_user_string())
        lines.append("  " + " | ".join(f"{k}: {v}" for k, v in attributes.items()))
        for parent in sorted(node.parent_keys, key=lambda k: k.to_user_string()):
            mapping = graph.get_partition_mapping(key, parent)
            lines.append(f"  <- {parent.to_user_string()} [{_mapping(mapping)}]")
        lines.extend("  " + line for line in sorted(checks[key]))
    lines.append("")
    lines += [f"job {job.name}" for job in sorted(repo.get_all_jobs(), key=lambda j: j.name)
              if not job.name.startswith("__")]
    lines += [f"sensor {s.name} ({s.default_status.value.lower()})"
              for s in sorted(repo.sensor_defs, key=lambda s: s.name)]
    lines += [f"schedule {s.name} ({s.default_status.value.lower()})"
              for s in sorted(repo.schedule_defs, key=lambda s: s.name)]
    return "\n".join(lines) + "\n"


def test_asset_graph_matches_the_snapshot() -> None:
    rendered = render_graph()
    if os.environ.get("MAMMOTH_UPDATE_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(rendered)
    assert SNAPSHOT.exists(), "no snapshot: run with MAMMOTH_UPDATE_SNAPSHOT=1"
    assert rendered == SNAPSHOT.read_text(), (
        "the asset graph changed; review the diff and, if intended, regenerate the snapshot "
        "with MAMMOTH_UPDATE_SNAPSHOT=1 (see this module's docstring)")


def test_the_lineage_is_one_connected_graph_in_pipeline_order() -> None:
    """Every asset reaches every other one through dependencies (ignoring direction), and each
    group feeds the next: crawl -> recall -> webinstruct -> quality -> rationales -> train ->
    evaluate. An island (the evaluate domain used to be one) fails here."""
    graph = _definitions().asset_graph
    keys = set(graph.get_all_asset_keys())
    neighbours = defaultdict(set)
    for key in keys:
        for parent in graph.get(key).parent_keys:
            neighbours[key].add(parent)
            neighbours[parent].add(key)
    seen, frontier = set(), [next(iter(keys))]
    while frontier:
        key = frontier.pop()
        if key not in seen:
            seen.add(key)
            frontier.extend(neighbours[key] - seen)
    assert seen == keys, f"not connected to the rest: {sorted(k.to_user_string() for k in keys - seen)}"

    group_edges = {
        (graph.get(parent).group_name, graph.get(key).group_name)
        for key in keys for parent in graph.get(key).parent_keys
    }
    assert {graph.get(key).group_name for key in keys} == set(GROUP_ORDER)
    for upstream, downstream in zip(GROUP_ORDER, GROUP_ORDER[1:]):
        assert (upstream, downstream) in group_edges, f"no edge from {upstream} to {downstream}"


def test_training_data_reaches_the_scores() -> None:
    """Staleness can only flow where there are edges: data -> checkpoint -> model -> scores."""
    graph = _definitions().asset_graph
    chain = ["webinstruct", "sft_checkpoint", "evaluated_model", "benchmark_generations",
             "benchmark_grades", "benchmark_scores", "benchmark_comparison"]
    for upstream, downstream in zip(chain, chain[1:]):
        assert dg.AssetKey(upstream) in graph.get(dg.AssetKey(downstream)).parent_keys
    mapping = graph.get_partition_mapping(dg.AssetKey("benchmark_generations"), dg.AssetKey("evaluated_model"))
    assert isinstance(mapping, dg.MultiToSingleDimensionPartitionMapping)
    assert mapping.partition_dimension_name == "checkpoint"
