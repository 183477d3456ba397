-- Join staged scores back to their documents; the threshold is applied here, so it can change
-- later in SQL without re-scoring.
INSERT INTO recall_scores_round1 BY NAME
SELECT w.dump, w.doc_id, w.url, w.domain, s.score,
       s.has_text AND s.score >= $threshold AS kept,
       CASE WHEN s.has_text AND s.score >= $threshold THEN 'kept' ELSE 'dropped' END AS status,
       CASE WHEN NOT s.has_text THEN 'empty_text'
            WHEN s.score < $threshold THEN 'below_threshold' END AS reason,
       $threshold AS threshold, $classifier_sha256 AS classifier_sha256
FROM web_documents w
JOIN read_parquet($files) s ON s.dump = w.dump AND s.doc_id = w.doc_id
WHERE w.dump = $dump
