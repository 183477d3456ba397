-- Grounding rate of one shard: share of LLM-proposed pairs that passed the grounding check
-- (schema.org pairs are part of the page and are not gated). No LLM pair: rate 1.
SELECT count(*) AS proposed, count(*) FILTER (WHERE decision = 'kept') AS grounded,
       CASE WHEN count(*) = 0 THEN 1.0 ELSE count(*) FILTER (WHERE decision = 'kept') / count(*) END AS grounding_rate
FROM extracted_qa
WHERE shard_key = $shard_key AND method = 'llm'
