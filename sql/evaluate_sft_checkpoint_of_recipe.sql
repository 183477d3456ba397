-- The checkpoint row the training domain recorded for a recipe (any columns; newest first).
SELECT *
FROM sft_checkpoint
WHERE recipe = $recipe
