DELETE FROM recall_scores_round1 WHERE dump = $dump
