-- The sft_checkpoint row of one training recipe (one row per recipe partition): the one
-- checkpoint lookup (evaluation, the judge's `recipe:<name>` models and the training checks).
SELECT *
FROM sft_checkpoint
WHERE recipe = $recipe
