"""Supervised fine-tuning: recipes, chat formatting with response-only labels, packing, DeepSpeed
configs, the training process (`python -m mammoth_assets.core.sft.entry SPEC.json`), resume and
metrics. No Dagster here: the `sft_checkpoint` asset launches the process and reads what it wrote.
"""
