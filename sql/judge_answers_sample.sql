-- A few answers of one comparison, both models side by side, for the markdown sample.
SELECT test_set, item_id, model_label, status, instruction, answer
FROM judge_answers
WHERE comparison = $comparison
ORDER BY test_set, position, model_role
LIMIT $rows
