-- Items whose generation is missing (the LLM call failed or returned no text), per partition.
SELECT partition, count(*) AS items, count(*) FILTER (WHERE completion IS NULL) AS missing
FROM benchmark_generations
GROUP BY partition
ORDER BY partition
