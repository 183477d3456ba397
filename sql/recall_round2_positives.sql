-- Round-2 positives: recalled pages of domains the judge accepted and round 1 favours, plus the
-- round-1 positive seeds; a stable random sample.
WITH candidates AS (
    SELECT 'doc:' || s.dump || ':' || s.doc_id AS example_id, 'accepted_domain' AS source,
           left(w.text, $max_chars) AS text
    FROM recall_scores_round1 s
    JOIN domain_verdicts v ON v.domain = s.domain AND v.round2_role = 'positive_source'
    JOIN web_documents w ON w.dump = s.dump AND w.doc_id = s.doc_id
    WHERE s.kept AND s.score >= $min_positive_score
    UNION ALL
    SELECT CASE WHEN doc_id IS NULL THEN seed_id ELSE 'doc:' || dump || ':' || doc_id END,
           'round1_seed', text
    FROM recall_seeds
    WHERE status = 'kept' AND label = 'positive'
)
SELECT example_id, 'positive' AS label, min(source) AS source, any_value(text) AS text
FROM candidates
GROUP BY example_id
ORDER BY md5(example_id || ':' || $seed)
LIMIT $limit
