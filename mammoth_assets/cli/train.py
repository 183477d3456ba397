"""`mammoth train RECIPE` runs a training recipe outside Dagster; `mammoth train-recipes` lists or
registers recipes as `training_recipe` partitions.

    mammoth train training_recipes/sample-tiny.yaml --max-steps 4 --record
    mammoth train mammoth2-7b                      # a name is looked up in training_recipes/
    mammoth train-recipes list
    mammoth train-recipes register                 # needs DAGSTER_HOME (the Dagster instance)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _recipe(argument: str):
    from mammoth_assets.core.sft.recipe import load_recipe, recipe_path

    path = Path(argument)
    return load_recipe(path if path.suffix in (".yaml", ".yml") else recipe_path(argument))


def list_recipe_names_safe() -> list[str]:
    from mammoth_assets.core.sft.recipe import list_recipe_names

    try:
        return list_recipe_names()
    except OSError:
        return []


def run_train(args: argparse.Namespace) -> int:
    from mammoth_assets.core.sft.metrics import read_loss_log
    from mammoth_assets.core.sft.recipe import LaunchSpec
    from mammoth_assets.core.sft.records import checkpoint_row, examples_frame
    from mammoth_assets.core.sft.run import TrainingFailed, prepare_run, run_training
    from mammoth_assets.llm.tiny_model import ensure_tiny_model
    from mammoth_assets.steps.training_sets import table_reader
    from mammoth_assets.warehouse import warehouse_from_env

    import polars as pl

    from mammoth_assets.core.sft.recipe import RecipeError

    try:
        recipe = _recipe(args.recipe)
    except RecipeError as error:
        names = ", ".join(list_recipe_names_safe())
        print(f"mammoth train: {error}" + (f"\nrecipes in training_recipes/: {names}" if names else ""))
        return 2
    if args.launcher or args.num_gpus:
        update = {"launcher": args.launcher or recipe.launch.launcher,
                  "num_gpus": args.num_gpus or recipe.launch.num_gpus}  # fmt: skip
        recipe = recipe.model_copy(update={"launch": LaunchSpec.model_validate(update | {
            k: v for k, v in recipe.launch.model_dump().items() if k not in update})})
    warehouse = warehouse_from_env()
    prepared = prepare_run(
        recipe, table_reader(warehouse), max_steps=args.max_steps, use_deepspeed=not args.no_deepspeed,
        restart=args.restart, tiny_model=ensure_tiny_model,
    )
    print(f"training set {prepared.training_set_hash[:12]}: {prepared.kept} examples, "
          f"{prepared.rejected} rejected; run dir {prepared.run_dir}")  # fmt: skip
    if prepared.kept == 0:
        print("error: the training set is empty", flush=True)
        return 2
    try:
        summary = run_training(prepared)
    except TrainingFailed as error:
        print(f"error: {error}")
        return error.returncode or 1
    if args.record:
        losses = read_loss_log(prepared.run_dir / "metrics.jsonl")
        warehouse.replace_partition("sft_training_examples", "recipe", recipe.name, examples_frame(prepared, recipe.name))
        row = checkpoint_row(prepared, summary, losses)
        warehouse.replace_partition("sft_checkpoint", "recipe", recipe.name, pl.DataFrame([row]))
    print(json.dumps(summary, indent=2))
    return 0


def run_recipes(args: argparse.Namespace) -> int:
    from mammoth_assets.core.sft.recipe import valid_recipe_names

    names, errors = valid_recipe_names()
    for name, error in errors.items():
        print(f"invalid: {name}: {error}")
    if args.action == "list":
        print("\n".join(names))
        return 1 if errors else 0
    import dagster as dg

    from mammoth_assets.core.partition_names import TRAINING_RECIPE

    with dg.DagsterInstance.get() as instance:
        known = set(instance.get_dynamic_partitions(TRAINING_RECIPE))
        new = [n for n in names if n not in known]
        instance.add_dynamic_partitions(TRAINING_RECIPE, new)
    print(f"registered {len(new)} new recipe partitions: {', '.join(new) or '-'}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="run an SFT training recipe outside Dagster")
    train.add_argument("recipe", help="recipe YAML path or name in training_recipes/")
    train.add_argument("--max-steps", type=int, default=-1, help="stop after N optimizer steps")
    train.add_argument("--no-deepspeed", action="store_true", help="plain Trainer, no ZeRO")
    train.add_argument("--restart", action="store_true", help="discard checkpoints, start at step 0")
    train.add_argument("--launcher", choices=["python", "torchrun", "deepspeed"], default="",
                       help="how to start the ranks (default: the recipe's)")
    train.add_argument("--num-gpus", type=int, default=0, help="ranks per node (default: the recipe's)")
    train.add_argument("--record", action="store_true",
                       help="write sft_checkpoint / sft_training_examples rows to the warehouse")
    train.set_defaults(handler=run_train)
    recipes = subparsers.add_parser("train-recipes", help="list or register training recipes")
    recipes.add_argument("action", choices=["list", "register"],
                         help="list the valid recipes, or register them as training_recipe partitions")
    recipes.set_defaults(handler=run_recipes)
