-- One row per (comparison, test set, item) with model A's and model B's answers (NULL when that answer failed).
SELECT comparison, test_set, item_id,
       any_value(instruction) AS instruction, any_value(input) AS input,
       any_value(model_label) FILTER (WHERE model_role = 'a') AS model_a,
       any_value(model_label) FILTER (WHERE model_role = 'b') AS model_b,
       any_value(answer) FILTER (WHERE model_role = 'a' AND status = 'ok') AS answer_a,
       any_value(answer) FILTER (WHERE model_role = 'b' AND status = 'ok') AS answer_b,
       min(position) AS position
FROM judge_answers
GROUP BY comparison, test_set, item_id
ORDER BY comparison, test_set, position
