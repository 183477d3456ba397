-- The sft_checkpoint row of one training recipe (one row per recipe partition).
SELECT * FROM sft_checkpoint WHERE recipe = $recipe
