-- Every test item of every comparison (two answer rows each, one per model): the rows into judge_verdicts.
SELECT DISTINCT comparison, test_set, item_id FROM judge_answers
