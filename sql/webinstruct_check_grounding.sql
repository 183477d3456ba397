-- Grounding rate per dump: share of LLM-proposed pairs that passed the grounding check
-- (schema.org pairs are part of the page and are not gated). No LLM pair: rate 1.
SELECT dump, count(*) FILTER (WHERE method = 'llm') AS proposed,
       count(*) FILTER (WHERE method = 'llm' AND status = 'kept') AS grounded,
       CASE WHEN count(*) FILTER (WHERE method = 'llm') = 0 THEN 1.0
            ELSE count(*) FILTER (WHERE method = 'llm' AND status = 'kept') / count(*) FILTER (WHERE method = 'llm') END AS grounding_rate
FROM extracted_qa
GROUP BY dump
ORDER BY dump
