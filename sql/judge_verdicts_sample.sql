-- A few verdicts with the scores of both orders, for the markdown sample.
SELECT comparison, test_set, item_id, a_first_score_a, a_first_score_b, b_first_score_a, b_first_score_b,
       a_first_outcome, b_first_outcome, verdict, decision, decision_detail
FROM judge_verdicts
ORDER BY comparison, test_set, item_id
LIMIT $rows
