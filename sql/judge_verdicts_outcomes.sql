-- Verdicts per item, for the win/tie/lose tally.
SELECT comparison, test_set, item_id, verdict FROM judge_verdicts ORDER BY comparison, test_set, item_id
