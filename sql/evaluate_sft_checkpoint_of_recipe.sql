-- The checkpoint row the training domain recorded for a recipe (one row per recipe partition).
SELECT *
FROM sft_checkpoint
WHERE recipe = $recipe
