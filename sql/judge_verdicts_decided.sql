-- judge_verdicts decisions: kept (judged: win, tie or lose) or why the item is unjudged.
SELECT comparison, test_set, item_id, decision FROM judge_verdicts
