-- LLM generate calls recorded in the request cache's call log since $since (all stages): proof that a stage made none.
SELECT count(*) AS calls, coalesce(sum(backend_requests), 0) AS backend_requests
FROM llm_calls
WHERE started_at >= $since
