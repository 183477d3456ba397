-- Every recipe's current checkpoint, newest first: what evaluation reads to find checkpoints.
SELECT recipe, checkpoint_path, base_model, training_set_hash, steps, final_loss, created_at
FROM sft_checkpoint
ORDER BY created_at DESC
