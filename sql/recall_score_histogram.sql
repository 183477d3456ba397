-- Scores of one shard binned in 20 equal bins (for the histogram plot).
SELECT least(floor(score * 20), 19)::INTEGER AS bin, count(*) AS documents
FROM query_table($table)
WHERE shard_key = $shard_key
GROUP BY bin
ORDER BY bin
