-- Round-2 training examples, interleaved in a stable random order (fastText reads its file in
-- order). Positives: recalled pages (score >= $min_positive_score) of domains the judge accepted
-- and round 1 favours, plus the round-1 positive seeds. Negatives: pages round 1 scored below
-- $max_negative_score, at most $rejected_limit from domains the judge rejected and round 1 does
-- not favour, the rest general pages from domains that are neither positive sources nor disputed.
WITH positive_candidates AS (
    SELECT 'doc:' || s.dump || ':' || s.doc_id AS example_id, 'accepted_domain' AS source,
           left(w.text, $max_chars) AS text
    FROM recall_scores_round1 s
    JOIN domain_verdicts v ON v.domain = s.domain AND v.round2_role = 'positive_source'
    JOIN web_document_texts w ON w.shard_key = s.shard_key AND w.doc_id = s.doc_id
    WHERE s.decision = 'kept' AND s.score >= $min_positive_score
    UNION ALL
    SELECT CASE WHEN doc_id IS NULL THEN seed_id ELSE 'doc:' || dump || ':' || doc_id END,
           'round1_seed', text
    FROM recall_seeds
    WHERE status = 'kept' AND label = 'positive'
),
positives AS (
    SELECT example_id, 'positive' AS label, min(source) AS source, any_value(text) AS text
    FROM positive_candidates
    GROUP BY example_id
    ORDER BY md5(example_id || ':' || $seed)
    LIMIT $num_positives
),
low_scoring AS (
    SELECT 'doc:' || s.dump || ':' || s.doc_id AS example_id, s.domain, left(w.text, $max_chars) AS text,
           coalesce(v.round2_role, 'not_judged') AS role
    FROM recall_scores_round1 s
    JOIN web_document_texts w ON w.shard_key = s.shard_key AND w.doc_id = s.doc_id
    LEFT JOIN domain_verdicts v ON v.domain = s.domain
    WHERE s.decision = 'below_threshold' AND s.score < $max_negative_score
      AND coalesce(v.round2_role, 'not_judged') NOT IN ('positive_source', 'excluded_disagreement')
),
rejected AS (
    SELECT example_id, 'negative' AS label, 'rejected_domain' AS source, text
    FROM low_scoring
    WHERE role = 'negative_source'
    ORDER BY md5(example_id || ':' || $seed)
    LIMIT $rejected_limit
),
general AS (
    SELECT example_id, 'negative' AS label, 'general' AS source, text
    FROM low_scoring
    WHERE example_id NOT IN (SELECT example_id FROM rejected)
    QUALIFY row_number() OVER (ORDER BY md5(example_id || ':' || $seed))
            <= $num_negatives - (SELECT count(*) FROM rejected)
)
SELECT * FROM (
    SELECT * FROM positives
    UNION ALL SELECT * FROM rejected
    UNION ALL SELECT * FROM general
)
ORDER BY md5(example_id || ':order:' || $seed)
