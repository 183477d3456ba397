SELECT
    stage,
    model_id,
    count(*) AS entries,
    count(*) FILTER (WHERE error IS NULL) AS answered,
    count(*) FILTER (WHERE error IS NOT NULL) AS failed,
    sum(prompt_tokens)::BIGINT AS prompt_tokens,
    sum(completion_tokens)::BIGINT AS completion_tokens
FROM llm_cache
GROUP BY ALL
ORDER BY stage, model_id
