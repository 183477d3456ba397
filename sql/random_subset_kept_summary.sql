-- Mean rating and coding count of the examples the random subset kept (compare with alpagasus_subset).
SELECT avg(score) AS mean_score_kept, count(*) FILTER (WHERE is_coding) AS coding_kept
FROM random_subset
WHERE instruction_set = $instruction_set AND decision = 'kept'
