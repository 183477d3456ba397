-- Grounding rate per dump: share of proposed pairs that passed the grounding check.
SELECT dump, count(*) AS proposed, count(*) FILTER (WHERE status = 'kept') AS grounded,
       count(*) FILTER (WHERE status = 'kept') / greatest(count(*), 1) AS grounding_rate
FROM extracted_qa
GROUP BY dump
ORDER BY dump
