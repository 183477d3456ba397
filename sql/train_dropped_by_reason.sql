-- Dropped training examples of one recipe, counted by reason.
SELECT reason, count(*) AS n
FROM sft_training_examples
WHERE recipe = $recipe AND status = 'dropped'
GROUP BY reason
ORDER BY n DESC, reason
